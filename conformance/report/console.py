"""The console summary: one line per requirement, the first findings and the fix under each failure."""

from __future__ import annotations

from conformance.report.labels import (
    changed_warning,
    character_profile_label,
    check_digits_label,
    mapping_warnings,
    run_verdict_text,
    suite_label,
    waiver_counts,
    waiver_label,
)
from conformance.results import REFERENCE_LABEL, RunResult, terminal_safe

LABELS = {"pass": "PASS", "fail": "FAIL", "waived": "WAIV", "not-applicable": "N/A ", "not-tested": "SKIP", "error": "ERR "}
_SHOWN_FINDINGS = 3


def render(result: RunResult) -> str:
    """Plain text, readable in a terminal and in a CI log."""
    lines = [f"{suite_label(result.suite_version, result.suite_digest, len(result.spec_files))}  適合確認 / conformance run",
             f"対象 target: {result.target}"]
    for file in result.files:
        facts = [f"{file.records}件" if file.records is not None else "", f"sha256 {file.sha256[:12]}…",
                 "BOMあり" if file.bom else "", file.note or ""]
        lines.append(f"  {file.path}  " + "  ".join(fact for fact in facts if fact))
    for path, reason in result.ignored:
        lines.append(f"  {path}  （読み込みません: {reason}）")
    for path in result.changed:
        lines.append("  警告: " + changed_warning(path))
    lines += [f"  {REFERENCE_LABEL}: " + warning.split(": ", 1)[1] for warning in mapping_warnings(result)]
    for path in result.row_wise:
        lines.append(f"  注: {path} のスキーマは1件ずつ検証しました（SQLに変換できないキーワードがあるため。指摘は同じで、時間がかかります）")
    for spec in result.specs:
        lines.append(f"仕様 spec: {spec.id} {spec.version} {spec.name}（{'、'.join(spec.documents[:1])}）")
    if result.declaration:
        system = result.declaration["system"]
        lines.append(f"宣言 declaration: {system.get('name', '')} {system.get('version', '')}")
    lines.append(f"文字 characters: {character_profile_label(result.character_profile)}")
    lines.append(f"検査数字 check digits: {check_digits_label(result.check_digits)}")
    lines.append("")
    for requirement in result.requirements:
        count = f"  ({requirement.findings_total}件)" if requirement.findings_total else ""
        if requirement.records_checked is not None and requirement.verdict != "not-applicable":
            count += f"  [検査レコード {requirement.records_checked}件]"
        if requirement.columns_checked is not None and requirement.verdict != "not-applicable":
            count += f"  [検査列 {requirement.columns_checked}列]"
        lines.append(f"{LABELS[requirement.verdict]}  {requirement.id}  {requirement.level}  {requirement.title}{count}")
        if requirement.reason and requirement.verdict not in ("not-applicable", "waived"):
            lines.append(f"      理由: {requirement.reason}")
        lines += [f"      {waiver_label(waiver)}" for waiver in requirement.waivers]
        for finding in requirement.findings[:_SHOWN_FINDINGS]:
            value = f"  値: {finding.value}" if finding.value else ""
            lines.append(f"      {finding.location}: {finding.message}{value}")
        hidden = requirement.findings_total - min(len(requirement.findings), _SHOWN_FINDINGS)
        if hidden > 0:
            lines.append(f"      …ほか{hidden}件")
        if requirement.verdict == "fail":
            lines.append(f"      対処方法: {requirement.fix}")
    summary = result.summary
    counts = " / ".join(f"{verdict} {count}" for verdict, count in summary.counts.items())
    lines += ["", f"判定 verdict: {run_verdict_text(result)} ({summary.verdict})   {counts}"]
    if result.waivers:
        lines.append(f"免除 waivers: {waiver_counts(result)}（基準日 {result.options.get('as_of', '')}）")
    # Vendor text (file and item names, values) must not drive the terminal it is printed on.
    return "\n".join(terminal_safe(line).replace("\n", "\\n") for line in lines) + "\n"
