"""The result of a run as frozen values, with the one JSON serialisation every reporter starts from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from conformance.results.identity import SpecFile, suite_digest
from conformance.results.masking import mask_my_numbers, mask_my_numbers_in, name_invisible
from conformance.results.waivers import Waiver

Verdict = Literal["pass", "fail", "waived", "not-applicable", "not-tested", "error"]
RunVerdict = Literal["pass", "pass-with-waivers", "fail", "incomplete"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "waived", "not-applicable", "not-tested", "error")
REPORT_VERSION = "1.2"
# pass-with-waivers exits 0 like pass; `conformance run --strict-waivers` makes it 1 (the CLI decides).
EXIT_CODES: dict[RunVerdict, int] = {"pass": 0, "pass-with-waivers": 0, "fail": 1, "incomplete": 3}
REFERENCE_LABEL = "対応付けあり（参考結果）"
"""What every format shows for a run read through --mapping: not a conformance result."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: file + line + record number + item, or request (method + URL) + record + item."""

    file: str | None = None
    line: int | None = None
    record: int | None = None
    item: str | None = None
    method: str | None = None
    url: str | None = None
    # The original column(s) of a mapped export (--mapping) the item was read from, when named otherwise.
    column: str | None = None

    def __post_init__(self) -> None:
        _mask_fields(self, "file", "item", "method", "url", "column")

    @property
    def where(self) -> str | None:
        """The file, or the request as `GET URL`: what a report shows in its "file" column."""
        if self.url is not None:
            return f"{self.method or 'GET'} {self.url}"
        return self.file

    def to_dict(self) -> dict[str, Any]:
        """Only the parts that are known."""
        return {key: value for key, value in _fields(self).items() if value is not None}

    def __str__(self) -> str:
        parts = [self.where or ""]
        if self.line is not None:
            parts.append(f"{self.line}行目")
        if self.record is not None:
            parts.append(f"レコード{self.record}")
        if self.item is not None:
            parts.append(f"「{self.item}」")
        if self.column is not None:
            parts.append(f"（元の列「{self.column}」）")
        return " ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation of one requirement. `value` is already masked (or None when withheld)."""

    requirement: str
    code: str
    message: str
    location: Location = field(default_factory=Location)
    value: str | None = None

    def __post_init__(self) -> None:
        _mask_fields(self, "message", "value")
        # A finding is read by a person: a BOM or zero-width space in a name or value is named (<U+FEFF>).
        for name in ("message", "value"):
            text = getattr(self, name)
            if text is not None and (named := name_invisible(text)) != text:
                object.__setattr__(self, name, named)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (report.schema.json#/$defs/finding)."""
        data: dict[str, Any] = {
            "requirement": self.requirement,
            "code": self.code,
            "message": self.message,
            "location": self.location.to_dict(),
        }
        if self.value is not None:
            data["value"] = self.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Inverse of to_dict."""
        return cls(
            requirement=data["requirement"],
            code=data["code"],
            message=data["message"],
            location=Location(**data.get("location", {})),
            value=data.get("value"),
        )


@dataclass(frozen=True, slots=True)
class RequirementResult:
    """The verdict on one requirement, with the first findings and the exact total."""

    id: str
    operation: str
    title: str
    level: str
    basis: str
    fix: str
    verdict: Verdict
    findings_total: int = 0
    findings: tuple[Finding, ...] = ()
    reason: str | None = None
    # How many records the requirement judged (schema checks and rules); None where counting records
    # means nothing (file, header and presence requirements, API cases, undeclared options).
    records_checked: int | None = None
    # How many columns a header-judged check judged (the unknown-item requirement: the white list of
    # items is checked on each file's header, not record by record); None for every other requirement.
    columns_checked: int | None = None
    # The declaration's waivers of this requirement, each with what the run made of it (applied, partial,
    # unused, expired); a `waived` verdict has at least one applied.
    waivers: tuple[Waiver, ...] = ()

    def __post_init__(self) -> None:
        _mask_fields(self, "title", "basis", "fix", "reason")

    def to_dict(self) -> dict[str, Any]:
        """JSON form (report.schema.json#/$defs/requirement)."""
        data: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "title": self.title,
            "level": self.level,
            "basis": self.basis,
            "fix": self.fix,
            "verdict": self.verdict,
            "findings_total": self.findings_total,
            "findings": [finding.to_dict() for finding in self.findings],
        }
        if self.reason is not None:
            data["reason"] = self.reason
        if self.records_checked is not None:
            data["records_checked"] = self.records_checked
        if self.columns_checked is not None:
            data["columns_checked"] = self.columns_checked
        if self.waivers:
            data["waivers"] = [waiver.to_dict() for waiver in self.waivers]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequirementResult:
        """Inverse of to_dict."""
        return cls(
            id=data["id"],
            operation=data["operation"],
            title=data["title"],
            level=data["level"],
            basis=data["basis"],
            fix=data["fix"],
            verdict=data["verdict"],
            findings_total=data["findings_total"],
            findings=tuple(Finding.from_dict(f) for f in data["findings"]),
            reason=data.get("reason"),
            records_checked=data.get("records_checked"),
            columns_checked=data.get("columns_checked"),
            waivers=tuple(Waiver.from_dict(w) for w in data.get("waivers", ())),
        )


@dataclass(frozen=True, slots=True)
class TargetFile:
    """One file of the target, as read: its hash proves which bytes were tested."""

    path: str
    sha256: str
    size: int
    format: str
    table: str | None = None
    operation: str | None = None
    encoding: str | None = None
    bom: bool = False
    records: int | None = None
    rejected: int | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _mask_fields(self, "path", "table", "note")

    def to_dict(self) -> dict[str, Any]:
        """JSON form; unknown parts are left out. Every text but the hash (ours, hexadecimal) masked again."""
        return {key: value if key == "sha256" else mask_my_numbers_in(value)
                for key, value in _fields(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetFile:
        """Inverse of to_dict."""
        return cls(**data)


@dataclass(frozen=True, slots=True)
class SpecRef:
    """Which spec, at which version, a run evaluated."""

    id: str
    version: str
    name: str
    documents: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"id": self.id, "version": self.version, "name": self.name, "documents": list(self.documents)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpecRef:
        """Inverse of to_dict."""
        return cls(data["id"], data["version"], data["name"], tuple(data.get("documents", ())))


@dataclass(frozen=True, slots=True)
class Summary:
    """The run's verdict and the number of requirements per verdict."""

    verdict: RunVerdict
    counts: dict[str, int] = field(hash=False)

    @classmethod
    def of(cls, requirements: Iterable[RequirementResult]) -> Summary:
        """Roll-up: pass only when every applicable requirement passes (DESIGN.md, Results); nothing failing
        but something waived is `pass-with-waivers`, never `pass`."""
        counts: dict[str, int] = {verdict: 0 for verdict in VERDICTS}
        for requirement in requirements:
            counts[requirement.verdict] += 1
        verdict: RunVerdict
        if counts["fail"]:
            verdict = "fail"
        elif counts["not-tested"] or counts["error"]:
            verdict = "incomplete"
        elif counts["waived"]:
            verdict = "pass-with-waivers"
        else:
            verdict = "pass"
        return cls(verdict=verdict, counts=counts)


@dataclass(frozen=True, slots=True)
class RunResult:
    """Everything a reporter needs about one run."""

    suite_version: str
    specs: tuple[SpecRef, ...]
    target: str
    files: tuple[TargetFile, ...]
    started: str
    finished: str
    requirements: tuple[RequirementResult, ...]
    declaration: dict[str, Any] | None = field(default=None, hash=False)
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    ignored: tuple[tuple[str, str], ...] = ()
    changed: tuple[str, ...] = ()
    """Input files whose SHA-256 after the run differs from before it (modified while being read)."""
    row_wise: tuple[str, ...] = ()
    """Tables (as their files or requests are named) whose schema was validated row by row: a keyword
    the SQL compiler does not know sent them to the slower fallback, which reports the same findings."""
    character_profile: str = "gyosei-moji"
    """The character repertoire the values were judged against: the default or the declared profile."""
    check_digits: str = "legacy"
    """Whether 宛名番号・世帯番号 (format jp-m11) were judged with their check digits (`all`, declared) or by
    their shape only (`legacy`, the default: 住民記録システム標準仕様書 1.1.13 exempts numbers assigned before it)."""
    spec_files: tuple[SpecFile, ...] = ()
    """Every file of specs/ the run used with its SHA-256 (spec/files.py): the suite's identity, checkable."""
    mapping: dict[str, Any] | None = field(default=None, hash=False)
    """The --mapping the export was read through (path, SHA-256, files): a reference result, never a
    conformance result (REFERENCE_LABEL); a would-be pass is `incomplete`."""

    @property
    def reference_only(self) -> bool:
        """Read through a mapping: 対応付けあり（参考結果）, not a conformance result."""
        return self.mapping is not None

    def __post_init__(self) -> None:
        _mask_fields(self, "target", "ignored", "changed", "row_wise", "declaration", "options")

    @property
    def summary(self) -> Summary:
        """The roll-up of the requirement verdicts.

        An input that changed during the run makes a would-be pass `incomplete`: which bytes were
        tested is no longer known, and a pass must name exactly what passed. So does a mapping: what
        passed is the export as the mapping rewrote it, not the export (a reference result only)."""
        summary = Summary.of(self.requirements)
        if (self.changed or self.mapping is not None) and summary.verdict in ("pass", "pass-with-waivers"):
            return Summary(verdict="incomplete", counts=summary.counts)
        return summary

    @property
    def suite_digest(self) -> str | None:
        """One digest over the spec files the run used (results/identity.py); None for an older result."""
        return suite_digest(self.spec_files) if self.spec_files else None

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 3 incomplete (2 is for usage errors, raised before a result exists)."""
        return EXIT_CODES[self.summary.verdict]

    def requirement(self, requirement_id: str) -> RequirementResult:
        """The result for one requirement (KeyError if the run had none)."""
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise KeyError(requirement_id)

    @property
    def waivers(self) -> tuple[Waiver, ...]:
        """Every waiver of the declaration, in requirement order, each with what the run made of it."""
        return tuple(waiver for requirement in self.requirements for waiver in requirement.waivers)

    def waived_ids(self) -> list[str]:
        """IDs of the waived requirements (failing under a valid waiver), sorted."""
        return sorted(r.id for r in self.requirements if r.verdict == "waived")

    def failed_ids(self) -> list[str]:
        """IDs of the failing requirements, sorted."""
        return sorted(r.id for r in self.requirements if r.verdict == "fail")

    def findings(self) -> list[Finding]:
        """Every kept finding, requirement by requirement."""
        return [finding for requirement in self.requirements for finding in requirement.findings]

    def flatten(self, *fields_: str) -> list[tuple[Any, ...]]:
        """Terse view for assertions: `flatten("requirement", "record", "item")`.

        Field names are those of Finding and Location.
        """
        rows = []
        for finding in self.findings():
            source = {**_fields(finding.location), **_fields(finding)}
            rows.append(tuple(source[name] for name in fields_))
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON result, valid against conformance/report.schema.json."""
        summary = self.summary
        # Every text is masked when the values are built; masked again here, the last step before any
        # JSON leaves the model (the file hashes and the spec files are the only strings left as they are).
        data: dict[str, Any] = mask_my_numbers_in({
            "report_version": REPORT_VERSION,
            "suite": {"name": "jichitai-conformance", "version": self.suite_version},
            "specs": [spec.to_dict() for spec in self.specs],
            "target": {
                "path": self.target,
                "files": [file.to_dict() for file in self.files],
                "ignored": [{"path": path, "reason": reason} for path, reason in self.ignored],
                **({"changed": list(self.changed)} if self.changed else {}),
                **({"row_wise": list(self.row_wise)} if self.row_wise else {}),
            },
            "started": self.started,
            "finished": self.finished,
            "declaration": self.declaration,
            "character_profile": self.character_profile,
            "check_digits": self.check_digits,
            "options": self.options,
            "summary": {"verdict": summary.verdict, "counts": summary.counts,
                        **({"reference_only": True, "label": REFERENCE_LABEL} if self.mapping is not None else {})},
            **({"mapping": self.mapping} if self.mapping is not None else {}),
            "requirements": [requirement.to_dict() for requirement in self.requirements],
        })
        data["target"]["files"] = [file.to_dict() for file in self.files]
        if self.spec_files:  # ours: spec paths and hexadecimal digests (which may hold a run of 12 digits)
            data["suite"].update(digest=self.suite_digest, files=[file.to_dict() for file in self.spec_files])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """Inverse of to_dict (the summary is derived, not read)."""
        return cls(
            suite_version=data["suite"]["version"],
            specs=tuple(SpecRef.from_dict(spec) for spec in data["specs"]),
            target=data["target"]["path"],
            files=tuple(TargetFile.from_dict(file) for file in data["target"]["files"]),
            started=data["started"],
            finished=data["finished"],
            requirements=tuple(RequirementResult.from_dict(r) for r in data["requirements"]),
            declaration=data.get("declaration"),
            options=data.get("options", {}),
            ignored=tuple((entry["path"], entry["reason"]) for entry in data["target"].get("ignored", ())),
            changed=tuple(data["target"].get("changed", ())),
            row_wise=tuple(data["target"].get("row_wise", ())),
            character_profile=data.get("character_profile", "gyosei-moji"),
            check_digits=data.get("check_digits", "legacy"),
            spec_files=tuple(SpecFile.from_dict(file) for file in data["suite"].get("files", ())),
            mapping=data.get("mapping"),
        )


def _mask_fields(instance: Any, *names: str) -> None:
    """Mask 個人番号-looking digits in the named fields of a frozen instance (results/masking.py)."""
    for name in names:
        value = getattr(instance, name)
        if value is None:
            continue
        masked = mask_my_numbers(value) if type(value) is str else mask_my_numbers_in(value)
        if masked is not value and masked != value:
            object.__setattr__(instance, name, masked)


def _fields(instance: Any) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in instance.__slots__}
