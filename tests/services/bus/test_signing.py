"""The relay's signature on a bus message: it holds for that subject, id and body only, and
every process of one data dir signs and checks with the same key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from services.bus.signing import BusSigner

SUBJECT = "complaints.5f0c9ab1.security.IncidentReported"
MSG_ID = "5f0c9ab1:42:security"
BODY = b'{"specversion": "1.0"}'


def test_a_signature_holds_only_for_the_subject_id_and_body_it_was_made_for() -> None:
    signer = BusSigner(os.urandom(32))
    signature = signer.sign(SUBJECT, MSG_ID, BODY)
    assert signature.startswith("v1,")
    assert signer.holds(SUBJECT, MSG_ID, BODY, signature)
    other_role = SUBJECT.replace(".security.", ".medical_affairs.")
    assert not signer.holds(other_role, MSG_ID, BODY, signature)  # copied to another feed
    assert not signer.holds(SUBJECT, "5f0c9ab1:43:security", BODY, signature)
    assert not signer.holds(SUBJECT, MSG_ID, BODY + b" ", signature)
    assert not signer.holds(SUBJECT, MSG_ID, BODY, None)
    assert not BusSigner(os.urandom(32)).holds(SUBJECT, MSG_ID, BODY, signature)


def test_processes_of_one_data_dir_share_one_private_signing_key(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bus_signing.key"
    api, worker = BusSigner.from_file(path), BusSigner.from_file(path)
    assert worker.holds(SUBJECT, MSG_ID, BODY, api.sign(SUBJECT, MSG_ID, BODY))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not BusSigner.from_file(tmp_path / "elsewhere.key").holds(
        SUBJECT, MSG_ID, BODY, api.sign(SUBJECT, MSG_ID, BODY)
    )
