"""Shared helpers: where the fixtures are, running the CLI in-process, and the fixture runs shared by
tests (once per worker)."""

from __future__ import annotations

import datetime
import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.results import RunResult

ROOT = Path(__file__).resolve().parent.parent
# The fixtures are exports as of this day: rules judging "today" (as_of_date()) see it, so the
# fixtures do not expire as the calendar moves on (fixtures/README.md).
FIXTURE_AS_OF = datetime.date(2026, 11, 24)
FIXTURES = ROOT / "fixtures"
SPECS = ROOT / "specs"


# libyaml's parser where PyYAML has it: the same documents, a seventh of the CPU (the tests read some
# 2,000 expected.yaml files).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    """A YAML file as `yaml.safe_load` reads it."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)


def report_text(output: str | bytes) -> str:
    """Text formats as they are; binary ones (xlsx) as every string stored inside their ZIP members."""
    if isinstance(output, str):
        return output
    if not output.startswith(b"PK"):
        return output.decode("utf-8", "replace")
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(output)) as bundle:
        return "\n".join(bundle.read(name).decode("utf-8", "replace") for name in bundle.namelist())


@dataclass
class CliResult:
    """What one in-process CLI call returned and printed."""

    code: int
    out: str
    err: str


def cli(*arguments: str | Path) -> CliResult:
    """Run `conformance ARGUMENTS` in-process with captured streams."""
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in arguments], stdout=out, stderr=err)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def run_cli():
    """The in-process CLI runner."""
    return cli


@functools.cache
def fixture_run(case: Path, spec: str, declaration: Path | None = None) -> RunResult:
    """The run of a fixture folder as of FIXTURE_AS_OF, once per worker: test_fixtures and test_privacy
    judge the same 1,000 runs (a run is frozen, so sharing it changes nothing a test sees).
    Their tests of one case share an xdist group (`same_run`), so that `--dist loadgroup` runs
    them on the same worker."""
    options = RunOptions(declaration=load_declaration(declaration) if declaration else None, as_of=FIXTURE_AS_OF)
    return run(case, [spec], options)


def same_run(case: Path) -> pytest.MarkDecorator:
    """The xdist group of the tests that judge `case`'s fixture_run (`juki/valid`, `juki/juki-d-0001`)."""
    operation = case.parent.name if case.name == "valid" else case.parent.parent.name
    return pytest.mark.xdist_group(f"{operation}/{case.name}")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--dist loadgroup` with pytest 9: pytest-xdist 3.8 (the latest) names an item's group by setting
    `item._nodeid`, which pytest 9 no longer reads (a node id is now `str(item._id)`), so every xdist_group
    mark was ignored: the tests sharing a fixture_run, the fleet's module-scoped batches and the hostile
    cases' large inputs were spread over the workers and built on each. Here the group suffix xdist
    intends (`nodeid@group`) is written where pytest 9 reads it; with a pytest or xdist that already
    did it, nothing changes."""
    if not getattr(config.option, "loadgroup", False):
        return
    # No public way to rename an item; the hook runs on the workers only.
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # a pytest without it: groups ignored (slower, never wrong)
        return

    for item in items:
        names = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                        for mark in item.iter_markers("xdist_group")})
        intended = f"{item.nodeid}@{'_'.join(names)}"
        if names and item.nodeid.rfind("@") <= item.nodeid.rfind("]"):
            renamed = NodeId.parse(intended)
            if str(renamed) == intended:
                item._id = renamed
