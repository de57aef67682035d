"""Write specs/<operation>/openapi.yaml and specs/<operation>/api-cases.yaml for every operation.

The official per-function API definitions (機能別連携仕様) are not public in our material, so the
contract is OUR encoding, derived from spec.yaml (tables, primary keys, record schemas) and the public
government API guidance (JSON, UTF-8, HTTPS, API key / OpenID Connect) and the pull-style polling chosen
for 庁内データ連携. It is written by this script so that replacing it, when official definitions appear,
is one change here (or a hand-written openapi.yaml in its place). Byte-identical on every run.

    .venv/bin/python scripts/make_openapi.py            # all operations
    .venv/bin/python scripts/make_openapi.py juki inkan  # some
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance import spec as spec_store  # noqa: E402
from conformance.spec import SCHEMA_BASE  # noqa: E402
from conformance.spec.openapi import api_cases, dump, openapi  # noqa: E402


def main(argv: list[str]) -> int:
    operations = argv or spec_store.available()
    for operation in operations:
        spec = spec_store.load(operation)
        assert all(t.schema["$id"].startswith(SCHEMA_BASE) for t in spec.tables)
        (spec.path / "openapi.yaml").write_text(dump(openapi(spec)), encoding="utf-8")
        (spec.path / "api-cases.yaml").write_text(dump(api_cases(spec)), encoding="utf-8")
        print(f"wrote {spec.path.relative_to(ROOT)}/openapi.yaml, api-cases.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
