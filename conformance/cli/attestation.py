"""`conformance keygen`, `attest` and `verify`, and the attestation `run --attest-key` writes (issue 21)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance import __version__
from conformance.attest import (
    AttestError,
    attestation,
    generate_key_pair,
    load_private_key,
    load_public_key,
    verify,
)
from conformance.cli.saved import ResultFileError, read_result_document
from conformance.cli.usage import USAGE_ERROR, unwritable
from conformance.pipeline import TargetError, target_digests
from conformance.results import terminal_safe
from conformance.spec import specs_root
from conformance.spec.files import file_digests

ATTESTATION_NAME = "conformance.intoto.jsonl"
"""What `run --attest-key` names the attestation of `conformance.json`, beside it."""
_MARKS = {"ok": "OK", "mismatch": "NG", "not-checked": "--"}


def _result_document(path: Path) -> tuple[bytes, dict[str, Any]]:
    """A saved JSON result: its bytes (what is signed) and its contents, valid against report.schema.json."""
    try:
        return read_result_document(path)
    except ResultFileError as error:
        raise AttestError(str(error)) from None


def run_attestation(key: Ed25519PrivateKey) -> Callable[[dict[str, bytes]], list[tuple[str, bytes]]]:
    """For `run --attest-key`: makes conformance.intoto.jsonl from the conformance.json about to be written."""
    def attach(rendered: dict[str, bytes]) -> list[tuple[str, bytes]]:
        document = rendered["conformance.json"]
        return [(ATTESTATION_NAME, attestation(document, json.loads(document), "conformance.json", key))]
    return attach


def keygen_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        private, public = generate_key_pair(arguments.output)
    except AttestError as error:
        stderr.write(f"conformance: {terminal_safe(str(error))}\n")
        return USAGE_ERROR
    stdout.write(f"wrote {private} (秘密鍵 private key, mode 0600: keep it secret)\nwrote {public} (公開鍵 public key: give it to verifiers)\n")
    return 0


def attest_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        key = load_private_key(arguments.key)
        document, data = _result_document(arguments.result)
        signed = attestation(document, data, arguments.result.name, key)
    except AttestError as error:
        stderr.write(f"conformance: {terminal_safe(str(error))}\n")
        return USAGE_ERROR
    try:
        arguments.output.write_bytes(signed)
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    stdout.write(f"wrote {arguments.output}\n")
    return 0


def _installed(paths: Sequence[str]) -> dict[str, str | None]:
    return file_digests(paths, specs_root())


def verify_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        public_key = load_public_key(arguments.pubkey)
        try:
            envelope = arguments.attestation.read_bytes()
        except OSError as error:
            raise AttestError(f"{arguments.attestation}: 読めません ({error.strerror})") from None
        document = None
        if arguments.result is not None:
            try:
                document = arguments.result.read_bytes()
            except OSError as error:
                raise AttestError(f"{arguments.result}: 読めません ({error.strerror})") from None
        files = target_digests(arguments.target) if arguments.target is not None else None
        checks = verify(envelope, public_key, result=document, target_files=files, installed=_installed,
                        installed_version=__version__)
    except (AttestError, TargetError) as error:
        stderr.write(f"conformance: {terminal_safe(str(error))}\n")
        return USAGE_ERROR
    for check in checks:
        stdout.write(f"{_MARKS[check.status]}  {check.name}: {terminal_safe(check.message)}\n")
        stdout.writelines(f"      {terminal_safe(detail)}\n" for detail in check.details)
    failed = [check for check in checks if check.status == "mismatch"]
    unchecked = [check for check in checks if check.status == "not-checked"]
    if failed:
        stdout.write(f"検証 verification: 不合格 FAILED（{len(failed)}件の不一致 / mismatches）\n")
        return 1
    note = f"（{len(unchecked)}件は未確認 / not checked）" if unchecked else ""
    stdout.write(f"検証 verification: 合格 passed{note}\n")
    return 0
