"""SARIF 2.1.0: each kept finding as a result, each requirement with findings as a rule (code-scanning UIs)."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any
from urllib.parse import quote

from conformance.report.labels import changed_warning, mapping_warnings, waiver_label
from conformance.results import REFERENCE_LABEL, Finding, RequirementResult, RunResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
TOOL = "jichitai-conformance"

# The runner names a workbook's sheet as `book.xlsx#sheet`; any other `#` is part of a file name.
_WORKBOOK_SHEET = re.compile(r"(?s)(.*?\.xls[xm])#(.*)", re.IGNORECASE)


def render(result: RunResult) -> str:
    """The SARIF log as pretty-printed JSON, UTF-8 text kept as is."""
    return json.dumps(sarif_log(result), ensure_ascii=False, indent=2) + "\n"


def sarif_log(result: RunResult) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict: one run, one rule per requirement with findings."""
    with_findings = [r for r in result.requirements if r.findings_total]
    rule_index = {requirement.id: index for index, requirement in enumerate(with_findings)}
    summary = result.summary
    invocation: dict[str, Any] = {"executionSuccessful": True}
    warnings = [changed_warning(path) for path in result.changed] + mapping_warnings(result)
    if warnings:
        invocation["toolExecutionNotifications"] = [{"level": "warning", "message": {"text": text}} for text in warnings]
    for key, value in (("startTimeUtc", result.started), ("endTimeUtc", result.finished)):
        utc = _utc(value)
        if utc:
            invocation[key] = utc
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL,
                "version": result.suite_version,
                "rules": [_rule(requirement) for requirement in with_findings],
            }
        },
        "invocations": [invocation],
        "artifacts": _artifacts(result),
        "results": [
            _result(finding, rule_index[requirement.id], requirement)
            for requirement in with_findings
            for finding in requirement.findings
        ],
        "properties": {
            "verdict": summary.verdict,
            "counts": dict(summary.counts),
            "target": result.target,
            # What reproduces the run besides tool.driver.version and the artifacts' SHA-256 (as the JSON records it).
            **({"suiteDigest": result.suite_digest} if result.suite_digest is not None else {}),
            **({"asOf": result.options["as_of"]} if result.options.get("as_of") is not None else {}),
            "specs": [{"id": spec.id, "version": spec.version, "name": spec.name, "documents": list(spec.documents)}
                      for spec in result.specs],
            "findingsTotal": sum(r.findings_total for r in result.requirements),
            "characterProfile": result.character_profile,
            "checkDigits": result.check_digits,
            **({"waivers": [waiver.to_dict() for waiver in result.waivers]} if result.waivers else {}),
            **({"referenceOnly": True, "label": REFERENCE_LABEL, "mapping": result.mapping} if result.mapping is not None else {}),
        },
    }
    return {"$schema": SCHEMA, "version": VERSION, "runs": [run]}


def artifact_uri(path: str) -> str:
    """A target-relative path as a URI reference (percent-encoded UTF-8); a workbook's `#sheet` is not part of it."""
    # surrogateescape: an undecodable byte of a file name is percent-encoded as the byte it was.
    return quote(split_sheet(path)[0], safe="/", errors="surrogateescape")


def split_sheet(path: str) -> tuple[str, str | None]:
    """`book.xlsx#住民` → (`book.xlsx`, `住民`); a path without a sheet → (path, None)."""
    match = _WORKBOOK_SHEET.fullmatch(path)
    return (match.group(1), match.group(2)) if match else (path, None)


def _rule(requirement: RequirementResult) -> dict[str, Any]:
    return {
        "id": requirement.id,
        "shortDescription": {"text": requirement.title},
        "fullDescription": {"text": requirement.fix},
        "help": {"text": f"対処方法: {requirement.fix}"},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "level": requirement.level,
            "basis": requirement.basis,
            "operation": requirement.operation,
            "verdict": requirement.verdict,
            "findingsTotal": requirement.findings_total,
            **({"recordsChecked": requirement.records_checked} if requirement.records_checked is not None else {}),
            **({"columnsChecked": requirement.columns_checked} if requirement.columns_checked is not None else {}),
            **({"waivers": [waiver.to_dict() for waiver in requirement.waivers]} if requirement.waivers else {}),
        },
    }


def _result(finding: Finding, rule_index: int, requirement: RequirementResult) -> dict[str, Any]:
    text = finding.message + (f" 値: {finding.value}" if finding.value else "")
    entry: dict[str, Any] = {
        "ruleId": finding.requirement,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": text},
    }
    location = finding.location
    if location.file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(location.file)}}
        if location.line is not None and location.line >= 1:
            physical["region"] = {"startLine": location.line}
        entry["locations"] = [{"physicalLocation": physical}]
    elif location.url:
        # API mode: the request is the artifact (its URL carries no token and masked keys only).
        entry["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": location.url}}}]
    # What SARIF has no slot for (sheet, record number, item, finding code) stays machine-readable here.
    sheet = split_sheet(location.file)[1] if location.file else None
    extra = {"sheet": sheet, "record": location.record, "item": location.item, "method": location.method}
    entry["properties"] = {"code": finding.code, **{key: value for key, value in extra.items() if value is not None}}
    if requirement.verdict == "waived":
        # SARIF's own word for an accepted exception: code-scanning UIs list the result as dismissed.
        entry["suppressions"] = [{"kind": "external", "status": "accepted",
                                  "justification": "; ".join(waiver_label(w) for w in requirement.waivers if w.status == "applied")}]
    return entry


def _artifacts(result: RunResult) -> list[dict[str, Any]]:
    """Each input file once (a workbook read for several sheets is one artifact), with its SHA-256."""
    artifacts: dict[str, dict[str, Any]] = {}
    for file in result.files:
        uri = artifact_uri(file.path)
        artifacts.setdefault(uri, {
            "location": {"uri": uri},
            "length": file.size,
            "hashes": {"sha-256": file.sha256},
            "roles": ["analysisTarget"],
        })
    return list(artifacts.values())


def _utc(timestamp: str) -> str | None:
    """SARIF wants UTC with a Z suffix; a timestamp that is not ISO 8601 is left out rather than guessed."""
    try:
        moment = datetime.datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
