"""`bench/run.py --variant`: the generated export written another way a real export may be (issue 24, "no cliffs").

  plain              the generated files as they are (no quote anywhere)
  quoted-line-break  住民 with one quoted line break (CRLF, as the file's line ends) in one item of the
                     record in the middle; the other files as they are
  fully-quoted       every field of every file quoted (as spreadsheet tools export)

A variant is derived once from the generated folder and cached beside it (`<folder>-<variant>`), with the
declaration and an expected.json: the same counts for fully-quoted; for quoted-line-break the counts plus
what the line break itself makes the checks find, measured by running the broken record's household
(its 住民 and 世帯 records) with and without it.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

VARIANTS = ("plain", "quoted-line-break", "fully-quoted")
# The item of the middle 住民 record that gets the line break: the first of these with a value.
BROKEN_ITEMS = ("住所_方書", "住所_町字", "氏名")


def prepare(folder: Path, variant: str, root: Path) -> Path:
    """The folder of `variant` derived from the generated `folder` (which is returned for plain)."""
    if variant == "plain":
        return folder
    target = folder.with_name(f"{folder.name}-{variant}")
    if (target / "expected.json").is_file():
        return target
    print(f"deriving the {variant} variant into {target} …", flush=True)
    work = target.with_name(target.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns("*.head*.csv", "expected.json"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    if variant == "fully-quoted":
        for path in sorted((work / "data").rglob("*.csv")):
            _quote_all(path)
    elif variant == "quoted-line-break":
        residents = next((work / "data").rglob("住民.csv"))
        header, before, after = _break_middle(residents)
        expected["line_break"] = {"file": str(residents.relative_to(work)), "item": after[1], "record": after[0],
                                  "caused": _caused(header, before, after[2], residents.with_name("世帯.csv"), folder, root)}
        for requirement, count in expected["line_break"]["caused"].items():
            expected["expected"][requirement] = expected["expected"].get(requirement, 0) + count
        expected["total"] = sum(expected["expected"].values())
    else:
        raise ValueError(f"unknown variant {variant!r}: one of {', '.join(VARIANTS)}")
    expected["variant"] = variant
    (work / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    work.rename(target)
    return target


def _quote_all(path: Path) -> None:
    """Every field quoted, line ends kept (the generated files are plain: no quote inside)."""
    quoted = path.with_suffix(".quoting")
    with path.open(encoding="utf-8", newline="") as reader, quoted.open("w", encoding="utf-8", newline="") as writer:
        csv.writer(writer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(csv.reader(reader))
    quoted.replace(path)


def _break_middle(path: Path) -> tuple[list[str], list[str], tuple[int, str, list[str]]]:
    """Put a quoted CRLF into one item of the middle record of `path`: (header, the record before,
    (its record number, the item, the record after))."""
    with path.open(encoding="utf-8", newline="") as reader:
        lines = sum(1 for _ in reader)
    middle = max(1, (lines - 1) // 2)
    broken = path.with_suffix(".breaking")
    header: list[str] = []
    before: list[str] = []
    changed: tuple[int, str, list[str]] | None = None
    with path.open(encoding="utf-8", newline="") as reader, broken.open("w", encoding="utf-8", newline="") as writer:
        for index, line in enumerate(reader):
            if index == 0:
                header = next(csv.reader([line]))
            elif index == middle:
                before = next(csv.reader([line]))
                item = next(name for name in BROKEN_ITEMS if before[header.index(name)])
                after = list(before)
                value = after[header.index(item)]
                after[header.index(item)] = value[:1] + "\r\n" + value[1:]
                out = io.StringIO()
                csv.writer(out, lineterminator="\r\n").writerow(after)
                line = out.getvalue()
                changed = (middle, item, after)
            writer.write(line)
    assert changed is not None, "the file has no middle record"
    broken.replace(path)
    return header, before, changed


def _household(path: Path, key: str, value: str) -> list[list[str]]:
    """The header and the records of `path` whose `key` is `value`."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = csv.reader(stream)
        header = next(rows)
        position = header.index(key)
        return [header, *(row for row in rows if row[position] == value)]


def _caused(header: list[str], before: list[str], after: list[str], households: Path, folder: Path, root: Path) -> dict[str, int]:
    """Findings per requirement that the line break adds: the broken record's household (its 住民 records
    and its 世帯 record, so that the rules comparing a household's records judge it too) run with and
    without the line break."""
    key = "世帯番号"
    members = [row for row in _household(households.with_name("住民.csv"), key, before[header.index(key)])[1:] if row != after]
    household = _household(households, key, before[header.index(key)])
    counts = []
    with tempfile.TemporaryDirectory(prefix="bench-variant-") as scratch:
        for name, record in (("before", before), ("after", after)):
            data = Path(scratch) / name
            data.mkdir()
            for file, rows in (("住民.csv", [header, record, *members]), ("世帯.csv", household)):
                with (data / file).open("w", encoding="utf-8", newline="") as stream:
                    csv.writer(stream, lineterminator="\r\n").writerows(rows)
            out = Path(scratch) / f"{name}-out"
            subprocess.run([sys.executable, "-m", "conformance.cli", "run", str(data), "--declaration",
                            str(folder / "declaration.yaml"), "--as-of", "2026-04-01", "--format", "json",
                            "--output", str(out), "--quiet"], cwd=root, check=False)
            report: dict[str, Any] = json.loads((out / "conformance.json").read_text(encoding="utf-8"))
            counts.append({r["id"]: r["findings_total"] for r in report["requirements"]})
    return {requirement: counts[1][requirement] - counts[0].get(requirement, 0)
            for requirement in sorted(counts[1]) if counts[1][requirement] != counts[0].get(requirement, 0)}
