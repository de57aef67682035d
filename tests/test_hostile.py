"""The hostile-input corpus (fixtures/hostile/): each case meets its expected outcome exactly, run once in a
process bounded in time and address space that is also an in-process call (tests/forked_cli.py: `main` is
handed its streams and keeps a copy), with no traceback, no hang and no `pass` for what could not be read.
The large inputs are built at test time by tests/hostile_inputs.py."""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance.results.codes import CATALOGUE
from tests import hostile_inputs
from tests.conftest import FIXTURES, ROOT, cli, load_yaml
from tests.forked_cli import Zygote

HOSTILE = FIXTURES / "hostile"
CASES = sorted(path.parent.name for path in HOSTILE.glob("*/expected.yaml"))
# A hang guard, not a speed target: the slowest case takes a few seconds on a loaded 2-core machine.
DEFAULT_SECONDS = 60
ADDRESS_SPACE = 2 * 1024**3

GENERATOR = hostile_inputs


def _expected(case: str) -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(HOSTILE / case / "expected.yaml")
    return data


@pytest.fixture(scope="module")
def large_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each large case's target, built once per module (never committed)."""
    folder = tmp_path_factory.mktemp("hostile-large")
    return {case: GENERATOR.build(case, folder / case) for case in CASES if _expected(case).get("large")}


def _target(case: str, large_inputs: dict[str, Path]) -> Path:
    return large_inputs[case] if case in large_inputs else HOSTILE / case / _expected(case)["target"]


def _arguments(case: str, target: Path, output: Path) -> list[str]:
    # `{target}` in args stands for the case's input (a declaration given with --declaration).
    return ["run", "--spec", "juki", "--format", "json", "--output", str(output), "--quiet",
            *(str(arg).format(target=target) for arg in _expected(case).get("args", [])), str(target)]


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
    return schema


def _check(case: str, code: int, stderr: str, output: Path) -> None:
    """The case's expected outcome, exactly."""
    expected = _expected(case)
    assert "Traceback" not in stderr and "内部エラー" not in stderr, stderr
    assert code == expected["exit"], stderr
    if code == 2:
        assert expected["stderr"] in stderr
        assert not (output / "conformance.json").exists()
        return
    assert stderr == ""
    data = json.loads((output / "conformance.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, _schema())
    requirements = data["requirements"]
    verdicts = {r["id"]: r["verdict"] for r in requirements}
    assert sorted(i for i, v in verdicts.items() if v == "fail") == sorted(expected["fail"])
    assert not [i for i, v in verdicts.items() if v == "error"]
    for requirement in requirements:
        if requirement["id"] in expected.get("codes", {}):
            assert sorted({f["code"] for f in requirement["findings"]}) == sorted(expected["codes"][requirement["id"]])
    passing = sorted(i for i, v in verdicts.items() if v == "pass")
    if "pass" in expected:
        assert passing == sorted(expected["pass"])  # nothing that could not be read passes
    else:
        assert len(passing) == expected["pass_count"]
    findings = [f for r in requirements for f in r["findings"]]
    assert {f["code"] for f in findings} - CATALOGUE.keys() == set()  # docs/FINDING-CODES.md
    for requirement_id, line, record in expected.get("locations", []):
        assert [line, record] in [[f["location"].get("line"), f["location"].get("record")]
                                  for f in findings if f["requirement"] == requirement_id]
    if "records" in expected:
        [file] = [f for f in data["target"]["files"] if f.get("table")]
        assert (file.get("records", 0), file["rejected"]) == (expected["records"]["read"], expected["records"]["rejected"])
    for message in expected.get("messages", []):  # as a person reads it: invisible characters named
        assert message in [f["message"] for f in findings]
    for value in expected.get("values", []):
        assert value in [f.get("value") for f in findings]
    if "ignored" in expected:
        assert [entry["path"] for entry in data["target"]["ignored"]] == expected["ignored"]


def test_every_case_has_a_builder_and_every_builder_a_case() -> None:
    assert sorted(GENERATOR.BUILDERS) == CASES
    assert len(CASES) == 44


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    """The CLI imported and the juki spec loaded once; each case's process is forked from it (tests/forked_cli.py)."""
    scratch = tmp_path_factory.mktemp("hostile-processes")
    forks = Zygote(ROOT, {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": str(scratch)}, scratch, warm=["juki"])
    yield forks
    forks.close()


# One xdist group: under --dist loadgroup the cases run on one worker, which builds the large inputs (a
# 100 MB field, a million columns, a 2 GiB sparse file) and starts the zygote once; spread over the workers
# one by one, the module's fixtures were torn down and built again whenever a worker changed modules.
@pytest.mark.xdist_group("hostile")
@pytest.mark.parametrize("case", CASES)
def test_case_in_a_bounded_subprocess(case: str, large_inputs: dict[str, Path], zygote: Zygote, tmp_path: Path) -> None:
    """A real process: a traceback would reach stderr, a hang the timeout, a runaway allocation the limit.
    It is the in-process call too: what `main` wrote to the streams it was handed is all that reached the
    process's stdout and stderr, and it meets the case's expectation (one run asserts both, once)."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    bound = _expected(case).get("bound", {}).get("seconds", DEFAULT_SECONDS)
    started = time.monotonic()
    completed = zygote.run(_arguments(case, _target(case, large_inputs), tmp_path / "out"), limit=ADDRESS_SPACE,
                           env={"PATH": "/usr/bin:/bin", "TMPDIR": str(temporary), "LANG": "C.UTF-8"}, cwd=ROOT,
                           timeout=bound)
    assert time.monotonic() - started < bound
    _check(case, completed.returncode, completed.stderr, tmp_path / "out")
    assert (completed.handed_stdout, completed.handed_stderr) == (completed.stdout, completed.stderr)
    assert list(temporary.iterdir()) == []  # the run's private folder is gone


@pytest.mark.parametrize("case", [case for case in CASES if not _expected(case).get("large")])
def test_the_committed_input_is_what_the_generator_writes(case: str, tmp_path: Path) -> None:
    target = GENERATOR.build(case, tmp_path)
    assert target.read_bytes() == (HOSTILE / case / target.name).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


# --- The limits as options ---------------------------------------------------------------------------


def test_the_limits_are_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = HOSTILE / "zip-bomb-total" / "export.zip"
    members = cli("run", "--spec", "juki", "--zip-max-members", "3", bundle)
    assert members.code == 2 and "ZIPのファイル数が上限を超えます（9 > 3）" in members.err
    ratio = cli("run", "--spec", "juki", "--zip-max-ratio", "2000", "--quiet", HOSTILE / "zip-bomb-ratio" / "export.zip")
    assert ratio.code == 0 and ratio.err == ""  # allowed now: extracted; bomb.csv is no table, 住民.csv conforms
    size = cli("run", "--spec", "juki", "--max-file-size", "1K", "--format", "json", "--output", tmp_path, "--quiet",
               HOSTILE / "json-duplicate-keys" / "住民.json")
    assert size.code == 1
    data = json.loads((tmp_path / "conformance.json").read_text(encoding="utf-8"))
    # A single 住民 file is no complete juki export: 世帯 and 異動履歴 are missing as well.
    assert sorted(f["code"] for r in data["requirements"] for f in r["findings"]) == [
        "file-too-large", "missing-file", "missing-file"]
    for option, value in (("--zip-max-total", "lots"), ("--zip-max-ratio", "0"), ("--max-file-size", "-1")):
        usage = cli("run", option, value, bundle)
        message = capsys.readouterr().err  # argparse writes usage errors to sys.stderr itself
        assert usage.code == 2 and option in message and "Traceback" not in message


def test_a_zip_whose_sizes_lie_is_refused(tmp_path: Path) -> None:
    """The declared size is 100 bytes, the member really holds 2 MiB: extraction stops, the run says why."""
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("住民.csv", (FIXTURES / "juki" / "valid" / "住民.csv").read_bytes() * 128)
    data = bytearray(archive.read_bytes())
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    data[local + 22 : local + 26] = data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    result = cli("run", "--spec", "juki", archive)
    assert result.code == 2
    assert "ZIPファイルとして読めません" in result.err and "Traceback" not in result.err
