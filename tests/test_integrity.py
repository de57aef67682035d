"""No data touched: inputs are only read, their SHA-256 is checked again after the run (a change is reported
and the run cannot pass), and every temporary file lives in one private folder that is removed at the
end, also when the run is interrupted with Ctrl-C."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import jsonschema
import pytest

import conformance.pipeline
import conformance.pipeline.load
from conformance.pipeline import run
from conformance.pipeline.discover import TableSource
from conformance.readers import InputLimits, open_target
from conformance.readers.digest import file_sha256
from conformance.report import REPORT_FORMATS
from tests.conftest import FIXTURE_AS_OF, FIXTURES, ROOT, cli, report_text

VALID = FIXTURES / "juki" / "valid"


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("conformance-"))


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR for this test only (tempfile caches its folder, so reset that too)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return folder


def test_a_read_only_export_is_read_and_left_as_it_was(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(VALID, export)
    (export / "住民.csv").chmod(0o444)
    export.chmod(0o555)
    before = _digests(export)
    try:
        result = run(export, ["juki"], conformance.pipeline.RunOptions(as_of=FIXTURE_AS_OF))
        assert result.summary.verdict == "pass"
        assert result.changed == ()
        assert _digests(export) == before  # same files, same bytes: nothing added, nothing written
    finally:
        export.chmod(0o755)


def _modify_after_reading(monkeypatch: pytest.MonkeyPatch, victim: Path) -> None:
    """The hook: once the runner has read and stored the victim's own table (any table, for a ZIP: its
    members were extracted when it was opened), the file changes (an export job still writing). After that
    store, not after `read_table` returns, nor after another table's: a reader streams its records while they
    are stored, and tables read ahead in threads are stored as they are read (世帯 may be stored while 住民
    is still being read), so a change made then could be read as data."""
    original = conformance.pipeline.load.store

    def store_then_modify(table: object, source: TableSource, *arguments: object, **keywords: object) -> object:
        stored = original(table, source, *arguments, **keywords)  # type: ignore[arg-type]
        if source.file.path.resolve() == victim.resolve() or victim.suffix == ".zip":
            with victim.open("ab") as stream:
                stream.write(b"\n")
        return stored

    monkeypatch.setattr(conformance.pipeline.load, "store", store_then_modify)


def test_a_file_modified_during_the_run_is_reported_and_the_run_cannot_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "export"
    shutil.copytree(VALID, export)
    _modify_after_reading(monkeypatch, export / "住民.csv")
    result = run(export, ["juki"], conformance.pipeline.RunOptions(as_of=FIXTURE_AS_OF))
    assert result.changed == ("住民.csv",)
    assert {r.verdict for r in result.requirements} == {"pass", "not-applicable"}  # the data itself conforms
    assert result.summary.verdict == "incomplete" and result.exit_code == 3
    data = result.to_dict()
    assert data["target"]["changed"] == ["住民.csv"]
    schema = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert type(result).from_dict(data).changed == ("住民.csv",)
    for name, report_format in REPORT_FORMATS.items():
        if name in ("json", "badge"):
            continue  # JSON: asserted above; the badge shows the verdict only (incomplete)
        output = report_format.render(result)
        text = report_text(output)
        assert "実行中に変更されました" in text, name


def test_a_zip_modified_during_the_run_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for table in ("住民", "世帯", "異動履歴"):  # a complete juki export: only the tested change may fail it
            bundle.write(VALID / f"{table}.csv", f"{table}.csv")
    _modify_after_reading(monkeypatch, archive)
    result = run(archive, ["juki"], conformance.pipeline.RunOptions(as_of=FIXTURE_AS_OF))
    assert result.changed == ("export.zip",)
    assert result.exit_code == 3


def test_only_a_file_the_run_never_read_is_not_hashed_again(tmp_path: Path) -> None:
    """A JSON file over --max-file-size is refused by its size, unread: its SHA-256 at opening is all a
    result says of it, so it is not hashed a second time (a 2 GiB file took seconds); every other file is."""
    export = tmp_path / "export"
    export.mkdir()
    large = " " * 100  # over the limit below; the small ones under it
    contents = {"住民.json": f"[{large}]\n", "世帯.ndjson": f"{{}}{large}\n", "異動履歴.json": "[]\n", "住民.csv": "a\n"}
    for name, content in contents.items():
        (export / name).write_text(content, encoding="utf-8")
    with open_target(export, InputLimits(max_file_bytes=64)) as target:
        for path in export.iterdir():
            path.write_bytes(path.read_bytes() + b" ")
        assert target.changed_inputs() == ["住民.csv", "異動履歴.json"]


@pytest.mark.parametrize("layout", [
    ((0, b"abc"), (5 << 20, b"x" * 70_000), (9 << 20, b"")),  # data, a hole, data, a hole to the end
    ((3 << 20, b"tail"),),  # a hole, then data
    ((0, b"head"), ((3 << 20) + 17, b"")),  # data, then a hole to an odd size
    (((2 << 20) + 5, b""),),  # nothing but a hole
    ((0, b"plain" * 1_000),),  # no hole: read as it is
])
def test_a_sparse_file_hashes_as_its_bytes_read(layout: tuple[tuple[int, bytes], ...], tmp_path: Path) -> None:
    """Holes are hashed as the zeros they read as, without reading them (readers/digest.py)."""
    path = tmp_path / "住民.json"
    with path.open("wb") as stream:
        for offset, data in layout:
            stream.seek(offset)
            stream.write(data)
            stream.truncate(max(offset + len(data), stream.tell()))
    holes = layout != ((0, b"plain" * 1_000),)
    assert (path.stat().st_blocks * 512 < path.stat().st_size) == holes  # the holes are holes on this file system
    with path.open("rb") as stream:
        digest = file_sha256(stream)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_temporary_file_lives_in_one_private_folder_removed_at_the_end(
    private_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for table in ("住民", "世帯", "異動履歴"):  # a complete juki export: only the tested change may fail it
            bundle.write(VALID / f"{table}.csv", f"{table}.csv")
    seen: list[tuple[list[str], int, list[str]]] = []
    original = conformance.pipeline.load.read_table

    def look(*arguments: object, **keywords: object) -> object:
        folders = _leftovers(private_tmp)
        mode = stat.S_IMODE((private_tmp / folders[0]).stat().st_mode) if folders else -1
        seen.append((folders, mode, sorted(p.name for p in (private_tmp / folders[0]).iterdir()) if folders else []))
        return original(*arguments, **keywords)  # type: ignore[arg-type]

    monkeypatch.setattr(conformance.pipeline.load, "read_table", look)
    result = run(archive, ["juki"], conformance.pipeline.RunOptions(as_of=FIXTURE_AS_OF))
    assert result.summary.verdict == "pass"
    assert len(seen) == 3  # one read per table
    for folders, mode, inside in seen:
        assert len(folders) == 1 and mode == 0o700
        assert inside == ["db", "zip"]  # DuckDB's staging and spill, the extracted archive: nothing elsewhere
    assert len({folders[0] for folders, _mode, _inside in seen}) == 1
    assert list(private_tmp.iterdir()) == []


def test_the_private_folder_is_removed_when_the_run_fails(private_tmp: Path, tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("住民.csv", b"x")
        bundle.writestr("../escape.csv", b"x")
    assert cli("run", archive).code == 2
    assert cli("run", "--spec", "nonexistent", VALID).code == 2
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_removes_the_private_folder(tmp_path: Path, signal_number: int) -> None:
    """SIGINT (Ctrl-C) or SIGTERM (a cancelled CI job) on a real process working on a large ZIP: it exits
    130 with a message and leaves nothing behind."""
    lines = (VALID / "住民.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("住民.csv", "".join([lines[0], *lines[1:] * 3000]))  # 123,000 records
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "run", "--quiet", str(archive)], cwd=ROOT,
        env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        # Interrupt once the run has its folder, the archive extracted and DuckDB's scratch in use.
        while time.monotonic() < deadline and not list(temporary.glob("conformance-*/db")):
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        assert list(temporary.glob("conformance-*/zip/住民.csv"))
        process.send_signal(signal_number)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert list(temporary.iterdir()) == []
