"""Test data of issue 22 (migration fidelity): a vendor layout of our own, and municipality B = A with counted damage.

`build_layout` writes fixtures/migration/juki-layout/ from the committed valid juki export (fictional
架空市 data, never a real municipality's): `layout/住民記録.csv`, 122 columns as an old system might lay
them out (97 named as ours, 18 of ours named otherwise, 7 of the vendor's own; 郵便番号 in full-width
digits, 続柄 codes without their leading zero), the same records as the standard's `renamed/住民.csv`,
and the few lines of `mapping.yaml` that read the first as the second. Two value defects are planted in
both so that the value findings to compare are not empty. `python -m tests.migration_data` rebuilds the
folder; tests/test_migration.py holds the committed files to what this writes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VALID = ROOT / "fixtures" / "juki" / "valid" / "住民.csv"
LAYOUT = ROOT / "fixtures" / "migration" / "juki-layout"

# Ours → the old system's column names (18 items named otherwise).
RENAMED = {
    "市区町村コード": "団体コード", "宛名番号": "ATENA_NO", "世帯番号": "SETAI_NO", "住民種別": "住民区分",
    "住民状態": "住民状態区分", "氏名": "氏名（漢字）", "氏名_フリガナ": "カナ氏名", "性別": "性別コード",
    "生年月日": "生年月日（西暦）", "続柄コード1": "続柄1", "続柄コード2": "続柄2", "続柄コード3": "続柄3",
    "続柄コード4": "続柄4", "住所_郵便番号": "郵便番号", "転入前住所_郵便番号": "前住所郵便番号",
    "転出先住所（確定）_郵便番号": "転出先郵便番号", "異動年月日": "異動日", "異動事由": "異動事由コード",
}
VENDOR_COLUMNS = ["内部管理番号", "更新日時", "更新者ID", "端末番号", "予備1", "予備2", "予備3"]
FULL_WIDTH = ("住所_郵便番号", "転入前住所_郵便番号", "転出先住所（確定）_郵便番号")
UNPADDED = ("続柄コード1", "続柄コード2", "続柄コード3", "続柄コード4")
# (record number, item, value): planted in both files, each breaks one value check.
DEFECTS = ((3, "性別", "9"), (5, "住所_郵便番号", "99900"), (8, "生年月日", "1990-13-01"))
_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")

MAPPING = """\
# The old system's resident export read as 住民 (a reference run: 対応付けあり（参考結果）).
operation: juki
files:
  住民記録.csv:
    table: 住民
    columns:
{columns}"""


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def layout_files() -> dict[str, bytes]:
    """The folder's files by relative path."""
    with VALID.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        records = [dict(zip(header, row, strict=True)) for row in reader]
    for number, item, value in DEFECTS:
        records[number - 1][item] = value
    assert len(header) + len(VENDOR_COLUMNS) == 122 and len(header) - len(RENAMED) == 97
    renamed_header = header + VENDOR_COLUMNS
    layout_header = [RENAMED.get(name, name) for name in header] + VENDOR_COLUMNS
    renamed_rows, layout_rows = [], []
    for index, record in enumerate(records, start=1):
        vendor = [f"V{index:06d}", "2026-03-31 23:59:59", "migrate", "T01", "", "", ""]
        renamed_rows.append([record[name] for name in header] + vendor)
        old = dict(record)
        for name in FULL_WIDTH:
            old[name] = old[name].translate(_DIGITS)
        for name in UNPADDED:
            old[name] = old[name].lstrip("0") if old[name] else ""
        layout_rows.append([old[name] for name in header] + vendor)
    lines = []
    for ours, theirs in RENAMED.items():
        steps = ["fullwidth-digits"] if ours in FULL_WIDTH else ["{zero-pad: 2}"] if ours in UNPADDED else []
        lines.append(f"      {theirs}: {{item: {ours}, transforms: [{', '.join(steps)}]}}" if steps else f"      {theirs}: {ours}")
    return {
        "layout/住民記録.csv": _csv(layout_header, layout_rows),
        "renamed/住民.csv": _csv(renamed_header, renamed_rows),
        "mapping.yaml": MAPPING.format(columns="\n".join(lines) + "\n").encode("utf-8"),
    }


def build_layout(folder: Path = LAYOUT) -> None:
    """Write the folder's files."""
    for name, data in layout_files().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


if __name__ == "__main__":
    build_layout()
