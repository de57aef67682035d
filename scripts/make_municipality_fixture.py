"""Build fixtures/municipality/: one fictional municipality (架空市) across every encoded operation.

Each operation's conforming export (fixtures/<op>/valid/) is copied into a folder named after the
operation, keeping only the files of that operation's own tables (an operation's valid/ may carry a copy
of 住民基本台帳 for its cross-references; here juki/ provides it once). The declarations are merged.
Run: .venv/bin/python scripts/make_municipality_fixture.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from conformance import spec as spec_store
from conformance.readers import FILE_FORMATS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
OUT = FIXTURES / "municipality"


def main() -> None:
    """Rewrite fixtures/municipality/ from the operations' valid exports."""
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    merged: dict[str, object] = {
        "system": {"name": "架空市 標準準拠システム一式", "version": "1.0", "vendor": "架空ベンダー"},
        "specs": {},
        "options": [],
    }
    for operation in spec_store.available():
        valid = FIXTURES / operation / "valid"
        if not valid.is_dir():
            continue
        spec = spec_store.load(operation)
        tables = {table.name for table in spec.tables}
        for path in sorted(valid.iterdir()):
            if path.suffix.lower() in FILE_FORMATS and path.stem in tables:
                (OUT / operation).mkdir(exist_ok=True)
                shutil.copyfile(path, OUT / operation / path.name)
        declaration = yaml.safe_load((FIXTURES / operation / "declaration.yaml").read_text(encoding="utf-8"))
        merged["specs"][operation] = spec.version  # type: ignore[index]
        merged["options"] += declaration.get("options", [])  # type: ignore[operator]
        if declaration.get("check_digits"):  # the numbers of every operation carry check digits
            merged["check_digits"] = declaration["check_digits"]
    text = yaml.safe_dump(merged, allow_unicode=True, sort_keys=False)
    (OUT / "declaration.yaml").write_text(text, encoding="utf-8")
    print(f"fixtures/municipality: {', '.join(sorted(p.name for p in OUT.iterdir() if p.is_dir()))}")


if __name__ == "__main__":
    main()
