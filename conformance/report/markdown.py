"""Markdown summary for CI step summaries ($GITHUB_STEP_SUMMARY) and merge-request comments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from conformance.report.labels import (
    CHECK_DIGITS_TITLE,
    changed_warning,
    character_profile_label,
    check_digits_label,
    mapping_warnings,
    suite_label,
    waiver_counts,
    waiver_label,
)
from conformance.results import (
    REFERENCE_LABEL,
    VERDICTS,
    Finding,
    RequirementResult,
    RunResult,
    name_invisible,
)

COMMENT_LIMIT = 65_536
"""GitHub rejects a comment body longer than this (counted in UTF-16 code units, as JavaScript does)."""

# Room for what a CI job may wrap around the summary (a title, a link to the full report).
_BUDGET = COMMENT_LIMIT - 4_096
# Row caps tried in turn until the document fits the budget; 0 keeps only the heading and the counts.
_ROW_LIMITS = (200, 100, 50, 20, 5, 0)
# A single cell never dominates the document, whatever the data holds.
_CELL_CHARS = 300
_MAX_FILES = 10

HEADINGS = {"pass": "✅ 適合", "pass-with-waivers": "☑️ 免除付き適合", "fail": "❌ 不適合", "incomplete": "⚠️ 判定不能"}
VERDICT_NAMES = {
    "pass": "適合 (pass)",
    "fail": "不適合 (fail)",
    "waived": "免除 (waived)",
    "not-applicable": "対象外 (not-applicable)",
    "not-tested": "未検査 (not-tested)",
    "error": "エラー (error)",
}

# Numeric character references work in table cells, in list items and inside <details> (an HTML block,
# where backslash escapes would show literally); `&` and `\` are escaped so data cannot forge either.
_ESCAPES = str.maketrans({char: f"&#{ord(char)};" for char in "&\\|<>`*_[]~"})
# GitHub turns @names into notifications and bare URLs into links after entities are decoded, so a
# reference would not stop them: a zero-width space after `@`, `://` and `www.` does.
_LINKISH = re.compile(r"(@|://|(?i:www)\.)")
_NEWLINES = re.compile(r"\r\n|\r|\n")
# C0/C1 controls (other than the newlines handled above) render as nothing useful and can confuse viewers.
# Bidirectional overrides make a comment read differently from its bytes; lone surrogates (an
# undecodable byte of a file name) cannot be written at all.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escape(text: object, limit: int = _CELL_CHARS) -> str:
    """Data as inert one-line Markdown: specials as character references, links and @mentions defused, capped."""
    value = name_invisible(_CONTROLS.sub("\N{REPLACEMENT CHARACTER}", str(text)))
    if len(value) > limit:
        value = value[:limit] + "…"
    value = _LINKISH.sub("\\1\N{ZERO WIDTH SPACE}", value)
    return "<br>".join(part.translate(_ESCAPES) for part in _NEWLINES.split(value))


def utf16_length(text: str) -> int:
    """Length as GitHub counts it (UTF-16 code units: a character outside the BMP counts twice)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def render(result: RunResult) -> str:
    """The summary, with rows capped so that it fits a GitHub comment."""
    for limit in _ROW_LIMITS:
        text = _document(result, limit)
        if utf16_length(text) <= _BUDGET:
            return text
    return text


def _document(result: RunResult, limit: int) -> str:
    summary = result.summary
    specs = "、".join(f"{spec.id} {spec.version}" for spec in result.specs) or "仕様なし"
    reference = f"{REFERENCE_LABEL} " if result.mapping is not None else ""
    lines = [f"## {reference}{HEADINGS[summary.verdict]}（{summary.verdict}）: {escape(specs)}", ""]
    lines += _facts(result)
    lines += ["", "| 判定 | 要件数 |", "| --- | ---: |"]
    lines += [f"| {VERDICT_NAMES[verdict]} | {summary.counts.get(verdict, 0)} |" for verdict in VERDICTS]

    failing = [r for r in result.requirements if r.verdict == "fail"]
    if failing:
        lines += ["", f"### ❌ 不適合の要件（{len(failing)}件）", ""]
        lines += _table(("ID", "要件", "指摘数", "最初の指摘の場所", "内容", "対処方法"),
                        [_failing_row(r) for r in failing], limit, "要件")

    if result.waivers:
        lines += ["", f"### 免除（{escape(waiver_counts(result))}、基準日 {escape(result.options.get('as_of', ''))}）", ""]
        lines += _table(("ID", "判定", "免除"),
                        [(escape(r.id), VERDICT_NAMES[r.verdict], "<br>".join(escape(waiver_label(w)) for w in r.waivers))
                         for r in result.requirements if r.waivers], limit, "要件")

    untested = [r for r in result.requirements if r.verdict in ("not-tested", "error")]
    if untested:
        lines += ["", f"### ⚠️ 未検査・エラーの要件（{len(untested)}件）", ""]
        lines += _table(("ID", "要件", "判定", "理由"),
                        [(escape(r.id), escape(r.title), VERDICT_NAMES[r.verdict], escape(r.reason or "—"))
                         for r in untested], limit, "要件")

    passing = [r for r in result.requirements if r.verdict == "pass"]
    if passing:
        lines += _details(f"✅ 適合した要件（{len(passing)}件）",
                          [f"- {escape(r.id)} {escape(r.title)}{_checked(r)}" for r in passing], limit)
    not_applicable = [r for r in result.requirements if r.verdict == "not-applicable"]
    if not_applicable:
        lines += _details(f"対象外の要件（{len(not_applicable)}件）",
                          [f"- {escape(r.id)} {escape(r.title)}（{escape(r.reason or '対象外')}）" for r in not_applicable],
                          limit)
    lines += ["", f"<sub>jichitai-conformance {escape(result.suite_version)} ・ 開始 {escape(result.started)} ・ "
                  f"終了 {escape(result.finished)}</sub>"]
    return "\n".join(lines) + "\n"


def _facts(result: RunResult) -> list[str]:
    lines = []
    for spec in result.specs:
        document = f"（{escape(spec.documents[0])}）" if spec.documents else ""
        lines.append(f"- **仕様**: {escape(spec.id)} {escape(spec.version)} {escape(spec.name)}{document}")
    lines.append(f"- **対象**: {escape(result.target)}")
    described = []
    for file in result.files[:_MAX_FILES]:
        facts = [f"{file.records}件" if file.records is not None else "", f"sha256 {file.sha256[:12]}…"]
        described.append(f"{escape(file.path)}（{escape('、'.join(fact for fact in facts if fact))}）")
    if len(result.files) > _MAX_FILES:
        described.append(f"ほか{len(result.files) - _MAX_FILES}ファイル")
    if described:
        lines.append(f"- **ファイル**: {'、'.join(described)}")
    if result.ignored:
        lines.append(f"- **読み込まなかったファイル**: {len(result.ignored)}件")
    for path in result.changed[:_MAX_FILES]:
        lines.append("- ⚠️ **警告**: " + escape(changed_warning(path)))
    lines += ["- ⚠️ **" + REFERENCE_LABEL + "**: " + escape(warning) for warning in mapping_warnings(result)]
    if result.declaration:
        system = result.declaration.get("system", {})
        lines.append(f"- **宣言**: {escape(system.get('name', ''))} {escape(system.get('version', ''))}")
    lines.append(f"- **文字の判定**: {escape(character_profile_label(result.character_profile))}")
    lines.append(f"- **{CHECK_DIGITS_TITLE}**: {escape(check_digits_label(result.check_digits))}")
    lines.append(f"- **スイート**: {escape(suite_label(result.suite_version, result.suite_digest, len(result.spec_files)))}")
    return lines


def _failing_row(requirement: RequirementResult) -> tuple[str, ...]:
    first: Finding | None = requirement.findings[0] if requirement.findings else None
    where = escape(str(first.location) or "—") if first else "—"
    if first is None:
        what = "—"
    else:
        what = escape(first.message) + (f" 値: {escape(first.value)}" if first.value else "")
        if requirement.findings_total > 1:
            what += f"（ほか{requirement.findings_total - 1}件）"
    return (escape(requirement.id), escape(requirement.title), str(requirement.findings_total), where, what,
            escape(requirement.fix))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], limit: int, noun: str) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"] if limit else []
    lines += ["| " + " | ".join(row) + " |" for row in rows[:limit]]
    lines += _left_out(len(rows) - limit, noun)
    return lines


def _details(summary: str, items: Iterable[str], limit: int) -> list[str]:
    listed = list(items)
    # Blank lines around the list let GitHub and GitLab render it as Markdown inside the HTML block.
    return ["", "<details>", f"<summary>{summary}</summary>", "", *listed[:limit],
            *_left_out(len(listed) - limit, "要件"), "", "</details>"]


def _left_out(count: int, noun: str) -> list[str]:
    if count <= 0:
        return []
    return ["", f"…ほか{count}件の{noun}は省略しました（全件は JSON などの結果を参照してください）。"]


def _checked(requirement: RequirementResult) -> str:
    """How many records (or header columns) a passing requirement judged, where it counts them."""
    if requirement.columns_checked is not None:
        return f"（検査列 {requirement.columns_checked}列）"
    return "" if requirement.records_checked is None else f"（検査レコード {requirement.records_checked}件）"
