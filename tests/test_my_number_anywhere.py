"""A 個人番号 is never shown, whatever column, file name or message it is in (issue 17 §5, issue 23 §3).

Valid numbers (generated with the check-digit arithmetic) are planted in every item of every record of
the juki export, in ASCII and full-width digits, in a shifted column, in file and folder names, in the
declaration and inside an XLSX entity that the reader's library quotes; every report format, with and
without --show-values, and the CLI's streams are searched for them.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.pipeline import RunOptions, load_declaration, run
from conformance.report import REPORT_FORMATS
from conformance.results import RunResult
from conformance.results.check_digits import mod11_weights_2_to_7
from conformance.results.masking import MY_NUMBER_MASK, mask_my_numbers, shown_value
from tests.conftest import FIXTURES, cli

VALID = FIXTURES / "juki" / "valid"
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


def my_number(serial: int) -> str:
    """The `serial`-th valid 個人番号 of the test (11 digits, then their check digit)."""
    base = f"{31_000_000_000 + serial:011d}"
    return base + str(mod11_weights_2_to_7(base))


def leaks(text: str, planted: set[str]) -> set[str]:
    """The planted numbers found in `text`, in ASCII or full-width digits, alone or inside a longer run."""
    runs = re.findall("[0-9]{12,}", text.translate(_TO_ASCII))
    return planted & {run[start : start + 12] for run in runs for start in range(len(run) - 11)}


def _text(output: str | bytes) -> str:
    if isinstance(output, str):
        return output
    with zipfile.ZipFile(io.BytesIO(output)) as bundle:  # xlsx: every XML part, shared strings included
        return "\n".join(bundle.read(name).decode("utf-8", "replace") for name in bundle.namelist())


def _every_format(result: RunResult) -> dict[str, str]:
    return {name: _text(report_format.render(result)) for name, report_format in REPORT_FORMATS.items()}


def _written(folder: Path) -> str:
    return "\n".join(_text(path.read_bytes() if path.suffix == ".xlsx" else path.read_text(encoding="utf-8"))
                     for path in sorted(folder.iterdir()))


def _rewrite(folder: Path, table: str, change: Callable[[int, list[str], list[list[str]]], None]) -> None:
    path = folder / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    change(len(rows), header, rows)
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\r\n").writerows([header, *rows])


# --- the mask itself -------------------------------------------------------------------------------------

def test_the_check_digit_arithmetic_matches_the_format() -> None:
    from conformance.checks.formats import is_my_number

    assert all(is_my_number(my_number(serial)) for serial in range(200))
    assert is_my_number("314159265352") and not is_my_number("314159265353")


@pytest.mark.parametrize(("text", "masked"), [
    ("314159265352", MY_NUMBER_MASK),
    ("314159265353", "314159265353"),  # wrong check digit: a harmless number stays
    ("値: ３１４１５９２６５３５２ です", f"値: {MY_NUMBER_MASK} です"),
    ("31415926535２", MY_NUMBER_MASK),  # mixed widths
    ("000314159265352", f"000{MY_NUMBER_MASK}"),  # zero-padded to a wider column: the window is found
    ("31415926535201", f"{MY_NUMBER_MASK}01"),  # with a suffix
    ("3141 5926 5352 と 3141-5926-5352", f"{MY_NUMBER_MASK} と {MY_NUMBER_MASK}"),
    ("3141 5926 5353", "3141 5926 5353"),
    ("unrecognized entity `&314159265352;`", f"unrecognized entity `&{MY_NUMBER_MASK};`"),
    ("12345678901", "12345678901"),  # 11 digits: not a 個人番号
])
def test_mask_my_numbers(text: str, masked: str) -> None:
    assert mask_my_numbers(text) == masked
    assert mask_my_numbers(masked) == masked  # idempotent: masked twice (model and JSON) reads the same


def test_a_masked_value_neither_looks_longer_nor_equal_to_another() -> None:
    kono, kota = shown_value("甲野", "mask", False), shown_value("甲田", "mask", False)
    assert kono and kota and kono != kota
    assert re.fullmatch("甲…#[0-9a-f]{4,}", kono) and re.fullmatch("甲…#[0-9a-f]{4,}", kota)
    assert shown_value("甲野", "mask", False) == kono  # the same value, the same tag within a run
    assert shown_value("甲野太郎", "mask", False) != kono  # the hidden length is not counted, but differs
    assert shown_value("314159265352", "mask", True) == MY_NUMBER_MASK
    assert shown_value("314159265352", None, True) == MY_NUMBER_MASK
    assert shown_value("314159265352", "never", True) is None


# --- every item of an export ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def planted_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """The juki export with a valid 個人番号 in every item of every record of every table (one number per
    cell, ASCII and full-width alternating)."""
    folder = tmp_path_factory.mktemp("planted")
    planted: set[str] = set()
    for path in VALID.glob("*.csv"):
        shutil.copy(path, folder / path.name)

    def plant(count: int, header: list[str], rows: list[list[str]]) -> None:
        for record, row in enumerate(rows):
            for index in range(len(header)):
                number = my_number(len(planted))
                planted.add(number)
                row[index] = number if (record + index) % 2 == 0 else number.translate(_FULL_WIDTH)

    for table in ("住民", "世帯", "異動履歴"):
        _rewrite(folder, table, plant)
    return folder, planted


@pytest.mark.parametrize("show_values", [False, True], ids=["masked", "show-values"])
def test_numbers_in_every_item_reach_no_format(planted_export: tuple[Path, set[str]], show_values: bool) -> None:
    folder, planted = planted_export
    result = run(folder, ["juki"], RunOptions(show_values=show_values))
    outputs = _every_format(result)
    assert {name: leaks(text, planted) for name, text in outputs.items()} == {name: set() for name in REPORT_FORMATS}
    if show_values:  # the numbers did reach the reports: as the mask
        assert all(MY_NUMBER_MASK in outputs[name] for name in ("console", "json", "html", "markdown", "sarif"))


def test_a_shifted_column_number_reaches_no_output_file(tmp_path: Path) -> None:
    """Done-when of issue 17 §5: a valid 個人番号 in 性別表記; the target folder and an extra file are
    named with one too, and every format is written by the CLI, with and without --show-values."""
    planted = {my_number(serial) for serial in range(1000, 1003)}
    shifted, in_folder_name, in_file_name = sorted(planted)
    export = tmp_path / f"export-{in_folder_name}"
    shutil.copytree(VALID, export)
    (export / f"{in_file_name}.csv").write_text("a\n1\n", encoding="utf-8")

    def shift(count: int, header: list[str], rows: list[list[str]]) -> None:
        for row in rows:
            row[header.index("性別表記")] = shifted

    _rewrite(export, "住民", shift)
    formats = [argument for name in REPORT_FORMATS for argument in ("--format", name)]
    for show_values in ([], ["--show-values"]):
        output = tmp_path / f"reports{len(show_values)}"
        streams = cli("run", *formats, *show_values, "--output", output, export)
        assert streams.code == 1, streams.err
        assert len(list(output.iterdir())) == len(REPORT_FORMATS) - 1  # console goes to stdout
        assert leaks(_written(output) + streams.out + streams.err, planted) == set()
        assert MY_NUMBER_MASK in streams.out  # the target's name, masked


def test_a_number_in_a_library_error_message_is_masked(tmp_path: Path) -> None:
    """issue 23 §3: an XLSX whose strings hold `&<個人番号>;`; the reader's message quotes the entity."""
    from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]

    number = my_number(2000)
    with (VALID / "住民.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    plain = tmp_path / "plain.xlsx"
    workbook.save(plain)
    target = tmp_path / "export" / "住民.xlsx"
    target.parent.mkdir()
    # openpyxl writes inline strings: move the first 山﨑 into a shared-strings part, spelt as an entity.
    shared = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
              f"<si><t>&{number};</t></si></sst>")
    additions = {
        "[Content_Types].xml": ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>'),
        "xl/_rels/workbook.xml.rels": ('<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                                       'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>'),
    }
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for item in source.infolist():
            data = source.read(item.filename).decode("utf-8")
            if item.filename in additions:
                data = data.replace(data[data.rindex("</"):], additions[item.filename])
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub('t="inlineStr"><is><t>山﨑</t></is>', 't="s"><v>0</v>', data, count=1)
            bundle.writestr(item, data)
        bundle.writestr("xl/sharedStrings.xml", shared)
    for show_values in (False, True):
        result = run(target, ["juki"], RunOptions(show_values=show_values))
        outputs = _every_format(result)
        assert leaks("\n".join(outputs.values()), {number}) == set()
        assert f"&{MY_NUMBER_MASK};" in outputs["json"]  # the message was there, masked
    streams = cli("run", "--spec", "juki", target)
    assert leaks(streams.out + streams.err, {number}) == set()


def test_a_number_in_the_declaration_and_its_path_is_masked(tmp_path: Path) -> None:
    planted = {my_number(serial) for serial in range(3000, 3002)}
    in_name, in_path = sorted(planted)
    text = (FIXTURES / "juki" / "declaration.yaml").read_text(encoding="utf-8")
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text(text.replace("架空住記システム", f"架空住記システム {in_name}"), encoding="utf-8")
    result = run(VALID, ["juki"], RunOptions(declaration=load_declaration(declaration)))
    outputs = _every_format(result)
    assert leaks("\n".join(outputs.values()), planted) == set()
    assert result.to_dict()["declaration"]["system"]["name"] == f"架空住記システム {MY_NUMBER_MASK}"
    missing = cli("run", "--declaration", tmp_path / f"{in_path}.yaml", VALID)
    assert missing.code == 2 and MY_NUMBER_MASK in missing.err
    assert leaks(missing.out + missing.err, planted) == set()


def test_a_table_file_in_a_folder_named_with_a_number_is_listed_once(tmp_path: Path) -> None:
    """The files' paths are masked in the result: matching the tables' files to the files read still works."""
    number = my_number(4000)
    shutil.copytree(VALID, tmp_path / number)
    result = run(tmp_path, ["juki"])
    assert result.summary.verdict == "pass"
    assert sorted((file.path, file.note) for file in result.files) == [
        (f"{MY_NUMBER_MASK}/{table}.csv", None) for table in ("世帯", "住民", "異動履歴")]


def test_masking_never_shows_a_longer_value_nor_two_values_alike() -> None:
    """Issue 17 §4: the masked form does not grow with the value (no mark per character), a one-character
    value is not shown whole, and distinct values never look equal, even past the 4-digit tags' space."""
    forms = {length: shown_value("甲" * length, "mask", False) for length in range(1, 40)}
    assert forms[1] is not None and not forms[1].startswith("甲") and re.fullmatch("…#[0-9a-f]{4,}", forms[1])
    for length, form in forms.items():
        assert form is not None and form.count("甲") == (1 if length > 1 else 0) and form.count("…") == 1
        assert len(form.split("#")[0]) <= length + 1  # the shown part: one character at most, then …
    names = [f"甲{chr(0x4E00 + n)}" for n in range(6000)]  # ~270 collisions expected among 4-digit tags
    masked = [shown_value(name, "mask", False) for name in names]
    assert len(set(masked)) == len(names)
    assert [shown_value(name, "mask", False) for name in names] == masked  # stable within the run
