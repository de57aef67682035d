"""Hostile inputs, round two (issue 23, I/O part), beyond the corpus cases of fixtures/hostile/: options a
user gets wrong, Ctrl-C during start-up, two runs writing into one output folder, special files met inside
a folder, NFD file names, invisible characters in every text format. Real processes, FIFOs and sockets."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conformance.pipeline.files import NFC_NOTE
from conformance.report import locked_folder
from conformance.results.masking import INVISIBLE, name_invisible, terminal_safe
from tests.conftest import FIXTURES, cli

VALID = FIXTURES / "juki" / "valid"
COMMAND = Path(sys.executable).parent / "conformance"  # the installed entry point (conformance.launch)

# --- Item 8: user mistakes are usage errors ----------------------------------------------------------


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--temp-dir", "/nonexistent/folder", "not a folder"),
    ("--temp-dir", str(VALID / "住民.csv"), "not a folder"),
    ("--memory-limit", "lots", "not a memory size"),
    ("--memory-limit", "-1GB", "not a memory size"),
    ("--zip-max-ratio", "nan", "must be a positive number"),
    ("--zip-max-ratio", "inf", "must be a positive number"),
    ("--zip-max-ratio", "-5", "must be a positive number"),
    ("--zip-max-total", "nan", "must be a positive size"),
    ("--max-file-size", "-1K", "must be a positive size"),
    ("--zip-max-members", "-1", "must be 1 or more"),
    ("--max-findings", "-1", "must be 0 or more"),
    ("--read-timeout", "nan", "must be a finite number"),
])
def test_a_wrong_option_is_a_usage_error(option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli("run", "--spec", "juki", f"{option}={value}", VALID)  # =: argparse takes "-1K" for an option
    err = capsys.readouterr().err  # argparse writes usage errors to sys.stderr itself
    assert result.code == 2
    assert f"argument {option}: " in err and message in err and "Traceback" not in err


def test_a_temp_dir_nobody_can_write_is_a_usage_error(tmp_path: Path) -> None:
    """A read-only folder (for root, who may write anywhere on a writable file system, /proc)."""
    folder = Path("/proc") if os.geteuid() == 0 else tmp_path / "read-only"
    if folder != Path("/proc"):
        folder.mkdir(mode=0o500)
    result = cli("run", "--spec", "juki", "--temp-dir", folder, VALID)
    assert result.code == 2
    assert f"conformance: {folder}: 一時フォルダを作れません（" in result.err and "内部エラー" not in result.err


@pytest.mark.parametrize("delay", [0.15, 0.4])
def test_ctrl_c_while_starting_exits_130_without_a_traceback(delay: float, tmp_path: Path) -> None:
    """Ctrl-C in the first moments (the CLI still importing DuckDB, jsonschema ...): one line, exit 130."""
    process = subprocess.Popen([str(COMMAND), "run", "--spec", "juki", "--quiet", str(VALID)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (130, "conformance: interrupted\n")


def test_ctrl_c_swallowed_by_a_library_still_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupt a library catches (DuckDB turns it into an error that a reader's fallback takes) lets the
    run go on to its end; the command must still say it was interrupted and exit 130, never 0 (seen under
    load: Ctrl-C 0.4 s into `conformance run` ended with exit 0)."""
    from conformance.checks.database import Database

    store = Database._views
    interrupted: list[bool] = []

    def swallowing(self: Database, *arguments: object) -> None:
        if not interrupted:
            interrupted.append(True)
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)  # the handler raises KeyboardInterrupt here
            except KeyboardInterrupt:
                pass  # what a library that recovers from it does
        store(self, *arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(Database, "_views", swallowing)
    result = cli("run", "--spec", "juki", "--quiet", "--output", tmp_path / "out", VALID)
    assert interrupted and (result.code, result.err) == (130, "conformance: interrupted\n")


# --- Item 7: runs into one output folder ---------------------------------------------------------------

FORMATS = ["json", "junit", "html", "markdown", "badge", "sarif", "xlsx"]


def _verdicts(folder: Path) -> dict[str, str]:
    """The verdict each format of the set in `folder` tells."""
    sarif = json.loads((folder / "conformance.sarif").read_text(encoding="utf-8"))
    failures = [suite.get("failures") for suite in ET.parse(folder / "conformance.xml").getroot().iter("testsuite")]
    workbook = openpyxl.load_workbook(folder / "conformance.xlsx", read_only=True)
    cover = [str(c) for row in workbook.worksheets[0].iter_rows(values_only=True, max_row=4) for c in row if c]
    workbook.close()
    return {
        "json": json.loads((folder / "conformance.json").read_text(encoding="utf-8"))["summary"]["verdict"],
        "junit": "fail" if any(count != "0" for count in failures) else "pass",
        "sarif": "fail" if any(r.get("level") == "error" for run in sarif["runs"] for r in run["results"]) else "pass",
        "markdown": "fail" if "（fail）" in (folder / "conformance.md").read_text(encoding="utf-8").splitlines()[0] else "pass",
        "badge": "fail" if "（不適合）" in (folder / "conformance.svg").read_text(encoding="utf-8") else "pass",
        "html": "fail" if "<title>適合確認結果：不適合" in (folder / "conformance.html").read_text(encoding="utf-8") else "pass",
        "xlsx": cover[cover.index("判定") + 1].split("(")[1].rstrip(")"),  # 表紙: 判定 | 適合 (pass)
    }


def _waiting_for_lock(folder: Path) -> int:
    """How many processes wait for `folder`'s flock: Linux lists each waiter in /proc/locks, marked `->`,
    with the locked file as major:minor:inode."""
    status = folder.stat()
    node = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    return sum(1 for line in Path("/proc/locks").read_text(encoding="ascii").splitlines()
               if "->" in line.split() and node in line.split())


def test_two_runs_into_one_output_folder_never_mix_their_sets(tmp_path: Path) -> None:
    """A passing and a failing run write into the same folder at the same time: the test holds the folder's
    lock until both runs wait for it (nothing written meanwhile), then lets them go, so they always meet at
    the lock (20 free-running trials met only when their timing happened to overlap). Twice: into an empty
    folder and over a set. Every set left behind tells one verdict in all seven formats; no temporary file."""
    output = tmp_path / "reports"
    output.mkdir()
    formats = [argument for name in FORMATS for argument in ("--format", name)]
    targets = [VALID, FIXTURES / "hostile" / "json-duplicate-keys" / "住民.json"]
    for _trial in range(2):
        before = sorted(output.iterdir())
        with locked_folder(output):
            processes = [subprocess.Popen([str(COMMAND), "run", "--spec", "juki", "--quiet", *formats, "--output",
                                           str(output), str(target)], cwd=tmp_path, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE) for target in targets]
            deadline = time.monotonic() + 120
            while _waiting_for_lock(output) < len(processes):
                assert [process.poll() for process in processes] == [None, None], "a run wrote without the lock"
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert sorted(output.iterdir()) == before  # nothing written while the lock is held
        codes = [process.wait(timeout=120) for process in processes]
        assert codes == [0, 1]
        verdicts = _verdicts(output)
        assert len(set(verdicts.values())) == 1, verdicts
    assert sorted(p.name for p in output.iterdir()) == sorted(
        f"conformance{ext}" for ext in (".json", ".xml", ".html", ".md", ".svg", ".sarif", ".xlsx"))


# --- Item 5: special files inside a folder -------------------------------------------------------------


def test_a_one_character_member_name_twice_is_refused(tmp_path: Path) -> None:
    """CPython shares one object for equal one-character strings: the duplicate check compares names by
    position, so a ZIP naming `a` twice is refused like any other duplicate."""
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("a", "1")
        with pytest.warns(UserWarning, match="Duplicate name"):
            bundle.writestr("a", "2")
    result = cli("run", "--spec", "juki", "--quiet", archive)
    assert result.code == 2
    assert "ZIPに同じ名前のメンバー「a」が2つあります" in result.err


def test_special_files_in_a_folder_are_listed_not_read(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    for path in VALID.iterdir():
        (export / path.name).write_bytes(path.read_bytes())
    os.mkfifo(export / "予備.csv")
    (export / "zero.csv").symlink_to("/dev/zero")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(export / "sock.csv"))
    try:
        result = cli("run", "--spec", "juki", "--format", "json", "--output", tmp_path / "out", "--quiet", export)
    finally:
        server.close()
    assert result.code == 0, result.err
    ignored = json.loads((tmp_path / "out" / "conformance.json").read_text(encoding="utf-8"))["target"]["ignored"]
    assert ignored == [
        {"path": "sock.csv", "reason": "ソケットです（通常のファイルだけを読みます）"},
        {"path": "zero.csv", "reason": "シンボリックリンクは読みません"},
        {"path": "予備.csv", "reason": "FIFO（名前付きパイプ）です（通常のファイルだけを読みます）"},
    ]


def test_a_device_named_directly_is_listed_not_read(tmp_path: Path) -> None:
    result = cli("run", "--spec", "juki", "--format", "json", "--output", tmp_path, "--quiet", "/dev/null")
    assert result.code == 1
    data = json.loads((tmp_path / "conformance.json").read_text(encoding="utf-8"))
    assert data["target"]["ignored"] == [{"path": "null", "reason": "デバイスファイルです（通常のファイルだけを読みます）"}]


# --- Item 9: NFD names, invisible characters -----------------------------------------------------------

SHOGAI = FIXTURES / "shogaisha-fukushi" / "valid"
DECIDED = "障害福祉サービス決定"  # サ and ビ: NFD writes ビ as ヒ + U+3099


@pytest.mark.parametrize("container", ["zip", "folder"])
def test_a_file_name_in_nfd_matches_its_table_and_says_so(container: str, tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", f"{DECIDED}.csv")
    assert nfd != f"{DECIDED}.csv"
    files = {(nfd if path.stem == DECIDED else path.name): path.read_bytes() for path in SHOGAI.iterdir()}
    if container == "zip":
        target = tmp_path / "export.zip"
        with zipfile.ZipFile(target, "w") as bundle:
            for name, data in files.items():
                bundle.writestr(name, data)
    else:
        target = tmp_path / "export"
        target.mkdir()
        for name, data in files.items():
            (target / name).write_bytes(data)
    result = cli("run", "--spec", "shogaisha-fukushi", "--format", "json", "--output", tmp_path / "out", "--quiet", target)
    assert result.code == 0, result.err
    data = json.loads((tmp_path / "out" / "conformance.json").read_text(encoding="utf-8"))
    [file] = [f for f in data["target"]["files"] if f["path"] == nfd]
    assert (file["table"], file["note"]) == (DECIDED, NFC_NOTE)


def test_the_invisible_characters_are_unicodes_format_characters() -> None:
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    listed = set(re.findall(f"[{INVISIBLE}]", everything))
    categories = {unicodedata.category(c) for c in listed}
    assert {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")} <= listed
    assert categories <= {"Cf", "Zl", "Zp", "Lo", "Cn"}  # Lo: the Hangul fillers; Cn: Cf of newer Unicode
    assert "\ufe0f" not in listed and "\U000e0100" not in listed  # variation selectors (IVS) are characters' parts


def test_terminal_text_escapes_invisible_characters() -> None:
    assert terminal_safe("a\u2028b\u2029c\ufeffd\u200be") == "a\\u2028b\\u2029c\\ufeffd\\u200be"
    assert name_invisible("\ufeff個人番号") == "<U+FEFF>個人番号"


def test_every_text_format_shows_invisible_characters(tmp_path: Path) -> None:
    """The corpus case with a U+FEFF in a header name and at the start of a line: no format prints it raw."""
    target = FIXTURES / "hostile" / "csv-invisible-characters" / "住民.csv"
    formats = [argument for name in FORMATS for argument in ("--format", name)]
    result = cli("run", "--spec", "juki", "--format", "console", *formats, "--output", tmp_path, target)
    assert result.code == 1
    assert "\ufeff" not in result.out and "\\ufeff個人番号" in result.out
    for name in ("conformance.md", "conformance.xml", "conformance.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "\ufeff" not in text, name
        assert "U+FEFF" in text or "\\ufeff" in text, name
    workbook = openpyxl.load_workbook(tmp_path / "conformance.xlsx", read_only=True)
    cells = [str(c) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    workbook.close()
    assert not any("\ufeff" in c for c in cells) and any("<U+FEFF>個人番号" in c for c in cells)
