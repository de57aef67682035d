"""XLSX against CSV: the same generated export read from workbooks and from CSV (not part of the test suite).

    python bench/xlsx_vs_csv.py --residents 100000 [--repeat 2] [--cache DIR]

Generates one municipality (juki: 住民, 世帯, 異動履歴; cached under bench/.cache/), writes each table's CSV
once more as a one-sheet workbook of text cells (SpreadsheetML written directly, inline strings, empty
values omitted: what an export tool streaming a sheet writes), then times `conformance run --spec juki`
on the CSV folder and on the XLSX folder in child processes, alternately in each round (wall time, peak
RSS by os.wait4; the best and the median of the rounds, and the load average, since a shared machine
slows either run). The target
of issue 23: the workbooks within 3× of the CSV. Results: a table on stdout, JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
TABLES = ("住民", "世帯", "異動履歴")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
sys.path.insert(0, str(ROOT))

from conformance.readers.sheetscan import column_letters  # noqa: E402  (after the path set-up above)


def write_package(bundle: zipfile.ZipFile, sheet: str, styles: str | None = None) -> None:
    """Every member of a one-sheet workbook but the sheet (xl/worksheets/sheet1.xml): content types,
    relationships, the workbook naming `sheet`, and xl/styles.xml when `styles` is given."""
    bundle.writestr("[Content_Types].xml", (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
    bundle.writestr("_rels/.rels", (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
    bundle.writestr("xl/workbook.xml", (f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                                        f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
    styled = f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>' if styles is not None else ""
    bundle.writestr("xl/_rels/workbook.xml.rels", (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>{styled}</Relationships>'))
    if styles is not None:
        bundle.writestr("xl/styles.xml", styles)


def write_workbook(source: Path, target: Path, sheet: str) -> None:
    """One sheet holding the CSV's rows as inline text cells, streamed row by row."""
    with source.open(encoding="utf-8", newline="") as stream, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        write_package(bundle, sheet)
        with bundle.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet_xml:
            sheet_xml.write(f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            letters: list[str] = []
            for number, row in enumerate(csv.reader(stream), start=1):
                while len(letters) < len(row):
                    letters.append(column_letters(len(letters)))
                cells = "".join(f'<c r="{letters[i]}{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
                                for i, value in enumerate(row) if value != "")
                sheet_xml.write(f'<row r="{number}">{cells}</row>'.encode())
            sheet_xml.write(b"</sheetData></worksheet>")


def _measure(command: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _pid, status, usage = os.wait4(process.pid, 0)
    return {"wall_s": round(time.perf_counter() - started, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "exit_status": os.waitstatus_to_exitcode(status)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the generated data is kept (default bench/.cache)")
    arguments = parser.parse_args(argv)
    base = arguments.cache / f"xlsx-vs-csv-{arguments.residents}"
    data, workbooks = base / "data" / "juki", base / "xlsx"
    conformance = str(Path(sys.executable).with_name("conformance"))
    if not (data / "住民.csv").exists():
        subprocess.run([conformance, "generate", "--operations", "juki", "--residents", str(arguments.residents),
                        "--output", str(base)], check=True, stdout=subprocess.DEVNULL)
    workbooks.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        if not (workbooks / f"{table}.xlsx").exists():
            write_workbook(data / f"{table}.csv", workbooks / f"{table}.xlsx", table)
    records = {table: sum(1 for _ in (data / f"{table}.csv").open(encoding="utf-8")) - 1 for table in TABLES}
    rounds: dict[str, list[dict[str, Any]]] = {"csv": [], "xlsx": []}
    for _ in range(arguments.repeat):
        for kind, folder in (("csv", data), ("xlsx", workbooks)):
            rounds[kind].append(_measure([conformance, "run", "--spec", "juki", "--quiet", "--format", "json",
                                          "--output", str(base / f"out-{kind}"), str(folder)]))
    best = {kind: min(measured, key=lambda m: m["wall_s"]) for kind, measured in rounds.items()}
    ratio = round(best["xlsx"]["wall_s"] / best["csv"]["wall_s"], 2)
    median = {kind: round(statistics.median(m["wall_s"] for m in measured), 2) for kind, measured in rounds.items()}
    median_ratio = round(median["xlsx"] / median["csv"], 2)
    load = os.getloadavg()
    reports = {kind: json.loads((base / f"out-{kind}" / "conformance.json").read_text(encoding="utf-8")) for kind in rounds}
    summaries = {kind: report["summary"] for kind, report in reports.items()}
    # Each requirement's verdict and findings (item, line, code, masked value) alike, not only the counts.
    verdicts = {kind: [(r["id"], r["verdict"], r["findings_total"], r["findings"]) for r in report["requirements"]]
                for kind, report in reports.items()}
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {"benchmark": "xlsx-vs-csv", "when": stamp, "repeat": arguments.repeat, "data": base.name,
              "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                          "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()},
              "residents": arguments.residents, "records": records, "rounds": rounds, "ratio_xlsx_over_csv": ratio,
              "median_wall_s": median, "median_ratio_xlsx_over_csv": median_ratio,
              "load_average_at_end": [round(value, 2) for value in load],
              "same_findings": summaries["csv"] == summaries["xlsx"] and verdicts["csv"] == verdicts["xlsx"],
              "summaries": summaries,
              "workbook_bytes": {t: (workbooks / f"{t}.xlsx").stat().st_size for t in TABLES},
              "csv_bytes": {t: (data / f"{t}.csv").stat().st_size for t in TABLES}}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stamp}-xlsx-vs-csv-{arguments.residents}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("| target | best wall s | median wall s | peak RSS MB |\n| --- | ---: | ---: | ---: |")
    for kind in rounds:
        print(f"| {kind} | {best[kind]['wall_s']} | {median[kind]} | {best[kind]['peak_rss_mb']} |")
    print(f"xlsx / csv = {ratio} (best), {median_ratio} (median); same summary: {result['same_findings']}; "
          f"load average at the end {result['load_average_at_end']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
