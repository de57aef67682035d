"""`conformance docs`: write the catalogue (HTML and Markdown) for the given specs into a folder."""

from __future__ import annotations

from pathlib import Path

from conformance.catalogue import html, markdown
from conformance.catalogue.model import catalogue
from conformance.catalogue.sources import SpecSource


def write_catalogue(sources: list[SpecSource], output: Path) -> list[Path]:
    """index.html, index.md and <op>.html, <op>.md per spec; the same specs give the same bytes."""
    pages = catalogue(sources)
    output.mkdir(parents=True, exist_ok=True)
    files = {"index.html": html.render_index(pages), "index.md": markdown.render_index(pages)}
    for page in pages:
        files[f"{page.id}.html"] = html.render_operation(page)
        files[f"{page.id}.md"] = markdown.render_operation(page)
    written = []
    for name, content in files.items():
        path = output / name
        path.write_bytes(content.encode("utf-8"))  # write_bytes: no newline translation on any platform
        written.append(path)
    return written
