"""The manifest of `conformance batch`: a YAML list of runs, validated against its published JSON Schema
(`conformance/fleet/manifest.schema.json`), with paths resolved against the manifest's folder."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")
RESERVED = frozenset({"batch.json", "grid.html", "grid.xlsx"})
"""Names a run cannot take: the batch's own files in the output folder."""
_SETTINGS = ("specs", "declaration", "as_of", "token_env", "max_findings", "timeout")


class ManifestError(Exception):
    """A manifest that cannot be read or does not match its schema; the message names the place."""


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run of a batch: what `conformance run` is given, and the labels the grid shows."""

    name: str
    target: str
    """An absolute path, or a base URL (API mode)."""
    specs: tuple[str, ...] = ()
    declaration: str | None = None
    as_of: str | None = None
    token_env: str | None = None
    max_findings: int | None = None
    timeout: float | None = None
    labels: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_api(self) -> bool:
        """Whether the target is a system's base URL."""
        return self.target.startswith(("http://", "https://"))

    def arguments(self) -> list[str]:
        """The `conformance run` command line of this run, without the output options."""
        argv = ["run", self.target]
        for spec in self.specs:
            argv += ["--spec", spec]
        if self.declaration is not None:
            argv += ["--declaration", self.declaration]
        if self.as_of is not None:
            argv += ["--as-of", self.as_of]
        if self.token_env is not None:
            argv += ["--token-env", self.token_env]
        if self.max_findings is not None:
            argv += ["--max-findings", str(self.max_findings)]
        return argv

    def to_dict(self) -> dict[str, Any]:
        """JSON form (recorded beside each result; --resume compares it)."""
        data: dict[str, Any] = {"name": self.name, "target": self.target, "specs": list(self.specs)}
        for key in ("declaration", "as_of", "token_env", "max_findings", "timeout"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data["labels"] = dict(self.labels)
        return data


def schema() -> dict[str, Any]:
    """The manifest's JSON Schema."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def load_manifest(path: Path) -> list[RunSpec]:
    """The runs of the manifest at `path`, in its order; ManifestError names what is wrong and where."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ManifestError(f"{path}: 読めません ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: UTF-8 ではありません") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark is not None else ""
        raise ManifestError(f"{path}:{where} YAMLとして読めません ({getattr(error, 'problem', error)})") from None
    except ValueError as error:  # a date-shaped value that is no date (2026-13-01)
        raise ManifestError(f"{path}: 日付として読めない値があります ({error})") from None
    data = _dates_as_text(data)
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    problem = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "(root)"
        raise ManifestError(f"{path}: {where}: {problem.message} (manifest.schema.json)")
    folder = path.resolve().parent
    defaults = data.get("defaults", {})
    runs: list[RunSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["runs"]):
        if entry["name"].lower() in seen:  # case-insensitive: folders on macOS and Windows
            raise ManifestError(f"{path}: runs/{index}/name: {entry['name']!r} は二度目です (names must be unique)")
        if entry["name"].lower() in RESERVED:
            raise ManifestError(f"{path}: runs/{index}/name: {entry['name']!r} はバッチの出力ファイル名です (reserved)")
        seen.add(entry["name"].lower())
        settings = {key: entry.get(key, defaults.get(key)) for key in _SETTINGS}
        target = entry["target"]
        if not target.startswith(("http://", "https://")):
            target = str(folder / target)
        declaration = settings["declaration"]
        runs.append(RunSpec(
            name=entry["name"], target=target, specs=tuple(settings["specs"] or ()),
            declaration=str(folder / declaration) if declaration else None,
            as_of=settings["as_of"], token_env=settings["token_env"], max_findings=settings["max_findings"],
            timeout=float(settings["timeout"]) if settings["timeout"] is not None else None,
            labels=tuple((key, _label(value)) for key, value in entry.get("labels", {}).items()),
        ))
    return runs


def _label(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dates_as_text(value: Any) -> Any:
    """YAML reads `2026-04-01` as a date; the schema (and the run's --as-of) take it as text."""
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    return value
