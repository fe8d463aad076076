"""Per-tenant data keys: the ``KeyProvider`` port and its development adapter, a key file.

Each tenant has numbered AES-256 keys; the newest seals new personal data, and every older
one stays readable until the tenant's keys are destroyed. Destroying them is offboarding's
crypto-shredding: what they sealed can never be read again, while the ledger keeps its bytes.

The port is synchronous because decoding is (replay, projections): a provider backed by a
remote KMS unwraps a tenant's keys once and keeps them in memory, as this one does.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from domain.errors import DomainError

KEY_BYTES = 32  # AES-256


class KeysDestroyed(DomainError):
    """The tenant was offboarded: its keys are gone, and it takes no new events."""


class KeyNotFound(Exception):
    """A key the ledger names is not in the store, and was never destroyed: a store that lost
    keys or a wrong key directory. Never read as erased, so it cannot pass unnoticed."""


class KeyProvider(Protocol):
    def current(self, tenant_id: UUID) -> tuple[int, bytes]:
        """The (version, key) that seals new data; made on first use. ``KeysDestroyed`` once
        the tenant's keys are destroyed."""
        ...

    def get(self, tenant_id: UUID, version: int) -> bytes | None:
        """That version's key; None once the tenant's keys are destroyed, ``KeyNotFound`` if
        it never existed."""
        ...

    def rotate(self, tenant_id: UUID) -> int:
        """Make a new current key and return its version; older versions stay readable."""
        ...

    def destroy(self, tenant_id: UUID) -> None:
        """Forget every key of the tenant for good; idempotent."""
        ...


@dataclass(frozen=True)
class _Record:
    current: int
    keys: dict[int, bytes]
    destroyed_at: str | None = None


class FileKeyProvider:
    """One JSON file a tenant, ``<directory>/<tenant id hex>.json``, mode 0600.

    Every process of a deployment must share the directory. A file is read again whenever it
    changed on disk (one ``stat`` a lookup), so a rotation or destruction made by another
    process is seen at its next lookup. Changes run under an exclusive lock on
    ``<tenant>.lock`` and land by atomic rename; a destroyed tenant's file becomes a tombstone,
    so no later lookup makes it a fresh key.

    For development: a file system may keep a destroyed key's old blocks. Production wants a
    provider over a KMS or HSM, where destroying a key is the service's guarantee.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache: dict[UUID, tuple[tuple[int, int, int], _Record]] = {}
        self._paths: dict[UUID, str] = {}

    def current(self, tenant_id: UUID) -> tuple[int, bytes]:
        record = self._read(tenant_id)
        if record is None:
            with self._locked(tenant_id):
                record = self._read(tenant_id) or self._write(
                    tenant_id, _Record(1, {1: secrets.token_bytes(KEY_BYTES)})
                )
        if record.destroyed_at is not None:
            raise KeysDestroyed(f"tenant {tenant_id} was offboarded; its keys are destroyed")
        return record.current, record.keys[record.current]

    def get(self, tenant_id: UUID, version: int) -> bytes | None:
        record = self._read(tenant_id)
        if record is not None and record.destroyed_at is not None:
            return None
        if record is None or version not in record.keys:
            raise KeyNotFound(f"no key {version} of tenant {tenant_id} in {self.directory}")
        return record.keys[version]

    def rotate(self, tenant_id: UUID) -> int:
        self.current(tenant_id)  # refuses a destroyed tenant; makes the first key if none
        with self._locked(tenant_id):
            record = self._read(tenant_id)
            assert record is not None and record.destroyed_at is None
            version = max(record.keys) + 1
            keys = {**record.keys, version: secrets.token_bytes(KEY_BYTES)}
            return self._write(tenant_id, _Record(version, keys)).current

    def destroy(self, tenant_id: UUID) -> None:
        with self._locked(tenant_id):
            path = self._path(tenant_id)
            with contextlib.suppress(FileNotFoundError), path.open("r+b") as old:
                # Best effort against the old bytes lingering in place; see the class docstring.
                old.write(b"\0" * os.fstat(old.fileno()).st_size)
                old.flush()
                os.fsync(old.fileno())
            self._write(tenant_id, _Record(0, {}, datetime.now(UTC).isoformat()))

    # --- the files ---------------------------------------------------------------------

    def _path(self, tenant_id: UUID) -> Path:
        return self.directory / f"{tenant_id.hex}.json"

    def _read(self, tenant_id: UUID) -> _Record | None:
        path = self._paths.get(tenant_id) or self._paths.setdefault(
            tenant_id, str(self._path(tenant_id))
        )
        try:
            stat = os.stat(path)  # on every lookup: pathlib's would cost more than the AES
        except FileNotFoundError:
            self._cache.pop(tenant_id, None)
            return None
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(tenant_id)
        if cached is not None and cached[0] == signature:
            return cached[1]
        with open(path, "rb") as file:
            record = _decode(json.loads(file.read()))
        self._cache[tenant_id] = (signature, record)
        return record

    def _write(self, tenant_id: UUID, record: _Record) -> _Record:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._path(tenant_id)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(json.dumps(_encode(tenant_id, record), indent=1).encode())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)
        self._cache.pop(tenant_id, None)
        return record

    @contextlib.contextmanager
    def _locked(self, tenant_id: UUID) -> Iterator[None]:
        """Across processes: two first uses or rotations must not each write their own key."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(
            self.directory / f"{tenant_id.hex}.lock", os.O_RDWR | os.O_CREAT, 0o600
        )
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)


def _encode(tenant_id: UUID, record: _Record) -> dict[str, Any]:
    if record.destroyed_at is not None:
        return {"tenant_id": str(tenant_id), "destroyed_at": record.destroyed_at}
    return {
        "tenant_id": str(tenant_id),
        "current": record.current,
        "keys": {str(v): key.hex() for v, key in sorted(record.keys.items())},
    }


def _decode(data: dict[str, Any]) -> _Record:
    if data.get("destroyed_at"):
        return _Record(0, {}, data["destroyed_at"])
    return _Record(data["current"], {int(v): bytes.fromhex(k) for v, k in data["keys"].items()})
