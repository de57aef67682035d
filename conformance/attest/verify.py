"""`conformance verify`: four independent checks of an attestation, each reported on its own line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conformance.attest.dsse import PAYLOAD_TYPE, parse_envelope
from conformance.attest.keys import key_id
from conformance.attest.statement import PREDICATE_TYPE, STATEMENT_TYPE, predicate_of, subjects
from conformance.results.masking import mask_my_numbers

__all__ = ["Check", "verify"]

Status = Literal["ok", "mismatch", "not-checked"]
_MAX_DETAILS = 20


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome: what was checked, its status, one message (Japanese / English) and details."""

    name: str
    status: Status
    message: str
    details: tuple[str, ...] = ()


def _short(digest: str | None) -> str:
    return f"{digest[:12]}…" if digest else "（なし）"


def _signature(envelope_bytes: bytes, public_key: Ed25519PublicKey) -> tuple[Check, dict[str, Any] | None]:
    """The envelope is signed by the key, and its payload is an in-toto Statement of this predicate type."""
    envelope = parse_envelope(envelope_bytes)
    outcome = envelope.check(public_key)
    name = "署名 signature"
    if outcome == "other-key":
        return Check(name, "mismatch", f"指定の公開鍵とは別の鍵で署名されています（署名 keyid {_short(envelope.key_ids[0])}、"
                     f"公開鍵 keyid {_short(key_id(public_key))}） / signed by a different key, not the given public key"), None
    if outcome == "bad-signature":
        return Check(name, "mismatch", "署名が内容と一致しません。証明書は署名の後で書き換えられています"
                     " / the signature does not match the content: the attestation was altered after signing"), None
    try:
        statement = json.loads(envelope.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        statement = None
    if (envelope.payload_type != PAYLOAD_TYPE or not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE
            or statement.get("predicateType") != PREDICATE_TYPE or not isinstance(statement.get("predicate"), dict)):
        return Check(name, "mismatch", f"署名は正しいものの、適合確認の証明（{PREDICATE_TYPE}）ではありません"
                     " / validly signed, but not a conformance attestation of this suite"), None
    return Check(name, "ok", f"公開鍵 keyid {_short(key_id(public_key))} の署名を確認しました / signed by the given key"), statement


def _differences(recorded: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """What differs between the attested predicate and the one the given result makes, part by part."""
    lines = []
    recorded_verdicts = {r.get("id"): r.get("verdict") for r in recorded.get("requirements", ())}
    given_verdicts = {r.get("id"): r.get("verdict") for r in given.get("requirements", ())}
    for requirement in sorted(set(recorded_verdicts) | set(given_verdicts), key=str):
        before, after = recorded_verdicts.get(requirement, "（なし）"), given_verdicts.get(requirement, "（なし）")
        if before != after:
            lines.append(f"{requirement}: 証明 {before} → 結果 {after}")
    for part, label in (("summary", "判定と件数 summary"), ("suite", "スイート suite"), ("specFiles", "仕様ファイル spec files"),
                        ("specs", "仕様 specs"), ("target", "対象 target"), ("started", "開始 started"),
                        ("finished", "終了 finished"), ("asOf", "基準日 as-of")):
        if recorded.get(part) != given.get(part):
            lines.append(f"{label} が異なります / differs")
    return lines


def _result(predicate: dict[str, Any], statement: dict[str, Any], document: bytes | None) -> Check:
    """The given result file is the attested one: its SHA-256, and what it says, part by part."""
    name = "結果 result"
    if document is None:
        return Check(name, "not-checked", "--result が指定されていないため確認していません / not checked: no --result given")
    digest = hashlib.sha256(document).hexdigest()
    attested = predicate.get("result", {}) if isinstance(predicate.get("result"), dict) else {}
    recorded = attested.get("digest", {}).get("sha256") if isinstance(attested.get("digest"), dict) else None
    try:
        result = json.loads(document)
        given = predicate_of(result, str(attested.get("name")), digest)
        details = _differences(predicate, given)
        details += [] if subjects(result) == statement.get("subject") or not result.get("target", {}).get("files") \
            else ["入力ファイルとそのSHA-256 が異なります / the input files differ"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
        details = ["適合確認の結果（JSON）として読めません / not a JSON result"]
    if digest == recorded and not details:
        return Check(name, "ok", f"結果ファイルのSHA-256 {_short(digest)} が証明と一致します / the result is the attested one")
    return Check(name, "mismatch", f"結果ファイルが証明されたものと異なります（SHA-256 証明 {_short(recorded)}、結果 {_short(digest)}）"
                 " / the result was changed after it was attested", tuple(details[:_MAX_DETAILS]))


def _target(statement: dict[str, Any], predicate: dict[str, Any], files: Sequence[tuple[str, str]] | None) -> Check:
    """Every input file the statement names is in the export with its SHA-256, and the export holds no other."""
    name = "入力 target"
    if files is None:
        return Check(name, "not-checked", "--target が指定されていないため確認していません / not checked: no --target given")
    if predicate.get("target", {}).get("mode") == "api":
        return Check(name, "mismatch", "APIモードの結果です。照合できる入力ファイルはありません / an API-mode result names no input files")
    recorded = {s.get("name"): s.get("digest", {}).get("sha256") for s in statement.get("subject", ()) if isinstance(s, dict)}
    # Paths in a result are masked for 個人番号-like digits (results/masking.py): the export's are masked alike.
    present = {mask_my_numbers(display): digest for display, digest in files}
    details = []
    for path, digest in recorded.items():
        if path not in present:
            details.append(f"{path}: ファイルがありません / missing")
        elif present[path] != digest:
            details.append(f"{path}: SHA-256 が異なります（差し替えられています） / a different file (SHA-256 differs)")
    details += [f"{path}: 証明にないファイルです / not in the attestation" for path in present if path not in recorded]
    if not details:
        return Check(name, "ok", f"入力ファイル {len(recorded)}個すべてのSHA-256が一致します / every input file has its attested digest")
    return Check(name, "mismatch", "入力ファイルが検査されたものと異なります / the export is not the one that was tested",
                 tuple(details[:_MAX_DETAILS]))


def _suite(predicate: dict[str, Any], installed: Callable[[Sequence[str]], Mapping[str, str | None]],
           installed_version: str) -> Check:
    """The spec files the run used have the same SHA-256 in the installed suite, and its version is the same."""
    name = "スイート suite"
    files = {d.get("name"): d.get("digest", {}).get("sha256") for d in predicate.get("specFiles", ()) if isinstance(d, dict)}
    suite = predicate.get("suite", {})
    if not files:
        return Check(name, "mismatch", "証明に仕様ファイルのSHA-256がありません / the attestation records no spec-file digests")
    now = installed([str(path) for path in files])
    details = [f"{path}: インストール済みのスイートにありません / not in the installed suite" if now.get(str(path)) is None
               else f"{path}: SHA-256 が異なります / differs"
               for path, digest in files.items() if now.get(str(path)) != digest]
    if suite.get("version") != installed_version:
        details.insert(0, f"スイートの版: 証明 {suite.get('version')}、インストール済み {installed_version} / suite version differs")
    if not details:
        return Check(name, "ok", f"仕様ファイル {len(files)}件のSHA-256がインストール済みのスイートと一致します"
                     f"（jichitai-conformance {installed_version}、{str(suite.get('digest'))[:19]}） / the installed suite is the one that produced the result")
    return Check(name, "mismatch", f"結果を作ったスイートとインストール済みのスイートが異なります（証明 {suite.get('version')} "
                 f"{str(suite.get('digest'))[:19]}） / a different suite version produced the result", tuple(details[:_MAX_DETAILS]))


def verify(envelope: bytes, public_key: Ed25519PublicKey, *, result: bytes | None, target_files: Sequence[tuple[str, str]] | None,
           installed: Callable[[Sequence[str]], Mapping[str, str | None]], installed_version: str) -> list[Check]:
    """The four checks, in order: signature, result, target, suite. AttestError when the envelope cannot be
    read at all; a check that cannot be trusted (its payload is not authentic) is `not-checked`."""
    signature, statement = _signature(envelope, public_key)
    if statement is None:
        untrusted = "署名を確認できないため確認していません / not checked: the signature is not valid"
        return [signature] + [Check(name, "not-checked", untrusted) for name in ("結果 result", "入力 target", "スイート suite")]
    predicate = statement["predicate"]
    checks = [signature]
    steps: tuple[tuple[str, Callable[[], Check]], ...] = (
        ("結果 result", lambda: _result(predicate, statement, result)),
        ("入力 target", lambda: _target(statement, predicate, target_files)),
        ("スイート suite", lambda: _suite(predicate, installed, installed_version)),
    )
    for name, check in steps:
        try:
            checks.append(check())
        except (AttributeError, KeyError, TypeError):  # signed, yet not shaped as this suite writes it
            checks.append(Check(name, "mismatch", "証明の内容がこの形式ではありません / the statement is malformed"))
    return checks
