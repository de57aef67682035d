"""The hostile-input corpus (fixtures/hostile/): files built to break a reader, each with its expected outcome.

Every case is a folder `fixtures/hostile/<case>/` with `expected.yaml` (what the run must do: exit code,
failing requirement IDs, finding codes, the exit-2 message fragment; see fixtures/hostile/README.md). The
small inputs are committed beside it, written by this module; the large ones (a 100 MB field, a million
columns, thousands of sheets, a 2 GB sparse JSON ...) are marked `large: true` and only built at test time
into a temporary folder, so the repository never holds them:

    .venv/bin/python -m tests.hostile_inputs            # rewrite the committed inputs
    .venv/bin/python -m tests.hostile_inputs --large DIR  # build the large ones into DIR/<case>/

Every input derives from the conforming juki export (fixtures/juki/valid/住民.csv, all fictional), with
one hostile property each. Only the residents whose records JIS X 0213 can encode are taken (and their
世帯 and 異動履歴 records): the export also shows 行政事務標準文字 beyond it (𠮷, an IVS sequence), which the
Shift_JIS and CP932 cases could not encode, and the corpus stays what it was before they were added. Only the standard library, openpyxl and msoffcrypto-tool (test extras) are used.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import stat
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests import hostile_inputs_io

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "fixtures" / "hostile"
JUKI_EXPORT = ROOT / "fixtures" / "juki" / "valid" / "住民.csv"
COMPANIONS = [ROOT / "fixtures" / "juki" / "valid" / name for name in ("世帯.csv", "異動履歴.csv")]
# Fixed timestamps keep the committed ZIPs and workbooks byte-identical from run to run.
_ZIP_TIME = (2026, 11, 24, 0, 0, 0)


def _encodable_lines(path: Path) -> list[str]:
    """The file's lines (header first, the final empty one kept) without the records of the residents whose
    住民 record JIS X 0213 cannot encode (the export's showcase of 行政事務標準文字 beyond it): a record
    goes when it holds such a resident's 宛名番号 or 世帯番号."""
    residents = JUKI_EXPORT.read_text(encoding="utf-8").split("\n")
    header = residents[0].split(",")
    keys = [header.index("宛名番号"), header.index("世帯番号")]
    outside = set()
    for line in residents[1:]:
        try:
            line.encode("euc_jis_2004")
        except UnicodeEncodeError:
            outside.update(line.split(",")[k] for k in keys)
    lines = path.read_text(encoding="utf-8").split("\n")
    return [lines[0], *(line for line in lines[1:] if not outside.intersection(line.split(",")))]


def _juki_text() -> str:
    return "\n".join(_encodable_lines(JUKI_EXPORT))


def juki_rows() -> tuple[list[str], list[list[str]]]:
    """The conforming export's header and records."""
    with io.StringIO(_juki_text(), newline="") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


def csv_text(header: list[str], rows: list[list[str]], terminator: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=terminator).writerows([header, *rows])
    return buffer.getvalue()


def _zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for member, data in members:
            info = member if isinstance(member, zipfile.ZipInfo) else zipfile.ZipInfo(member, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, data)


def _workbook(path: Path, header: list[object], rows: list[list[object]], merge: str | None = None) -> None:
    import datetime

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "住民"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    moment = datetime.datetime(2026, 11, 24)
    workbook.properties.created = workbook.properties.modified = moment
    buffer = io.BytesIO()
    workbook.save(buffer)
    # openpyxl stamps each ZIP entry with the current time: rewrite them so the file is reproducible.
    with zipfile.ZipFile(buffer) as saved:
        members = [(zipfile.ZipInfo(info.filename, _ZIP_TIME), saved.read(info)) for info in saved.infolist()]
    # ... and sets the modified time to now whatever the properties say.
    members = [(info, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-24T00:00:00Z", data)) for info, data in members]
    _zip(path, members)  # type: ignore[arg-type]


# --- CSV -----------------------------------------------------------------------------------------------


def csv_shift_jis(folder: Path) -> None:
    header, rows = juki_rows()
    # Shift_JIS proper has no 﨑 (a CP932 extension): keep the records it can encode.
    text = csv_text(header, [row for row in rows if _encodable(",".join(row), "shift_jis")])
    (folder / "住民.csv").write_bytes(text.encode("shift_jis"))


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def csv_cp932(folder: Path) -> None:
    header, rows = juki_rows()
    (folder / "住民.csv").write_bytes(csv_text(header, [r for r in rows if _encodable(",".join(r), "cp932")]).encode("cp932"))


def csv_utf16_bom(folder: Path) -> None:
    header, rows = juki_rows()
    (folder / "住民.csv").write_bytes(csv_text(header, rows).encode("utf-16"))  # native order, with BOM


def csv_utf16_no_bom(folder: Path) -> None:
    header, rows = juki_rows()
    (folder / "住民.csv").write_bytes(csv_text(header, rows).encode("utf-16-le"))


def csv_mixed_line_endings(folder: Path) -> None:
    header, rows = juki_rows()
    rows = [list(row) for row in rows]
    rows[9][header.index("性別")] = "9"  # record 10, line 11: the one real defect, to prove lines still count right
    lines = csv_text(header, rows).split("\n")[:-1]
    endings = ("\r\n", "\n", "\r")
    (folder / "住民.csv").write_bytes("".join(line + endings[i % 3] for i, line in enumerate(lines)).encode("utf-8"))


def csv_nul_bytes(folder: Path) -> None:
    header, rows = juki_rows()
    rows = [list(row) for row in rows]
    rows[4][header.index("氏名")] += "\x00"
    (folder / "住民.csv").write_bytes(csv_text(header, rows).encode("utf-8"))


def csv_unbalanced_quote(folder: Path) -> None:
    header, rows = juki_rows()
    lines = csv_text(header, rows).split("\n")
    # Record 3 (line 4) opens a quote it never closes: the csv grammar would run it to the end of the file.
    lines[3] = lines[3].replace(",", ',"', 1)
    (folder / "住民.csv").write_bytes("\n".join(lines).encode("utf-8"))


def csv_100mb_field(folder: Path) -> None:
    header, rows = juki_rows()
    with (folder / "住民.csv").open("w", encoding="utf-8", newline="") as stream:
        stream.write(csv_text(header, rows))
        giant = list(rows[0])
        stream.write(",".join(giant[:7]) + ",")
        chunk = "山" * (1 << 20)  # 3 MB of UTF-8 per write
        for _ in range(34):
            stream.write(chunk)
        stream.write("," + ",".join(giant[8:]) + "\n")


def csv_million_columns(folder: Path) -> None:
    with (folder / "住民.csv").open("w", encoding="utf-8", newline="") as stream:
        stream.write(",".join(f"列{number}" for number in range(1, 1_000_001)) + "\n")


def csv_duplicate_headers(folder: Path) -> None:
    header, rows = juki_rows()
    name = header.index("氏名")
    text = csv_text([*header, "氏名"], [[*row, row[name]] for row in rows])
    (folder / "住民.csv").write_bytes(text.encode("utf-8"))


def csv_empty(folder: Path) -> None:
    (folder / "住民.csv").write_bytes(b"")


def csv_header_only(folder: Path) -> None:
    header, _rows = juki_rows()
    (folder / "住民.csv").write_bytes(csv_text(header, []).encode("utf-8"))


# --- XLSX ----------------------------------------------------------------------------------------------


def xlsx_truncated(folder: Path) -> None:
    header, rows = juki_rows()
    _workbook(folder / "full.xlsx", list(header), [list(row) for row in rows])
    data = (folder / "full.xlsx").read_bytes()
    (folder / "full.xlsx").unlink()
    (folder / "住民.xlsx").write_bytes(data[: len(data) // 2])


def xlsx_password(folder: Path) -> None:
    import msoffcrypto.format.ooxml

    header, rows = juki_rows()
    plain = folder / "plain.xlsx"
    _workbook(plain, list(header), [list(row) for row in rows])
    with plain.open("rb") as source, (folder / "住民.xlsx").open("wb") as sink:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("hostile", sink)
    plain.unlink()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_XML = (f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>氏名</t></is></c></row>'
              "</sheetData></worksheet>")


def _raw_workbook(path: Path, sheets: list[tuple[str, bytes]]) -> None:
    """A minimal SpreadsheetML package written by hand (openpyxl takes minutes for thousands of sheets)."""
    numbered = list(enumerate(sheets, start=1))
    names = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, (name, _) in numbered)
    relations = "".join(f'<Relationship Id="rId{n}" Type="{_RELATIONSHIP}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                        for n, _ in numbered)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for n, _ in numbered)
    members: list[tuple[zipfile.ZipInfo | str, bytes]] = [
        ("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>").encode()),
        ("_rels/.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIP}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode()),
        ("xl/workbook.xml", f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIP}"><sheets>{names}</sheets></workbook>'.encode()),
        ("xl/_rels/workbook.xml.rels",
         f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relations}</Relationships>'.encode()),
    ]
    members += [(f"xl/worksheets/sheet{n}.xml", xml) for n, (_, xml) in numbered]
    _zip(path, members)


def xlsx_thousands_of_sheets(folder: Path) -> None:
    _raw_workbook(folder / "住民.xlsx", [(f"S{n}", _SHEET_XML.encode()) for n in range(1, 5_001)])


def xlsx_bomb(folder: Path) -> None:
    """A sheet of 64 MiB that deflates to ~64 KB: calamine would expand it all into memory."""
    padding = " " * (64 << 20)
    _raw_workbook(folder / "住民.xlsx", [("住民", _SHEET_XML.replace("<sheetData>", "<sheetData>" + padding).encode())])


def xlsx_merged_header(folder: Path) -> None:
    header, rows = juki_rows()
    # 氏名 and 氏名_フリガナ are the 8th and 12th columns: merge H1:I1 (氏名 over 氏_日本人).
    _workbook(folder / "住民.xlsx", list(header), [list(row) for row in rows], merge="H1:I1")


def xlsx_formulas(folder: Path) -> None:
    header, rows = juki_rows()
    cells: list[list[object]] = [list(row) for row in rows]
    cells[0][header.index("氏名")] = '="山﨑"&"　"&"正雄"'  # no cached value: it would read as empty
    _workbook(folder / "住民.xlsx", list(header), cells)


def xlsx_serial_dates(folder: Path) -> None:
    header, rows = juki_rows()
    cells: list[list[object]] = [list(row) for row in rows]
    birth = header.index("生年月日")
    for row in cells[:3]:
        row[birth] = 11819  # 1932-05-10 as an Excel serial number in a General cell
    _workbook(folder / "住民.xlsx", list(header), cells)


# --- ZIP -----------------------------------------------------------------------------------------------


def _export() -> bytes:
    return _juki_text().encode("utf-8")


def _companions() -> list[tuple[zipfile.ZipInfo | str, bytes]]:
    """The conforming 世帯 and 異動履歴 tables: with them an archive is a complete juki export, so a case fails
    only what its hostile member breaks, not the file-presence requirement."""
    return [(path.name, "\n".join(_encodable_lines(path)).encode("utf-8")) for path in COMPANIONS]


def zip_traversal(folder: Path) -> None:
    _zip(folder / "export.zip", [("住民.csv", _export()), *_companions(), ("../../outside.csv", b"a,b\n1,2\n")])


def zip_absolute_path(folder: Path) -> None:
    _zip(folder / "export.zip", [("住民.csv", _export()), *_companions(), ("/tmp/conformance-hostile-absolute.csv", b"a,b\n1,2\n")])


def zip_symlink(folder: Path) -> None:
    link = zipfile.ZipInfo("住民.csv", _ZIP_TIME)
    link.create_system = 3  # Unix, so the mode bits in external_attr are honoured by unzip
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    _zip(folder / "export.zip", [(link, b"/etc/passwd"), *_companions()])


def zip_nested(folder: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(zipfile.ZipInfo("住民.csv", _ZIP_TIME), _export())
    _zip(folder / "export.zip", [("inner.zip", inner.getvalue())])


def zip_bomb_ratio(folder: Path) -> None:
    # 64 MiB of one character deflates to ~64 KB: a ratio near 1,000 (the default limit is 200).
    _zip(folder / "export.zip", [("住民.csv", _export()), *_companions(), ("bomb.csv", b"0" * (64 << 20))])


def zip_bomb_total(folder: Path) -> None:
    # Within the ratio limit but beyond a total the run is given (--zip-max-total 64K in expected.yaml).
    _zip(folder / "export.zip", [("住民.csv", _export()), *((f"copy{n}/住民.csv", _export()) for n in range(8))])


# --- JSON ----------------------------------------------------------------------------------------------


def _records() -> list[dict[str, str]]:
    header, rows = juki_rows()
    return [{name: value for name, value in zip(header, row, strict=True) if value} for row in rows]


def json_deep_nesting(folder: Path) -> None:
    depth = 10_000
    (folder / "住民.json").write_text('[{"氏名": ' + "[" * depth + "]" * depth + "}]\n", encoding="utf-8")


def json_giant_string(folder: Path) -> None:
    """A string that opens and never closes: 64 MB in, the file ends."""
    with (folder / "住民.json").open("w", encoding="utf-8") as stream:
        stream.write('[{"氏名": "')
        chunk = "あ" * (1 << 20)
        for _ in range(22):
            stream.write(chunk)


def json_2gb_claim(folder: Path) -> None:
    """JSON has no length field, so a "2 GB string length claim" is the file's own size: a sparse
    file of 2 GiB whose first bytes open a string value (the rest reads as NUL bytes, taking no disk)."""
    path = folder / "住民.json"
    with path.open("wb") as stream:
        stream.write('[{"氏名": "'.encode())
        stream.truncate(2 * 1024**3 + 1)


def json_duplicate_keys(folder: Path) -> None:
    records = _records()
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    # The last record names 氏名 twice, with different values: which one is meant cannot be known.
    lines[-1] = lines[-1][:-1] + ', "氏名": "別の　名前"}'
    (folder / "住民.json").write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


BUILDERS: dict[str, Callable[[Path], None]] = {
    function.__name__.replace("_", "-"): function
    for function in (
        csv_shift_jis, csv_cp932, csv_utf16_bom, csv_utf16_no_bom, csv_mixed_line_endings, csv_nul_bytes,
        csv_unbalanced_quote, csv_100mb_field, csv_million_columns, csv_duplicate_headers, csv_empty,
        csv_header_only,
        xlsx_truncated, xlsx_password, xlsx_thousands_of_sheets, xlsx_bomb, xlsx_merged_header, xlsx_formulas,
        xlsx_serial_dates,
        zip_traversal, zip_absolute_path, zip_symlink, zip_nested, zip_bomb_ratio, zip_bomb_total,
        json_deep_nesting, json_giant_string, json_2gb_claim, json_duplicate_keys,
    )
}
"""Case name (the folder under fixtures/hostile/) -> the function that writes its input into a folder."""
BUILDERS.update(__import__("tests.hostile_inputs_xlsx", fromlist=["BUILDERS"]).BUILDERS)  # issue 23: workbooks
BUILDERS.update(hostile_inputs_io.IO_BUILDERS)  # round two (issue 23): declarations, ZIP names, special files


def expected(case: str) -> dict[str, object]:
    import yaml

    data: dict[str, object] = yaml.safe_load((HOSTILE / case / "expected.yaml").read_text(encoding="utf-8"))
    return data


def build(case: str, folder: Path) -> Path:
    """Write the case's input into `folder` and return the target path to run on."""
    folder.mkdir(parents=True, exist_ok=True)
    BUILDERS[case](folder)
    return folder / str(expected(case)["target"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", type=Path, metavar="DIR", help="build the large cases into DIR/<case>/ instead")
    arguments = parser.parse_args(argv)
    missing = [case for case in BUILDERS if not (HOSTILE / case / "expected.yaml").exists()]
    if missing:
        print(f"cases without expected.yaml: {', '.join(missing)}", file=sys.stderr)
        return 1
    for case in BUILDERS:
        large = bool(expected(case).get("large"))
        if arguments.large is not None and large:
            build(case, arguments.large / case)
        elif arguments.large is None and not large:
            folder = HOSTILE / case
            for old in folder.iterdir():
                if old.name not in ("expected.yaml",):
                    old.unlink()
            build(case, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
