"""The Japanese words every human-facing report uses for verdicts and sources."""

from __future__ import annotations

from conformance.results import REFERENCE_LABEL, RunResult, Waiver
from conformance.results.identity import short_digest
from conformance.results.waivers import WAIVER_STATUS_LABELS

VERDICT_LABELS = {"pass": "適合", "fail": "不適合", "waived": "免除", "not-applicable": "対象外", "not-tested": "未検査",
                  "error": "エラー"}
RUN_VERDICT_LABELS = {"pass": "適合", "pass-with-waivers": "免除付き適合", "fail": "不適合", "incomplete": "判定不能"}
BASIS_LABELS = {"official": "公式文書", "practice": "公開事例", "assumption": "仮定"}
CHARACTER_PROFILE_LABELS = {"gyosei-moji": "行政事務標準文字（既定）", "jisx0213": "JIS X 0213（宣言による）"}
"""The character repertoire the values were judged against (RunResult.character_profile)."""


def character_profile_label(profile: str) -> str:
    """How every human format names the run's character profile."""
    return CHARACTER_PROFILE_LABELS.get(profile, profile)


CHECK_DIGITS_TITLE = "宛名番号等の検査数字"
CHECK_DIGITS_LABELS = {
    "legacy": "宣言なし: 桁数と数字のみ判定（検査数字は宣言された場合にのみ判定します。"
              "住民記録システム標準仕様書 1.1.13: 既存の番号は検査数字なし）",
    "all": "モジュラス11の検査数字も判定（宣言による: すべての番号が検査数字付き）",
}
"""Whether the modulus-11 numbers (宛名番号・世帯番号 …) were judged with their check digit (RunResult.check_digits)."""


def check_digits_label(check_digits: str) -> str:
    """How every human format says whether the run judged the check digits of 宛名番号・世帯番号."""
    return CHECK_DIGITS_LABELS.get(check_digits, check_digits)


def suite_label(suite_version: str, suite_digest: str | None, spec_files: int) -> str:
    """How every human format names the suite: its version and, for a result that records them, the
    short digest over the spec files the run used (the full one is in the JSON result, suite.digest)."""
    if suite_digest is None:
        return f"jichitai-conformance {suite_version}"
    return f"jichitai-conformance {suite_version}（仕様ファイル {spec_files}件 {short_digest(suite_digest)}）"


def mapping_warnings(result: RunResult) -> list[str]:
    """What every format says about a run read through --mapping: a reference result, not a conformance result."""
    if result.mapping is None:
        return []
    return [f"{REFERENCE_LABEL}: 対応付けファイル {result.mapping.get('path', '')}（SHA-256 {result.mapping.get('sha256', '')}）"
            "で列と値を読み替えた結果です。参考結果であり、適合確認の結果ではありません（適合の判定にはなりません）。"]


def run_verdict_text(result: RunResult) -> str:
    """The run's verdict in Japanese, marked 対応付けあり（参考結果） for a mapped run."""
    label = RUN_VERDICT_LABELS[result.summary.verdict]
    return f"{REFERENCE_LABEL} {label}" if result.mapping is not None else label


def changed_warning(path: str) -> str:
    """What every format says about an input whose SHA-256 changed during the run."""
    return f"{path} は実行中に変更されました（実行前後のSHA-256が異なります）。どのバイトを検査したか確定できないため、結果は適合の証明になりません。"


def waiver_label(waiver: Waiver) -> str:
    """How every human format names one waiver and what the run made of it (README, Waivers)."""
    counted = f"、指摘{waiver.findings_waived}件" if waiver.status in ("applied", "partial") else ""
    return f"{waiver.requirement} 免除【{WAIVER_STATUS_LABELS.get(waiver.status, waiver.status)}{counted}】{waiver.describe()}"


def waiver_counts(result: RunResult) -> str:
    """The waivers of a run counted by status, e.g. `適用 1・未使用 1・期限切れ 1` ('' without waivers)."""
    counts: dict[str, int] = {}
    for waiver in result.waivers:
        counts[waiver.status] = counts.get(waiver.status, 0) + 1
    return "・".join(f"{WAIVER_STATUS_LABELS[status]} {count}" for status, count in counts.items())
