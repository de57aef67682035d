"""Ed25519 key pairs for attestations: made, read and named (keyid); a private key is never printed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["PRIVATE_SUFFIX", "PUBLIC_SUFFIX", "AttestError", "generate_key_pair", "key_id", "load_private_key",
           "load_public_key"]

PRIVATE_SUFFIX = ".key.pem"
PUBLIC_SUFFIX = ".pub.pem"


class AttestError(Exception):
    """An input of keygen, attest or verify that cannot be read or used (exit code 2). Never quotes a key."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's id: the SHA-256 (hex) of its DER SubjectPublicKeyInfo, i.e. of the PEM file's decoded body."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def generate_key_pair(prefix: Path) -> tuple[Path, Path]:
    """PREFIX.key.pem (PKCS#8, mode 0600, created exclusively) and PREFIX.pub.pem; never overwrites."""
    private_path = prefix.with_name(prefix.name + PRIVATE_SUFFIX)
    public_path = prefix.with_name(prefix.name + PUBLIC_SUFFIX)
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise AttestError(f"{path}: 既にあります。上書きしません / already exists, not overwritten")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        # O_EXCL: a file (or a symlink planted meanwhile) is never written through; 0600 from the first byte.
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            os.fchmod(stream.fileno(), 0o600)
            stream.write(private_pem)
        descriptor = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(public_pem)
    except OSError as error:
        raise AttestError(f"{prefix}: 鍵を書き込めません / cannot write the key pair ({error.strerror})") from None
    return private_path, public_path


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise AttestError(f"{path}: {what}を読めません / cannot read the key ({error.strerror})") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file (unencrypted PKCS#8, as keygen writes it)."""
    data = _read(path, "秘密鍵")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise AttestError(f"{path}: 暗号化された秘密鍵には対応していません / encrypted private keys are not supported") from None
    except (ValueError, UnsupportedAlgorithm):
        raise AttestError(f"{path}: PEM形式の秘密鍵ではありません / not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AttestError(f"{path}: Ed25519の秘密鍵ではありません / not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM file (SubjectPublicKeyInfo, as keygen writes it)."""
    data = _read(path, "公開鍵")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise AttestError(f"{path}: PEM形式の公開鍵ではありません / not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AttestError(f"{path}: Ed25519の公開鍵ではありません / not an Ed25519 public key")
    return key
