"""The Japanese words every human-facing report uses for verdicts and sources."""

from __future__ import annotations

VERDICT_LABELS = {"pass": "適合", "fail": "不適合", "not-applicable": "対象外", "not-tested": "未検査", "error": "エラー"}
RUN_VERDICT_LABELS = {"pass": "適合", "fail": "不適合", "incomplete": "判定不能"}
BASIS_LABELS = {"official": "公式文書", "practice": "公開事例", "assumption": "仮定"}
CHARACTER_PROFILE_LABELS = {"gyosei-moji": "行政事務標準文字（既定）", "jisx0213": "JIS X 0213（宣言による）"}
"""The character repertoire the values were judged against (RunResult.character_profile)."""


def character_profile_label(profile: str) -> str:
    """How every human format names the run's character profile."""
    return CHARACTER_PROFILE_LABELS.get(profile, profile)


def changed_warning(path: str) -> str:
    """What every format says about an input whose SHA-256 changed during the run."""
    return f"{path} は実行中に変更されました（実行前後のSHA-256が異なります）。どのバイトを検査したか確定できないため、結果は適合の証明になりません。"
