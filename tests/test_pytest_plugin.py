"""The pytest front-end: one item per requirement, outcomes per verdict, usage errors; the CI examples."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The engine and numpy (imported on the first run) are loaded here, outside pytester's in-process runs:
# pytester drops the modules an inner run imports, and re-importing numpy on every run warns.
import numpy  # noqa: F401
import pytest
import yaml

import conformance.pytest_plugin  # noqa: F401
from conformance import spec as spec_store
from conformance.pipeline import RunOptions, load_declaration, run
from tests.conftest import FIXTURES, ROOT

pytest_plugins = ["pytester"]

VALID = FIXTURES / "juki" / "valid"
INVALID = FIXTURES / "juki" / "invalid"
DECLARATION = FIXTURES / "juki" / "declaration.yaml"
# The pytest processes started below keep their compiled and assertion-rewritten modules here, outside the
# repository, even where PYTHONDONTWRITEBYTECODE is set: otherwise each re-rewrites some 300 modules
# (about 2 s of each 4-5 s). What they run and what is asserted is the same.
PYCACHE = {"PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "conformance-tests-pycache")}
CASES = ["juki-c-0001", "juki-d-0002", "juki-d-0050", "juki-f-0001", "juki-f-0005", "juki-s-0001"]


@dataclass
class PluginRun:
    """One pytester run: pytest's result, and each requirement's outcome and failure text from JUnit."""

    result: pytest.RunResult
    outcomes: dict[str, str]
    failures: dict[str, str]

    def with_outcome(self, outcome: str) -> set[str]:
        """The requirement IDs with that outcome (passed, failed, skipped)."""
        return {requirement for requirement, got in self.outcomes.items() if got == outcome}


RunPlugin = Callable[..., PluginRun]


@pytest.fixture
def run_plugin(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> RunPlugin:
    """Run pytest in-process with the plugin loaded explicitly.

    Autoloading is off so that `-p` cannot clash with the `pytest11` entry point once it is installed
    (pytest refuses a module registered under two names), and the inner run sees no other plugins.
    """
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    ini = pytester.makeini("[pytest]\n")

    def runner(*arguments: str | Path) -> PluginRun:
        junit = pytester.path / "junit.xml"
        junit.unlink(missing_ok=True)
        # An explicit, empty ini: else pytest takes the ini file and rootdir from the ancestors of the
        # target's path (this repository's pyproject.toml), with its addopts and testpaths.
        result = pytester.runpytest("-p", "conformance.pytest_plugin", "-p", "no:cacheprovider", "-c", str(ini),
                                    f"--junitxml={junit}", "-rfEs", *(str(a) for a in arguments))
        outcomes: dict[str, str] = {}
        failures: dict[str, str] = {}
        if junit.exists():
            for case in ET.parse(junit).getroot().iter("testcase"):
                if case.get("classname") != "conformance.juki":
                    continue
                name = case.get("name", "")
                failure = case.find("failure")
                if failure is not None:
                    outcomes[name], failures[name] = "failed", failure.text or ""
                else:
                    outcomes[name] = "skipped" if case.find("skipped") is not None else "passed"
        return PluginRun(result, outcomes, failures)

    return runner


def _requirement_ids() -> list[str]:
    return [requirement.id for requirement in spec_store.load("juki").requirements]


def test_valid_export_passes_but_the_undeclared_option_is_skipped(run_plugin: RunPlugin) -> None:
    got = run_plugin("--conformance-target", VALID)
    assert got.result.ret == pytest.ExitCode.OK, got.result.stdout.str()
    options = {r.id for r in spec_store.load("juki").requirements if r.level == "標準オプション"}
    assert options
    assert sorted(got.outcomes) == sorted(_requirement_ids())
    assert got.with_outcome("skipped") == options
    assert got.with_outcome("passed") == set(_requirement_ids()) - options
    assert got.result.parseoutcomes() == {"passed": len(_requirement_ids()) - len(options), "skipped": len(options)}
    got.result.stdout.fnmatch_lines([f"collected {len(_requirement_ids())} items", "*適合 (pass)*"])


def test_with_the_declaration_every_requirement_passes(run_plugin: RunPlugin) -> None:
    got = run_plugin("--conformance-target", VALID, "--conformance-declaration", DECLARATION,
                     "--conformance-spec", "juki@" + spec_store.load("juki").version)
    assert got.result.ret == pytest.ExitCode.OK, got.result.stdout.str()
    assert got.with_outcome("passed") == set(_requirement_ids())
    assert got.result.parseoutcomes() == {"passed": len(_requirement_ids())}


def test_items_have_stable_node_ids_for_k_and_deselect(run_plugin: RunPlugin) -> None:
    got = run_plugin("--conformance-target", VALID, "-k", "JUKI-D-0002 or JUKI-D-0003",
                     "--deselect", "conformance::juki::JUKI-D-0003", "-v")
    assert got.result.ret == pytest.ExitCode.OK
    assert got.result.parseoutcomes() == {"passed": 1, "deselected": len(_requirement_ids()) - 1}
    got.result.stdout.fnmatch_lines(["*conformance::juki::JUKI-D-0002 PASSED*"])


@pytest.mark.parametrize("case", CASES)
def test_invalid_case_fails_exactly_the_expected_requirements(run_plugin: RunPlugin, case: str) -> None:
    folder = INVALID / case
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    arguments: list[str | Path] = ["--conformance-target", folder, "--conformance-spec", expected["spec"],
                                   "--conformance-allow-not-tested"]
    declaration = folder / expected["declaration"] if "declaration" in expected else None
    if declaration:
        arguments += ["--conformance-declaration", declaration]
    got = run_plugin(*arguments)
    output = got.result.stdout.str()
    assert got.result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert got.with_outcome("failed") == set(expected["fail"])
    assert got.result.parseoutcomes()["failed"] == len(expected["fail"])
    assert "Traceback" not in output + got.result.stderr.str()
    # The failure shows what the engine found, as the CLI would.
    engine = run(folder, [expected["spec"]], RunOptions(declaration=load_declaration(declaration) if declaration else None))
    for requirement_id in expected["fail"]:
        requirement = engine.requirement(requirement_id)
        text = got.failures[requirement_id]
        assert requirement.findings
        for finding in requirement.findings[:10]:
            assert finding.message in text
            assert finding.message in output
        assert f"対処方法: {requirement.fix}" in text
        assert f"({requirement.findings_total}件)" in text
        assert "Traceback" not in text
        got.result.stdout.fnmatch_lines([f"FAILED conformance::juki::{requirement_id}*"])


def test_findings_beyond_the_shown_ones_are_counted(tmp_path: Path, run_plugin: RunPlugin) -> None:
    # Every record's 宛名番号 gets a wrong check digit: more findings than a failure shows.
    lines = (VALID / "住民.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    column = header.index("宛名番号")
    broken = [lines[0]]
    for line in lines[1:]:
        values = line.split(",")
        values[column] = values[column][:-1] + str((int(values[column][-1]) + 1) % 10)
        broken.append(",".join(values))
    (tmp_path / "住民.csv").write_text("\n".join(broken) + "\n", encoding="utf-8")
    # a wrong check digit is judged when the declaration says the numbers carry them (check_digits: all)
    got = run_plugin("--conformance-target", tmp_path, "--conformance-declaration", DECLARATION)
    text = got.failures["JUKI-D-0002"]
    assert f"({len(lines) - 1}件)" in text
    assert f"…ほか{len(lines) - 1 - 10}件" in text
    assert re.search("値: 0…#[0-9a-f]{4,}", text)  # masked, as in every report


def test_not_tested_requirements_fail_unless_allowed(tmp_path: Path, run_plugin: RunPlugin) -> None:
    header = (VALID / "住民.csv").read_text(encoding="utf-8").splitlines()[0]
    (tmp_path / "住民.csv").write_text(header + "\n", encoding="utf-8")
    for table in ("世帯", "異動履歴"):  # the other tables are complete: only 住民 is empty
        (tmp_path / f"{table}.csv").write_bytes((VALID / f"{table}.csv").read_bytes())
    engine = run(tmp_path, ["juki"])
    not_tested = {r.id for r in engine.requirements if r.verdict == "not-tested"}
    not_applicable = {r.id for r in engine.requirements if r.verdict == "not-applicable"}
    assert not_tested and not engine.failed_ids()

    strict = run_plugin("--conformance-target", tmp_path)
    assert strict.result.ret == pytest.ExitCode.TESTS_FAILED
    assert strict.with_outcome("failed") == not_tested
    some = sorted(not_tested)[0]
    reason = engine.requirement(some).reason
    assert reason and reason in strict.failures[some]
    assert "--conformance-allow-not-tested" in strict.failures[some]
    strict.result.stdout.fnmatch_lines(["*判定不能 (incomplete)*"])

    allowed = run_plugin("--conformance-target", tmp_path, "--conformance-allow-not-tested")
    assert allowed.result.ret == pytest.ExitCode.OK
    assert allowed.with_outcome("skipped") == not_tested | not_applicable
    assert not allowed.with_outcome("failed")


def test_an_error_always_fails(run_plugin: RunPlugin, monkeypatch: pytest.MonkeyPatch) -> None:
    # The engine reports `error` when a check cannot run (a DuckDB failure); stand one in for it.
    real = run(VALID, ["juki"])
    broken = dataclasses.replace(real, requirements=tuple(
        dataclasses.replace(r, verdict="error", reason="規則を実行できません: テスト") if r.id == "JUKI-S-0001" else r
        for r in real.requirements
    ))
    monkeypatch.setattr("conformance.pipeline.run", lambda *arguments, **keywords: broken)
    got = run_plugin("--conformance-target", VALID, "--conformance-allow-not-tested")
    assert got.result.ret == pytest.ExitCode.TESTS_FAILED
    assert got.with_outcome("failed") == {"JUKI-S-0001"}
    assert "規則を実行できません: テスト" in got.failures["JUKI-S-0001"]
    assert "合格とは扱いません" in got.failures["JUKI-S-0001"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--conformance-target", str(FIXTURES / "does-not-exist")], "does-not-exist"),
        (["--conformance-target", str(VALID), "--conformance-spec", "nosuch"], "nosuch"),
        (["--conformance-target", str(VALID), "--conformance-spec", "juki@9.9.9"], "9.9.9"),
        (["--conformance-target", str(VALID), "--conformance-declaration", str(FIXTURES / "no-declaration.yaml")],
         "no-declaration.yaml"),
    ],
)
def test_usage_errors_stop_pytest_with_the_message(run_plugin: RunPlugin, arguments: list[str], message: str) -> None:
    got = run_plugin(*arguments)
    assert got.result.ret == pytest.ExitCode.USAGE_ERROR
    error = got.result.stderr.str()
    assert message in error and "conformance:" in error
    assert "Traceback" not in error + got.result.stdout.str()
    assert not got.outcomes


def test_without_a_target_the_plugin_is_inert(pytester: pytest.Pytester, run_plugin: RunPlugin) -> None:
    pytester.makepyfile(test_trivial="def test_trivial():\n    assert True\n")
    got = run_plugin()
    assert got.result.ret == pytest.ExitCode.OK
    assert got.result.parseoutcomes() == {"passed": 1}
    assert "conformance::" not in got.result.stdout.str()
    assert not got.outcomes


def test_importing_the_plugin_does_not_load_the_engine() -> None:
    # It is loaded into every pytest run of every project through the entry point.
    code = ("import sys, conformance.pytest_plugin; "
            "print(sorted(m for m in ('duckdb', 'numpy', 'jsonschema', 'conformance.pipeline') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_loaded_through_a_pytest11_entry_point(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in distribution declares the entry point as pyproject.toml will; runpytest_subprocess puts
    # pytester.path on PYTHONPATH, where importlib.metadata finds it. With the real one installed too,
    # pytest loads the name once.
    dist = pytester.mkdir("conformance_entry_point_stub-0.dist-info")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: conformance-entry-point-stub\nVersion: 0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\nconformance = conformance.pytest_plugin\n")
    ini = pytester.makeini("[pytest]\n")
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", PYCACHE["PYTHONPYCACHEPREFIX"])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-c", str(ini),
                                           "--conformance-target", str(VALID), "-k", "JUKI-D-0002")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    assert result.parseoutcomes() == {"passed": 1, "deselected": len(_requirement_ids()) - 1}


def _pytest_in_repository(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m pytest ARGS` run from this repository's root, the plugin loaded by its entry point."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER",
                                  "PYTHONDONTWRITEBYTECODE")} | PYCACHE
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *arguments],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


def test_run_inside_this_repository_collects_only_the_conformance_items() -> None:
    # pyproject.toml's testpaths name tests/: with a target they are not collected (README, pytest).
    target = (FIXTURES / "inkan" / "valid").relative_to(ROOT).as_posix()
    done = _pytest_in_repository(f"--conformance-target={target}", "--conformance-spec=inkan", "--collect-only")
    assert done.returncode == 0, done.stdout + done.stderr
    listed = [line for line in done.stdout.splitlines() if "::" in line]
    assert listed and all(line.startswith("conformance::inkan::INKAN-") for line in listed)
    assert len(listed) == len(spec_store.load("inkan").requirements)
    ran = _pytest_in_repository(f"--conformance-target={target}", "--conformance-spec=inkan", "-k", "INKAN-D-0002")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert re.search(r"\b1 passed, \d+ deselected\b", ran.stdout), ran.stdout
    # Paths named on the command line are still collected beside the items.
    both = _pytest_in_repository("tests/test_finding_codes.py", f"--conformance-target={target}", "--conformance-spec=inkan",
                                 "--collect-only")
    assert any(line.startswith("tests/test_finding_codes.py::") for line in both.stdout.splitlines())
    assert sum(line.startswith("conformance::inkan::") for line in both.stdout.splitlines()) == len(listed)


def _workflow_commands(document: object) -> list[str]:
    """Every shell command in a CI file: GitHub `run:` and GitLab `script:` entries, at any depth."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            elif key in ("script", "before_script", "after_script") and isinstance(value, list):
                found += [str(line) for line in value]
            else:
                found += _workflow_commands(value)
    elif isinstance(document, list):
        for entry in document:
            found += _workflow_commands(entry)
    return found


@pytest.mark.parametrize("path", ["examples/github-actions/conformance.yml", "examples/gitlab-ci/.gitlab-ci.yml"])
def test_ci_examples_run_the_suite_with_junit_output(path: str) -> None:
    document = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    runs = [command for command in _workflow_commands(document) if "conformance run" in command]
    assert runs, f"{path}: no `conformance run` step"
    assert any("--format junit" in command for command in runs)
    text = (ROOT / path).read_text(encoding="utf-8")
    assert "reports/conformance.xml" in text


def test_a_waived_requirement_is_skipped_unless_waivers_are_strict(run_plugin: RunPlugin) -> None:
    folder = FIXTURES / "juki" / "variants" / "waiver-valid"  # JUKI-D-0004 fails under a valid waiver
    arguments = (f"--conformance-target={folder}", "--conformance-spec=juki", "--conformance-as-of=2026-11-24",
                 f"--conformance-declaration={folder / 'declaration.yaml'}", "-k", "JUKI-D-0004")
    lenient = run_plugin(*arguments)
    assert lenient.result.ret == pytest.ExitCode.OK
    assert lenient.with_outcome("skipped") == {"JUKI-D-0004"}
    lenient.result.stdout.fnmatch_lines(["*判定 verdict: 免除付き適合 (pass-with-waivers)*",
                                         "*JUKI-D-0004: 免除（waived）: 免除: 移行困難システム*"])
    strict = run_plugin(*arguments, "--conformance-strict-waivers")
    assert strict.result.ret == pytest.ExitCode.TESTS_FAILED
    assert strict.with_outcome("failed") == {"JUKI-D-0004"}
    assert "判定: 免除 (waived)" in strict.failures["JUKI-D-0004"]


def test_specs_folders_are_taken_as_run_takes_them(run_plugin: RunPlugin, tmp_path: Path) -> None:
    """--conformance-specs DIR, as `conformance run --specs DIR`: a spec imported from an official workbook."""
    from conformance.spec.official import import_workbook
    from tests.official_workbooks import write_workbook

    import_workbook(write_workbook(tmp_path / "list.xlsx"), op_id="kyotsu", output=tmp_path / "specs")
    export = tmp_path / "export"
    export.mkdir()
    got = run_plugin("--conformance-target", export, "--conformance-spec", "kyotsu", "--conformance-specs", tmp_path / "specs")
    # The empty export: its file requirements fail, what needs records is not tested (skipped here: 5 of them).
    got.result.stdout.fnmatch_lines(["*spec kyotsu*", "collected 17 items"])
    assert got.result.parseoutcomes() == {"failed": 12, "skipped": 5}
    missing = run_plugin("--conformance-target", export, "--conformance-spec", "kyotsu")
    assert missing.result.ret == pytest.ExitCode.USAGE_ERROR
