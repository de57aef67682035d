"""Hostile inputs, round two (issue 23, I/O part): declarations, ZIP member names, special files, JSON
surrogates and invisible characters. Registered in tests/hostile_inputs.py's BUILDERS; each case folder
holds its expected.yaml like every other case.

Special files (a FIFO, a symlink to /dev/zero) and the 50,000-deep declaration are built at test time
(`large: true`): a FIFO or a device link cannot be committed, and the deep file is only bulk.
The base module is imported inside the builders, so either module can be imported first.
"""

from __future__ import annotations

import json
import os
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

# --- Declarations (item 2) -------------------------------------------------------------------------------


def yaml_billion_laughs(folder: Path) -> None:
    # Nine levels of nine aliases: 9**9 (387 million) strings once expanded, from a few hundred bytes.
    lines = ["system:", "  name: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
    lines += [f"  l{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    (folder / "declaration.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def yaml_deep_nesting(folder: Path) -> None:
    depth = 50_000
    (folder / "declaration.yaml").write_text("system: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")


# --- ZIP member names (item 4) ---------------------------------------------------------------------------


def _broken_export() -> bytes:
    from tests.hostile_inputs import csv_text, juki_rows

    header, rows = juki_rows()
    rows = [list(row) for row in rows]
    rows[0][header.index("性別")] = "9"  # not in the code table: the copy that must not be dropped silently
    return csv_text(header, rows).encode("utf-8")


def _duplicated(folder: Path, second_name: str) -> None:
    from tests.hostile_inputs import _companions, _export, _zip

    _zip(folder / "export.zip", [("住民.csv", _broken_export()), *_companions(), (second_name, _export())])


def zip_duplicate_member(folder: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate it is asked to write
        _duplicated(folder, "住民.csv")


def zip_duplicate_member_nfc(folder: Path) -> None:
    # 住民 has no decomposable character: a folder name with a voiced kana (ジュウミン) does.
    from tests.hostile_inputs import _companions, _export, _zip

    nfc, nfd = "ジュウミン/住民.csv", unicodedata.normalize("NFD", "ジュウミン/住民.csv")
    assert nfc != nfd
    _zip(folder / "export.zip", [(nfc, _broken_export()), *_companions(), (nfd, _export())])


def zip_duplicate_member_case(folder: Path) -> None:
    from tests.hostile_inputs import _companions, _export, _zip

    _zip(folder / "export.zip", [("Juki/住民.csv", _broken_export()), *_companions(), ("JUKI/住民.csv", _export())])


# --- Special files (item 5): built at test time --------------------------------------------------------


def special_fifo(folder: Path) -> None:
    os.mkfifo(folder / "住民.csv")


def special_fifo_in_folder(folder: Path) -> None:
    from tests.hostile_inputs import COMPANIONS, _companions, _export

    export = folder / "export"
    export.mkdir()
    (export / "住民.csv").write_bytes(_export())
    (export / COMPANIONS[1].name).write_bytes(dict(_companions())[COMPANIONS[1].name])
    os.mkfifo(export / COMPANIONS[0].name)  # 世帯.csv: a named pipe nobody writes to


def special_symlink_dev_zero(folder: Path) -> None:
    (folder / "住民.csv").symlink_to("/dev/zero")


# --- JSON (item 6) ---------------------------------------------------------------------------------------


def json_lone_surrogate(folder: Path) -> None:
    from tests.hostile_inputs import _records

    lines = [json.dumps(record, ensure_ascii=False) for record in _records()]
    # Record 3 (line 4): legal JSON text, but \ud800 alone is no character.
    lines[2] = lines[2].replace('"氏名": "', '"氏名": "\\ud800', 1)
    assert "\\ud800" in lines[2]
    (folder / "住民.json").write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


# --- Invisible characters (item 9) -----------------------------------------------------------------------


def csv_invisible_characters(folder: Path) -> None:
    from tests.hostile_inputs import csv_text, juki_rows

    header, rows = juki_rows()
    header = ["\ufeff個人番号" if name == "個人番号" else name for name in header]  # a BOM inside the header
    text = csv_text(header, rows).split("\n")
    text[5] = "\ufeff" + text[5]  # record 5 starts with a BOM: its 市区町村コード looks right, is not
    (folder / "住民.csv").write_bytes("\n".join(text).encode("utf-8"))


IO_BUILDERS: dict[str, Callable[[Path], None]] = {
    function.__name__.replace("_", "-"): function
    for function in (
        yaml_billion_laughs, yaml_deep_nesting,
        zip_duplicate_member, zip_duplicate_member_nfc, zip_duplicate_member_case,
        special_fifo, special_fifo_in_folder, special_symlink_dev_zero,
        json_lone_surrogate, csv_invisible_characters,
    )
}
"""The I/O cases of round two, merged into tests.hostile_inputs.BUILDERS."""
