"""Signed checkpoints without a database: the message, Ed25519 keys, signing and checking.

A checkpoint says "the tenant's ledger stood at (seq, hash) at this time", signed by the
service. An auditor who keeps it can prove later that rows up to ``seq`` existed with that
chain, so a tail cut off inside the database cannot pass for the whole ledger.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.clock import rfc3339

MESSAGE_HEADER = "complaints-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    tenant_id: UUID
    seq: int
    hash: bytes
    signed_at: datetime
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        return checkpoint_message(self.tenant_id, self.seq, self.hash, self.signed_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "tenant_id": str(self.tenant_id),
            "seq": self.seq,
            "hash": self.hash.hex(),
            "signed_at": rfc3339(self.signed_at),
            "key_id": self.key_id,
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(
            tenant_id=UUID(data["tenant_id"]),
            seq=int(data["seq"]),
            hash=bytes.fromhex(data["hash"]),
            signed_at=datetime.fromisoformat(data["signed_at"]),
            key_id=data["key_id"],
            signature=bytes.fromhex(data["signature"]),
        )


def checkpoint_message(tenant_id: UUID, seq: int, hash: bytes, signed_at: datetime) -> bytes:
    # Plain text, so an auditor can rebuild it with any tool (docs/audit.md).
    return (
        f"{MESSAGE_HEADER}\ntenant {tenant_id}\nseq {seq}\nhash {hash.hex()}\n"
        f"signed_at {rfc3339(signed_at)}\n"
    ).encode()


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def signature_holds(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    if checkpoint.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(checkpoint.signature, checkpoint.message())
    except InvalidSignature:
        return False
    return True


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    def sign(self, tenant_id: UUID, seq: int, hash: bytes, signed_at: datetime) -> Checkpoint:
        message = checkpoint_message(tenant_id, seq, hash, signed_at)
        signature = self.private_key.sign(message)
        return Checkpoint(tenant_id, seq, hash, signed_at, self.key_id, signature)

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        return cls(load_or_create_key(path))


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``, made on first use. Several processes may start at once: the
    first to link its key file wins and the others read that one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        # created private (0600) from the start, not made private after the fact
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(pem)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key
