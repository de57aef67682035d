"""Attestations of a result (issue 21): Ed25519 keys, an in-toto Statement v1 in a DSSE envelope, and the
checks of `conformance verify`. Uses results only (and `cryptography`); only the CLI imports it."""

from __future__ import annotations

from conformance.attest.dsse import PAYLOAD_TYPE, Envelope, pae, parse_envelope, sign_envelope
from conformance.attest.keys import (
    PRIVATE_SUFFIX,
    PUBLIC_SUFFIX,
    AttestError,
    generate_key_pair,
    key_id,
    load_private_key,
    load_public_key,
)
from conformance.attest.statement import (
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    attestation,
    build_statement,
    serialise,
)
from conformance.attest.verify import Check, verify

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "PRIVATE_SUFFIX",
    "PUBLIC_SUFFIX",
    "STATEMENT_TYPE",
    "AttestError",
    "Check",
    "Envelope",
    "attestation",
    "build_statement",
    "generate_key_pair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "pae",
    "parse_envelope",
    "serialise",
    "sign_envelope",
    "verify",
]

