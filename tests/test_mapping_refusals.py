"""`--mapping` where it is not supported is refused before anything runs, never ignored (issue 22). API mode
refuses it (exit 2, before any request); the pytest plugin has no such option (pytest refuses an unknown one)."""

from __future__ import annotations

import io
from pathlib import Path

from conformance.cli import main


def test_api_mode_refuses_a_mapping(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("operation: juki\nfiles:\n  住民記録.csv:\n    table: 住民\n    columns:\n      ATENA_NO: 宛名番号\n",
                       encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    # Port 9 (discard): nothing listens; the refusal comes before any request.
    assert main(["run", "http://127.0.0.1:9/", "--spec", "juki", "--mapping", str(mapping)], out, err) == 2
    assert err.getvalue() == "conformance: --mapping はファイルの出力にだけ使えます（APIモードでは使えません）\n"
