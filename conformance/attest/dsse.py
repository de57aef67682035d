"""DSSE v1 envelopes (github.com/secure-systems-lab/dsse, protocol.md and envelope.md): the signature is
Ed25519 over PAE(payloadType, payload); keyid is a hint to pick the key, never a reason to trust one."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance.attest.keys import AttestError, key_id

__all__ = ["PAYLOAD_TYPE", "Envelope", "pae", "parse_envelope", "sign_envelope"]

PAYLOAD_TYPE = "application/vnd.in-toto+json"
"""The payload is an in-toto Statement (JSON): the type DSSE's protocol.md gives as its example."""


def pae(payload_type: str, body: bytes) -> bytes:
    """Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in ASCII decimal."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def sign_envelope(body: bytes, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The JSON envelope of `body`, signed by `key` (standard base64, keyid = SHA-256 of the public key)."""
    signature = key.sign(pae(PAYLOAD_TYPE, body))
    return {
        "payload": base64.b64encode(body).decode("ascii"),
        "payloadType": PAYLOAD_TYPE,
        "signatures": [{"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode("ascii")}],
    }


def _decode(text: Any, what: str) -> bytes:
    """Standard or URL-safe base64, padded or not: DSSE's verifiers MUST accept either."""
    if not isinstance(text, str):
        raise AttestError(f"DSSEエンベロープの {what} が文字列ではありません / envelope {what} is not a string")
    try:
        standard = text.replace("-", "+").replace("_", "/")
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise AttestError(f"DSSEエンベロープの {what} がbase64ではありません / envelope {what} is not base64") from None


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded DSSE envelope: nothing in it is trusted until `check` says which key signed it."""

    payload_type: str
    body: bytes
    signatures: tuple[tuple[str, bytes], ...]

    def check(self, public_key: Ed25519PublicKey) -> Literal["ok", "other-key", "bad-signature"]:
        """`ok` when a signature verifies under `public_key`; else `other-key` when every signature names
        another key (the keyid hint only chooses the message), or `bad-signature` (the envelope was altered)."""
        message = pae(self.payload_type, self.body)
        for _, signature in self.signatures:
            try:
                public_key.verify(signature, message)
            except InvalidSignature:
                continue
            return "ok"
        ours = key_id(public_key)
        named = [keyid for keyid, _ in self.signatures if keyid]
        return "other-key" if named and ours not in named else "bad-signature"

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The keyids the signatures name (unauthenticated hints)."""
        return tuple(keyid for keyid, _ in self.signatures if keyid)


def parse_envelope(data: bytes) -> Envelope:
    """A DSSE JSON envelope (envelope.md; one JSON document, or the first line of a .intoto.jsonl file)."""
    try:
        text = data.decode("utf-8")
        try:
            document = json.loads(text)
        except json.JSONDecodeError:  # a bundle: one envelope per line, the first one is read
            document = json.loads(text.strip().splitlines()[0])
    except (UnicodeDecodeError, json.JSONDecodeError, IndexError):
        raise AttestError("DSSEエンベロープ（JSON）として読めません / not a DSSE envelope (JSON)") from None
    if not isinstance(document, dict) or not isinstance(document.get("signatures"), list) or not document["signatures"]:
        raise AttestError("DSSEエンベロープに payload・payloadType・signatures がありません / not a DSSE envelope")
    if not isinstance(document.get("payloadType"), str):
        raise AttestError("DSSEエンベロープの payloadType が文字列ではありません / envelope payloadType is not a string")
    signatures = []
    for entry in document["signatures"]:
        if not isinstance(entry, dict):
            raise AttestError("DSSEエンベロープの署名が読めません / an envelope signature is not an object")
        keyid = entry.get("keyid") or ""
        signatures.append((keyid if isinstance(keyid, str) else "", _decode(entry.get("sig"), "sig")))
    return Envelope(document["payloadType"], _decode(document.get("payload"), "payload"), tuple(signatures))
