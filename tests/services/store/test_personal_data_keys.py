"""The development key provider: one 0600 file a tenant, shared by every process."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from uuid import uuid4

import pytest

from services.store.data_keys import FileKeyProvider, KeyNotFound, KeysDestroyed


def test_a_key_is_made_on_first_use_in_a_file_only_its_owner_reads(tmp_path: Path) -> None:
    keys, tenant = FileKeyProvider(tmp_path / "keys"), uuid4()
    version, key = keys.current(tenant)
    assert version == 1 and len(key) == 32
    assert keys.current(tenant) == (1, key)
    path = tmp_path / "keys" / f"{tenant.hex}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_rotation_keeps_every_older_key(tmp_path: Path) -> None:
    keys, tenant = FileKeyProvider(tmp_path), uuid4()
    _, first = keys.current(tenant)
    assert keys.rotate(tenant) == 2
    assert keys.current(tenant)[0] == 2
    assert keys.get(tenant, 1) == first
    with pytest.raises(KeyNotFound):
        keys.get(tenant, 3)


def test_another_process_sees_a_rotation_and_a_destruction(tmp_path: Path) -> None:
    here, there, tenant = FileKeyProvider(tmp_path), FileKeyProvider(tmp_path), uuid4()
    assert here.current(tenant) == there.current(tenant)
    there.rotate(tenant)
    assert here.current(tenant)[0] == 2
    there.destroy(tenant)
    assert here.get(tenant, 1) is None
    with pytest.raises(KeysDestroyed):
        here.current(tenant)


def test_destroyed_keys_leave_a_tombstone_that_never_becomes_a_new_key(tmp_path: Path) -> None:
    keys, tenant = FileKeyProvider(tmp_path), uuid4()
    keys.current(tenant)
    keys.destroy(tenant)
    keys.destroy(tenant)  # idempotent
    record = json.loads((tmp_path / f"{tenant.hex}.json").read_text())
    assert set(record) == {"tenant_id", "destroyed_at"}
    with pytest.raises(KeysDestroyed):
        FileKeyProvider(tmp_path).current(tenant)
    with pytest.raises(KeysDestroyed):
        keys.rotate(tenant)
    assert FileKeyProvider(tmp_path).get(tenant, 1) is None


def test_a_tenant_without_a_key_file_is_not_erased_but_missing(tmp_path: Path) -> None:
    with pytest.raises(KeyNotFound):
        FileKeyProvider(tmp_path).get(uuid4(), 1)
