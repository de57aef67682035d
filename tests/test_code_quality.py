"""ruff on everything, mypy --strict on conformance/, the import layers (all configured in pyproject.toml), and no
private imports of other packages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff() -> None:
    result = _run("ruff", "check", "--output-format", "concise", "conformance", "tests", "scripts", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers() -> None:
    """ARCHITECTURE.md's import rule, as the import-linter contracts of pyproject.toml."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


# A private module of another package (`from referencing._core import …`) may change in any release.
_PRIVATE_IMPORT = re.compile(r"^\s*(?:from|import)\s+((?!conformance\b)[A-Za-z_][\w]*(?:\.[\w]+)*)", re.MULTILINE)

def test_no_private_imports_of_other_packages() -> None:
    found = set()
    for path in sorted((ROOT / "conformance").rglob("*.py")):
        for module in _PRIVATE_IMPORT.findall(path.read_text(encoding="utf-8")):
            if any(part.startswith("_") and part != "__future__" for part in module.split(".")):
                found.add((path.relative_to(ROOT).as_posix(), module))
    assert not found, sorted(found)
