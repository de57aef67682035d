"""pytest front-end: one pytest item per requirement of a conformance run.

    pytest --conformance-target PATH [--conformance-spec OP[@VERSION]]...
           [--conformance-declaration FILE] [--conformance-allow-not-tested] [--conformance-strict-waivers]
           [--conformance-as-of YYYY-MM-DD]

The suite runs once per session, while pytest collects; each requirement then becomes an item with the
node id ``conformance::<operation>::<requirement ID>`` (select with ``-k JUKI-D-0002``, ``-m conformance``
or ``--deselect conformance::juki::JUKI-D-0002``). How the verdicts map onto pytest outcomes:

- ``pass`` passes; ``fail`` fails with the findings (location, message, masked value) and the 対処方法;
- ``not-applicable`` (an undeclared 標準オプション) is skipped with the reason;
- ``waived`` (a failure under a valid waiver of the declaration) is skipped with the waiver;
  ``--conformance-strict-waivers`` fails it, as ``conformance run --strict-waivers`` exits 1;
- ``error`` (the suite could not evaluate the check) always fails: it is never a pass;
- ``not-tested`` (no file, column or records) fails with the reason, because a skipped check never counts
  as a pass; ``--conformance-allow-not-tested`` turns it into a skip.

With ``--conformance-target`` the session holds the conformance items only: the ini file's ``testpaths``
and the current folder are not collected, so the command works from any folder, this repository
included; test paths named on the command line are still collected beside the items.

Without ``--conformance-target`` the plugin only adds its options: it is loaded into every pytest run of
every project through the ``pytest11`` entry point, so the engine is imported only when a run is asked for.
An unreadable target, an unknown spec or a bad declaration is a usage error (exit code 4). Prefer
``--conformance-target=PATH``: pytest chooses its rootdir and ini file from the command line's paths before
plugin options are known, so a separate PATH argument takes part in that choice.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conformance.results import RequirementResult, RunResult

__all__ = ["RequirementFailed", "RequirementItem", "RunCollector", "SpecCollector"]

_PLUGIN_NAME = "conformance-session"
_MARKER = "conformance"
_SHOWN_FINDINGS = 10
_VERDICTS = {
    "pass": "適合 (pass)",
    "fail": "不適合 (fail)",
    "waived": "免除 (waived)",
    "not-applicable": "対象外 (not-applicable)",
    "not-tested": "未検査 (not-tested)",
    "error": "検査エラー (error)",
}
_RUN_VERDICTS = {"pass": "適合 (pass)", "pass-with-waivers": "免除付き適合 (pass-with-waivers)", "fail": "不適合 (fail)", "incomplete": "判定不能 (incomplete)"}


def pytest_addoption(parser: pytest.Parser) -> None:
    """The conformance options; all inert unless --conformance-target is given."""
    group = parser.getgroup("conformance", "jichitai-conformance (地方公共団体情報システム標準仕様の適合確認)")
    group.addoption("--conformance-target", metavar="PATH", default=None,
                    help="export to check (a file, a folder or a ZIP); one test item per requirement")
    group.addoption("--conformance-spec", metavar="OP[@VERSION]", action="append", default=None,
                    help="operation to check (e.g. juki or juki@0.1.0); repeatable; inferred from file names when absent")
    group.addoption("--conformance-specs", metavar="DIR", action="append", default=None,
                    help="a spec folder, or a folder of them (e.g. from `conformance spec import`), added to the bundled specs; repeatable")
    group.addoption("--conformance-declaration", metavar="FILE", default=None,
                    help="the vendor's declaration (YAML): the system and the 標準オプション it implements")
    group.addoption("--conformance-allow-not-tested", action="store_true", default=False,
                    help="skip requirements that could not be tested instead of failing them")
    group.addoption("--conformance-as-of", metavar="YYYY-MM-DD", type=_date, default=None,
                    help='the date rules judge "today" by and waivers expire by (default: today)')
    group.addoption("--conformance-strict-waivers", action="store_true", default=False,
                    help="fail waived requirements (a failure under a valid waiver of the declaration) instead of skipping them")


def _date(text: str) -> datetime.date:
    """--conformance-as-of: an ISO date (pytest turns the ValueError into a usage error)."""
    return datetime.date.fromisoformat(text)


def pytest_configure(config: pytest.Config) -> None:
    """Activate the collection hooks only when a target is given."""
    if config.getoption("conformance_target") is None or config.pluginmanager.has_plugin(_PLUGIN_NAME):
        return
    config.addinivalue_line("markers", f"{_MARKER}: a requirement of the conformance run (--conformance-target)")
    config.pluginmanager.register(_ConformanceSession(config), _PLUGIN_NAME)


class RequirementFailed(Exception):
    """A requirement that did not pass: fail, error, or not-tested (unless allowed)."""

    def __init__(self, requirement: RequirementResult) -> None:
        super().__init__(f"{requirement.id}: {requirement.verdict}")
        self.requirement = requirement


class RequirementItem(pytest.Item):
    """One requirement's verdict from the session's run, reported as a pytest outcome."""

    def __init__(self, *, requirement: RequirementResult, target: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requirement = requirement
        self.target = target
        self.add_marker(_MARKER)
        # Lets `-k 標準オプション` or `-k 必須` select by level, like a test's name would.
        self.extra_keyword_matches.add(requirement.level)

    def runtest(self) -> None:
        """Pass, skip or raise according to the requirement's verdict."""
        requirement = self.requirement
        if requirement.verdict == "pass":
            return
        if requirement.verdict == "not-applicable":
            pytest.skip(f"{requirement.id}: {requirement.reason or '対象外です'}")
        if requirement.verdict == "waived" and not self.config.getoption("conformance_strict_waivers"):
            pytest.skip(f"{requirement.id}: 免除（waived）: {requirement.reason or ''}")
        if requirement.verdict == "not-tested" and self.config.getoption("conformance_allow_not_tested"):
            pytest.skip(f"{requirement.id}: 検査できませんでした（{requirement.reason or '理由不明'}）")
        raise RequirementFailed(requirement)

    # `style` and the return type are pytest's TracebackStyle and `str | TerminalRepr`, which pytest
    # does not export (they live in the private `_pytest`): typed Any rather than imported privately.
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The findings as text; a traceback only for a bug of the plugin itself."""
        if isinstance(excinfo.value, RequirementFailed):
            limit = None if int(self.config.getoption("verbose")) > 0 else _SHOWN_FINDINGS
            return describe_failure(excinfo.value.requirement, limit)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        """The export as the location, "ID title" as the headline."""
        return self.target, None, f"{self.requirement.id} {self.requirement.title}"


def describe_failure(requirement: RequirementResult, limit: int | None = _SHOWN_FINDINGS) -> str:
    """The failure text of one requirement: verdict, reason, findings, 対処方法."""
    count = f"  ({requirement.findings_total}件)" if requirement.findings_total else ""
    lines = [f"{requirement.id}  {requirement.level}  {requirement.title}{count}",
             f"判定: {_VERDICTS.get(requirement.verdict, requirement.verdict)}"]
    if requirement.reason:
        lines.append(f"理由: {requirement.reason}")
    if requirement.verdict == "error":
        lines.append("スイートがこの要件を検査できませんでした。合格とは扱いません。")
    elif requirement.verdict == "not-tested":
        lines.append("検査されていない要件は合格とは扱いません（--conformance-allow-not-tested で skip にできます）。")
    shown = requirement.findings if limit is None else requirement.findings[:limit]
    for finding in shown:
        where = str(finding.location)
        value = f"  値: {finding.value}" if finding.value else ""
        lines.append(f"  {where}: {finding.message}{value}" if where else f"  {finding.message}{value}")
    hidden = requirement.findings_total - len(shown)
    if hidden > 0:
        lines.append(f"  …ほか{hidden}件")
    if requirement.verdict == "fail":
        lines.append(f"対処方法: {requirement.fix}")
    return "\n".join(lines)


class RunCollector(pytest.Collector):
    """The root of the conformance items: one child per evaluated spec."""

    def __init__(self, *, result: RunResult, target: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result = result
        self.target = target

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        """One collector per spec, in the run's order."""
        for spec in self.result.specs:
            yield SpecCollector.from_parent(self, name=spec.id, result=self.result, target=self.target)


class SpecCollector(pytest.Collector):
    """The requirements of one operation, in the spec's order."""

    def __init__(self, *, result: RunResult, target: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result = result
        self.target = target

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        """One item per requirement of this spec."""
        for requirement in self.result.requirements:
            if requirement.operation == self.name:
                yield RequirementItem.from_parent(self, name=requirement.id, requirement=requirement, target=self.target)


class _ConformanceSession:
    """The hooks of an active run, registered by pytest_configure when a target is given."""

    def __init__(self, config: pytest.Config) -> None:
        base = config.invocation_params.dir
        self.target = base / str(config.getoption("conformance_target"))
        self.specs: list[str] = list(config.getoption("conformance_spec") or [])
        self.spec_folders = [base / str(folder) for folder in config.getoption("conformance_specs") or []]
        declaration = config.getoption("conformance_declaration")
        self.declaration = base / str(declaration) if declaration else None
        self.as_of: datetime.date | None = config.getoption("conformance_as_of")
        self.result: RunResult | None = None

    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config) -> bool | None:
        """Collect no test files unless paths were named on the command line.

        With a target, the session is the conformance run: the `testpaths` of the ini file in force (this
        repository's own tests, or a vendor's) and the invocation folder are not collected, so the
        command works the same from any folder. Paths given explicitly are collected beside the items."""
        return True if config.args_source != pytest.Config.ArgsSource.ARGS else None

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """Say what is checked before anything runs."""
        line = f"conformance: target {self.target}"
        if self.specs:
            line += f", spec {' '.join(self.specs)}"
        if self.declaration:
            line += f", declaration {self.declaration}"
        return [line]

    def _run(self) -> RunResult:
        # Imported here: the engine (DuckDB and all) must cost nothing to projects that never ask for it.
        from conformance.pipeline import DeclarationError, RunOptions, TargetError, load_declaration, run
        from conformance.spec import SpecError, use_folders

        try:
            declaration = load_declaration(self.declaration) if self.declaration else None
            with use_folders(self.spec_folders):  # as `conformance run --specs DIR`
                return run(self.target, self.specs or None, RunOptions(declaration=declaration, as_of=self.as_of))
        except (TargetError, SpecError, DeclarationError) as error:
            raise pytest.UsageError(f"conformance: {error}") from None

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        """Run the suite when the session collects, and add its items beside the collected paths."""
        if not isinstance(collector, pytest.Session):
            return (yield)
        # Outside the collect call on purpose: a usage error must stop pytest (exit 4), not become a
        # collection error of one node.
        if self.result is None:
            self.result = self._run()
        report = yield
        if report.passed:
            report.result.append(
                RunCollector.from_parent(collector, name="conformance", nodeid="conformance",
                                          result=self.result, target=self.target)
            )
        return report

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """The run's own verdict, which -k or --deselect do not change."""
        if self.result is None:
            return
        summary = self.result.summary
        counts = " / ".join(f"{verdict} {count}" for verdict, count in summary.counts.items())
        terminalreporter.write_sep("-", "conformance")
        terminalreporter.write_line(f"判定 verdict: {_RUN_VERDICTS[summary.verdict]}   {counts}")
