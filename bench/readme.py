"""The README's Performance section, rendered from the benchmark result files (not part of the test suite's
timed work; tests/test_bench_readme.py runs `--check`).

    python bench/readme.py            rewrite README.md between the performance markers
    python bench/readme.py --check    exit 1 and print a diff when README.md is not what the files say

bench/targets.yaml names the result files the section cites (`results:`) and the targets (`targets:`), each
with its figure as a small expression over those files: `api.approaches.api.wall_s / api.approaches.ours.wall_s`
(a result's name, then keys; `x["not-tested"]` and `x[0]` for keys that are no identifiers; + - * /, numbers,
comparisons, and/or/not, min max sum len median abs round). bench/performance.md.j2 holds the prose; every
figure in it is a placeholder over the same results. A target whose result file is missing is "not measured",
never met; a figure missing from a file that is there is an error (exit 2), since the entry points at the
wrong file or the wrong key.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import difflib
import json
import re
import statistics
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import jsonschema
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = HERE / "targets.yaml"
TEMPLATE = HERE / "performance.md.j2"
README = ROOT / "README.md"
BEGIN, END = "<!-- performance:begin -->", "<!-- performance:end -->"
NOT_MEASURED, MET, NOT_MET = "not measured", "met", "not met"

FUNCTIONS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "sum": sum, "len": len, "abs": abs, "round": round,
                                            "median": statistics.median}
_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
}
_UNITS = {"×": ("{:.2f}×", 2), "%": ("{:+.1f} %", 1), "s": ("{:.1f} s", 1), "MB": ("{:,.0f} MB", 0)}
_STAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})T\d{6}Z")
_LOAD = re.compile(r"load average:\s*([0-9.]+)")


class ReadmeError(Exception):
    """A problem of targets.yaml, a result file or the template: reported with its place, exit 2."""


class NotMeasured(Exception):
    """An expression needs a result whose file is not there."""


@dataclasses.dataclass(frozen=True)
class Result:
    """One result file named in targets.yaml: its path (None: not measured yet) and its contents if present."""

    name: str
    path: str | None
    data: Any

    @property
    def present(self) -> bool:
        return self.data is not None

    @property
    def file(self) -> str:
        return Path(self.path).name if self.path else "—"

    @property
    def link(self) -> str:
        """A Markdown link to the file from the README (the README sits at the repository's root)."""
        if not self.path:
            return "—"
        return f"[{self.file}]({self.path})" if self.present else f"{self.file} (missing)"

    @property
    def date(self) -> str:
        """The day of the measurement, from the file's `when` or its name's time stamp."""
        for text in (self.data.get("when", "") if isinstance(self.data, dict) else "", self.file):
            found = _STAMP.match(str(text))
            if found:
                return "-".join(found.groups())
        return "undated"

    @property
    def load(self) -> str:
        """The 1-minute load average the file recorded (run.py's `uptime`, xlsx_vs_csv's `load_average_at_end`)."""
        machine = self.data.get("machine") if isinstance(self.data, dict) else None
        found = _LOAD.search(machine.get("uptime", "")) if isinstance(machine, dict) else None
        if found:
            return found.group(1)
        at_end = self.data.get("load_average_at_end") if isinstance(self.data, dict) else None
        return f"{float(at_end[0]):.2f}" if isinstance(at_end, list) and at_end else "not recorded"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One target as the README shows it."""

    id: str
    issue: int
    text: str
    limit: str
    measured: str
    status: str
    files: tuple[Result, ...]
    why: str = ""

    @property
    def status_text(self) -> str:
        return {MET: "**met**", NOT_MET: "**not met**"}.get(self.status, NOT_MEASURED) + (f" ({self.why})" if self.why else "")

    @property
    def files_text(self) -> str:
        return ", ".join(dict.fromkeys(result.link for result in self.files if result.path)) or "none yet"


def evaluate(expression: str, results: Mapping[str, Result], where: str) -> Any:
    """The value of a figure expression over the named results (NotMeasured when one is not there)."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ReadmeError(f"{where}: not an expression: {expression!r} ({error.msg})") from None

    def value(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool | None):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in results:
                raise ReadmeError(f"{where}: {node.id!r} is no result named under results: in targets.yaml")
            if not results[node.id].present:
                raise NotMeasured(node.id)
            return results[node.id].data
        if isinstance(node, ast.Attribute | ast.Subscript):
            container = value(node.value)
            key = node.attr if isinstance(node, ast.Attribute) else value(node.slice)
            try:
                return container[key]
            except (KeyError, IndexError, TypeError):
                raise ReadmeError(f"{where}: {ast.unparse(node)!r} is not in {_files_of(node, results)}") from None
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _OPERATORS:
            return _OPERATORS[type(node.ops[0])](value(node.left), value(node.comparators[0]))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
            return -value(node.operand) if isinstance(node.op, ast.USub) else not value(node.operand)
        if isinstance(node, ast.BoolOp):
            values = [value(operand) for operand in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.List):
            return [value(element) for element in node.elts]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords:
            return FUNCTIONS[node.func.id](*(value(argument) for argument in node.args))
        raise ReadmeError(f"{where}: {ast.unparse(node)!r} is not allowed in a figure expression")

    try:
        return value(tree.body)
    except (TypeError, ZeroDivisionError, statistics.StatisticsError) as error:
        raise ReadmeError(f"{where}: {expression!r} cannot be computed: {error}") from None


def _names(expression: str, where: str) -> list[str]:
    """The result names an expression reads, in order of appearance."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ReadmeError(f"{where}: not an expression: {expression!r} ({error.msg})") from None
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS and node.id not in found:
            found.append(node.id)
    return found


def _files_of(node: ast.AST, results: Mapping[str, Result]) -> str:
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in results]
    return ", ".join(str(results[name].path) for name in names)


def _shown(number: float, unit: str, digits: int | None) -> str:
    pattern, default = _UNITS[unit]
    places = default if digits is None else digits
    return pattern.replace(f".{default}f", f".{places}f").format(number).replace("-", "−")


def judge(target: Mapping[str, Any], results: Mapping[str, Result]) -> Outcome:
    """Evaluate one target: measured against its limit, and its conditions (all must hold for met)."""
    where = f"targets.yaml, target {target['id']}"
    unit, digits = target["unit"], target.get("digits")
    names = _names(target["measured"], where)
    for condition in (*target.get("applies", ()), *target.get("conditions", ())):
        names += [name for name in _names(condition["holds"], where) if name not in names]
    for name in names:
        if name not in results:
            raise ReadmeError(f"{where}: {name!r} is no result named under results: in targets.yaml")
    files = tuple(results[name] for name in names)
    sign = {"<=": "≤", ">=": "≥"}[target["comparison"]]
    limit = f"{sign} {target['limit']:,g}{'' if unit == '×' else ' '}{unit}"
    common = {"id": target["id"], "issue": target["issue"], "text": target["text"], "limit": limit, "files": files}
    try:
        # A file of another size or other options does not measure this target: not measured, with the reason.
        other = [c["means"] for c in target.get("applies", ()) if evaluate(c["holds"], results, where) is not True]
        if other:
            return Outcome(**common, measured="—", status=NOT_MEASURED, why="; ".join(f"needs {t}" for t in other))
        measured = evaluate(target["measured"], results, where)
        failed = [c["means"] for c in target.get("conditions", ()) if evaluate(c["holds"], results, where) is not True]
    except NotMeasured:
        return Outcome(**common, measured="—", status=NOT_MEASURED)
    if not isinstance(measured, int | float) or isinstance(measured, bool):
        raise ReadmeError(f"{where}: the figure {target['measured']!r} is {measured!r}, not a number")
    within = measured <= target["limit"] if target["comparison"] == "<=" else measured >= target["limit"]
    why = "; ".join(f"not: {text}" for text in failed)
    return Outcome(**common, measured=_shown(measured, unit, digits), status=MET if within and not failed else NOT_MET, why=why)


def load_results(entries: Mapping[str, Any], root: Path) -> dict[str, Result]:
    """Each named result file, read if it is there; a file of another kind of benchmark is an error."""
    results = {}
    for name, entry in entries.items():
        path, data = entry.get("file"), None
        if path and (root / path).is_file():
            try:
                data = json.loads((root / path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ReadmeError(f"{path}: not a readable JSON result: {error}") from None
            kind = data.get("benchmark") if isinstance(data, dict) else None
            if kind is not None and entry.get("benchmark") is not None and kind != entry["benchmark"]:
                raise ReadmeError(f"targets.yaml, results.{name}: {path} is a {kind!r} result, not {entry['benchmark']!r}")
        results[name] = Result(name, path, data)
    return results


def _config(targets: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(targets.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ReadmeError(f"{targets}: {error}") from None
    schema = json.loads((HERE / "targets.schema.json").read_text(encoding="utf-8"))
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(config))
    if problem is not None:
        place = "/".join(str(part) for part in problem.absolute_path) or "(top)"
        raise ReadmeError(f"{targets}: {place}: {problem.message}")
    clash = set(config["results"]) & set(FUNCTIONS)
    if clash:
        raise ReadmeError(f"{targets}: results may not be named like a function: {sorted(clash)}")
    return dict(config)


def _number(value: Any, digits: int = 0) -> str:
    """1234567.8 → "1,234,568"; with digits, "1,234,567.80"."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def render(targets: Path = TARGETS, template: Path = TEMPLATE, root: Path = ROOT) -> str:
    """The Performance section's text (between the markers) that the result files give."""
    config = _config(targets)
    results = load_results(config["results"], root)
    outcomes = [judge(target, results) for target in config["targets"]]
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(template.parent), undefined=jinja2.StrictUndefined,
                                     keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)
    environment.filters.update(n=_number, gb=lambda mb, digits=2: _number(mb / 1024, digits),
                               pct=lambda fraction, digits=1: f"{fraction * 100:+.{digits}f}".replace("-", "−") + "%")
    environment.globals.update(FUNCTIONS)
    try:
        return environment.get_template(template.name).render(
            targets=outcomes, r={name: result.data for name, result in results.items()}, meta=results,
            met=sum(o.status == MET for o in outcomes), not_met=sum(o.status == NOT_MET for o in outcomes),
            not_measured=sum(o.status == NOT_MEASURED for o in outcomes))
    except (jinja2.TemplateError, TypeError, KeyError, ValueError, ZeroDivisionError) as error:
        # Jinja rewrites the traceback so that the template's own line shows as a frame of its file.
        lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == str(template)]
        line = getattr(error, "lineno", None) or (lines[-1] if lines else None)
        raise ReadmeError(f"{template.name}{f', line {line}' if line else ''}: {type(error).__name__}: {error}") from None


def replaced(readme: str, section: str) -> str:
    """The README with the text between the markers replaced by `section`."""
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        raise ReadmeError(f"README.md: needs one {BEGIN} line and, after it, one {END} line")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{section}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 and print a diff when README.md differs")
    parser.add_argument("--targets", type=Path, default=TARGETS)
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--readme", type=Path, default=README)
    arguments = parser.parse_args(argv)
    try:
        before = arguments.readme.read_text(encoding="utf-8")
        after = replaced(before, render(arguments.targets, arguments.template, ROOT))
    except (ReadmeError, OSError) as error:
        print(f"bench/readme.py: {error}", file=sys.stderr)
        return 2
    if arguments.check:
        if before == after:
            return 0
        sys.stdout.writelines(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                                   f"{arguments.readme} (committed)", f"{arguments.readme} (from bench/results)"))
        print("README.md's Performance section differs from bench/results: run python bench/readme.py", file=sys.stderr)
        return 1
    if before != after:
        arguments.readme.write_text(after, encoding="utf-8")
        print(f"rewrote the Performance section of {arguments.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
