"""API mode for bench/run.py (`--api`): the generated export served by `conformance serve` in a child
process, and the comparison of an API run's data verdicts with the file run's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

TOKEN_ENV = "BENCH_API_TOKEN"


def serve(folder: Path, root: Path, log: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `conformance serve` of `folder` on a free port; its process and base URL (once it listens)."""
    process = subprocess.Popen([sys.executable, "-m", "conformance.cli", "serve", str(folder), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=root)
    assert process.stdout is not None
    with log.open("w", encoding="utf-8") as stream:
        for line in process.stdout:
            stream.write(line)
            if line.startswith("serving "):
                return process, line.split()[1]
    raise SystemExit(f"conformance serve did not start (see {log})")


def command(url: str, folder: Path, out: Path) -> list[str]:
    """The API run of the same data (any bearer token: the reference server is started without one)."""
    os.environ.setdefault(TOKEN_ENV, "bench")
    return [sys.executable, "-m", "conformance.cli", "run", url, "--spec", "juki", "--token-env", TOKEN_ENV,
            "--declaration", str(folder / "declaration.yaml"), "--as-of", "2026-04-01", "--format", "json",
            "--output", str(out), "--quiet"]


def compare(files: dict[str, Any], api: dict[str, Any]) -> dict[str, Any]:
    """The data requirements both runs judged (verdict and finding count) and where they differ; the
    API cases' verdicts."""
    by_id = {r["id"]: r for r in files["requirements"]}
    shared = [r for r in api["requirements"] if r["id"] in by_id]
    differ = {r["id"]: {"api": [r["verdict"], r["findings_total"]], "files": [by_id[r["id"]]["verdict"], by_id[r["id"]]["findings_total"]]}
              for r in shared if (r["verdict"], r["findings_total"]) != (by_id[r["id"]]["verdict"], by_id[r["id"]]["findings_total"])}
    api_only = [r for r in api["requirements"] if r["id"] not in by_id]
    return {"data_requirements_compared": len(shared), "verdicts_equal": not differ, "differences": differ,
            "api_cases": {r["id"]: [r["verdict"], r["findings_total"]] for r in api_only}}
