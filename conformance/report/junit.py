"""JUnit XML: one testsuite per spec, one testcase per requirement, so CI shows requirements as tests."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

from conformance.report.labels import changed_warning, mapping_warnings, waiver_label
from conformance.results import REFERENCE_LABEL, RequirementResult, RunResult
from conformance.results.masking import INVISIBLE

_SHOWN_FINDINGS = 20
# Characters XML 1.0 cannot carry: ElementTree writes them as they are and the file no longer parses.
_NOT_XML = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff{INVISIBLE}]")


def _findings_text(requirement: RequirementResult) -> str:
    lines = [f"{finding.location}: {finding.message}" + (f" 値: {finding.value}" if finding.value else "")
             for finding in requirement.findings[:_SHOWN_FINDINGS]]
    hidden = requirement.findings_total - len(lines)
    if hidden > 0:
        lines.append(f"…ほか{hidden}件")
    lines.append(f"対処方法: {requirement.fix}")
    lines += [waiver_label(waiver) for waiver in requirement.waivers]
    return "\n".join(lines)


def _utc(moment: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(moment).astimezone(datetime.UTC)
    except ValueError:
        return None


def _identity(result: RunResult, spec_version: str) -> list[tuple[str, str]]:
    """What reproduces the run, as the JSON result records it: the suite's version and digest over its spec
    files, the spec's version, the date it judged by, and the target with each input's SHA-256."""
    pairs = [("suite_version", result.suite_version)]
    if result.suite_digest is not None:
        pairs.append(("suite_digest", result.suite_digest))
    pairs.append(("spec_version", spec_version))
    if result.options.get("as_of") is not None:
        pairs.append(("as_of", str(result.options["as_of"])))
    pairs.append(("target", result.target))
    for index, file in enumerate(result.files):
        pairs += [(f"input.{index}.path", file.path), (f"input.{index}.sha256", file.sha256)]
    return pairs


def render(result: RunResult) -> str:
    """The JUnit XML document as text, valid against the Ant (windyroad) and Jenkins JUnit schemas."""
    suites = ET.Element("testsuites")
    started, finished = _utc(result.started), _utc(result.finished)
    # The Ant schema wants a UTC timestamp without offset, and a duration in seconds.
    timestamp = started.strftime("%Y-%m-%dT%H:%M:%S") if started else ""
    seconds = f"{(finished - started).total_seconds():.3f}" if started and finished else "0"
    for index, spec in enumerate(result.specs):
        members = [r for r in result.requirements if r.operation == spec.id]
        suite = ET.SubElement(
            suites, "testsuite", name=f"{spec.id} {spec.version} {spec.name}", tests=str(len(members)),
            failures=str(sum(r.verdict == "fail" for r in members)),
            errors=str(sum(r.verdict == "error" for r in members)),
            # A waived requirement is skipped, not failed: the run is pass-with-waivers (--strict-waivers fails it).
            skipped=str(sum(r.verdict in ("not-applicable", "not-tested", "waived") for r in members)),
            timestamp=timestamp, time=seconds, package=spec.id, id=str(index), hostname="localhost",
        )
        # How many records each requirement judged: a testcase may hold no properties in the JUnit schemas.
        properties = ET.SubElement(suite, "properties")
        for name, value in _identity(result, spec.version):
            ET.SubElement(properties, "property", name=name, value=value)
        # How the values were judged: the character repertoire and whether check digits were (declarations).
        ET.SubElement(properties, "property", name="character_profile", value=result.character_profile)
        ET.SubElement(properties, "property", name="check_digits", value=result.check_digits)
        if result.mapping is not None:  # a reference result (--mapping), never a conformance result
            ET.SubElement(properties, "property", name="reference_only", value=REFERENCE_LABEL)
        for requirement in members:
            if requirement.records_checked is not None:
                ET.SubElement(properties, "property", name=f"{requirement.id}.records_checked",
                              value=str(requirement.records_checked))
            if requirement.columns_checked is not None:
                ET.SubElement(properties, "property", name=f"{requirement.id}.columns_checked",
                              value=str(requirement.columns_checked))
            for index, waiver in enumerate(requirement.waivers):
                ET.SubElement(properties, "property", name=f"{requirement.id}.waiver.{index}.{waiver.status}",
                              value=waiver_label(waiver))
        for requirement in members:
            case = ET.SubElement(suite, "testcase", classname=f"{spec.id}.{requirement.level}",
                                 name=f"{requirement.id} {requirement.title}", time="0")
            if requirement.verdict == "fail":
                failure = ET.SubElement(case, "failure", type="fail",
                                        message=f"{requirement.findings_total}件の指摘")
                failure.text = _findings_text(requirement)
            elif requirement.verdict == "waived":
                skipped = ET.SubElement(case, "skipped", message=f"waived: {requirement.reason or ''}")
                skipped.text = _findings_text(requirement)
            elif requirement.verdict == "error":
                ET.SubElement(case, "error", type="error", message=requirement.reason or "error")
            elif requirement.verdict in ("not-applicable", "not-tested"):
                ET.SubElement(case, "skipped", message=f"{requirement.verdict}: {requirement.reason or ''}")
        ET.SubElement(suite, "system-out")
        system_err = ET.SubElement(suite, "system-err")
        warnings = [changed_warning(path) for path in result.changed] + mapping_warnings(result)
        if warnings:
            system_err.text = "\n".join("警告: " + text for text in warnings)
    ET.indent(suites)
    document = ET.tostring(suites, encoding="unicode")
    # Vendor text may hold any character; the CI reading this file must still parse it.
    # Invisible characters (a BOM in a header name, U+2028) are shown as escapes too, as the console does.
    document = _NOT_XML.sub(lambda match: f"\\u{ord(match.group()):04x}", document)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + document + "\n"
