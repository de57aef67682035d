"""The in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md) of a conformance result:
subjects are the tested input files, the predicate what the result says and which suite said it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance.attest.dsse import sign_envelope
from conformance.attest.keys import AttestError

__all__ = ["PREDICATE_TYPE", "STATEMENT_TYPE", "attestation", "build_statement", "predicate_of", "serialise", "subjects"]

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://jichitai-conformance.invalid/attestation/conformance-result/v1"
"""Under the project's namespace (the `$id`s of specs/ and report.schema.json); `.invalid` never resolves
(RFC 2606): the README's "Verifying a result" documents the predicate."""


def _descriptor(name: str, sha256: str) -> dict[str, Any]:
    """An in-toto ResourceDescriptor naming a file by its SHA-256."""
    return {"name": name, "digest": {"sha256": sha256}}


def subjects(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The input files the result names, each once (a workbook's sheets are one file), in the result's order."""
    seen: dict[str, str] = {}
    for file in result.get("target", {}).get("files", ()):
        seen.setdefault(file["path"], file["sha256"])
    return [_descriptor(path, sha256) for path, sha256 in seen.items()]


def build_statement(document: bytes, result: dict[str, Any], result_name: str) -> dict[str, Any]:
    """The statement attesting `document` (the result file's bytes; `result` is it parsed and valid against
    report.schema.json). AttestError for a result that records no spec digests (made before report 1.2)."""
    suite = result["suite"]
    if not suite.get("files"):
        raise AttestError("結果に仕様ファイルのSHA-256がありません（report_version 1.2 より前の結果）。実行し直してください"
                          " / the result records no spec-file digests (made by an older suite): run it again")
    digest = hashlib.sha256(document).hexdigest()
    files = subjects(result)
    # API mode tests no file: the statement is then about the result document itself (README).
    return {
        "_type": STATEMENT_TYPE,
        "subject": files or [_descriptor(result_name, digest)],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate_of(result, result_name, digest),
    }


def predicate_of(result: dict[str, Any], result_name: str, digest: str) -> dict[str, Any]:
    """What the attestation says of a result: the suite and the digest of every spec file it used, the
    result file's digest, the run's summary and each requirement's verdict."""
    suite = result.get("suite", {})
    return {
        "suite": {"name": suite.get("name"), "version": suite.get("version"), "digest": suite.get("digest")},
        "specFiles": [_descriptor(file["path"], file["sha256"]) for file in suite.get("files", ())],
        "specs": [{"id": spec.get("id"), "version": spec.get("version")} for spec in result.get("specs", ())],
        "result": {**_descriptor(result_name, digest), "reportVersion": result.get("report_version")},
        "target": {"path": result.get("target", {}).get("path"), "mode": "files" if result.get("target", {}).get("files") else "api"},
        "started": result.get("started"),
        "finished": result.get("finished"),
        "asOf": result.get("options", {}).get("as_of"),
        "summary": result.get("summary"),
        "requirements": [{"id": r.get("id"), "verdict": r.get("verdict"), "findingsTotal": r.get("findings_total")}
                         for r in result.get("requirements", ())],
    }


def serialise(statement: dict[str, Any]) -> bytes:
    """The payload's bytes: compact UTF-8 JSON with sorted keys (any JSON would do: the bytes are signed)."""
    return json.dumps(statement, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def attestation(document: bytes, result: dict[str, Any], result_name: str, key: Ed25519PrivateKey) -> bytes:
    """The signed attestation of a result file: its statement in a DSSE envelope, as one line of JSON
    (the in-toto bundle convention, `.intoto.jsonl`)."""
    envelope = sign_envelope(serialise(build_statement(document, result, result_name)), key)
    return (json.dumps(envelope, separators=(",", ":")) + "\n").encode("ascii")
