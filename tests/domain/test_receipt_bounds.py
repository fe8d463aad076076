"""A case's receipt lies between 2000 and a day after now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.complaint import EARLIEST_RECEIPT, Complaint
from domain.errors import ReceiptOutOfRange

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "received_at", [EARLIEST_RECEIPT, NOW - timedelta(days=400), NOW + timedelta(days=1)]
)
def test_a_receipt_in_range_is_accepted(received_at: datetime) -> None:
    Complaint.check_received_at(received_at, NOW)


@pytest.mark.parametrize(
    "received_at",
    [
        EARLIEST_RECEIPT - timedelta(seconds=1),
        NOW + timedelta(days=1, seconds=1),
        datetime.fromisoformat("9999-12-31T23:59:59-14:00"),
        datetime.fromisoformat("0001-01-01T00:00:00+14:00"),
    ],
)
def test_a_receipt_out_of_range_is_refused(received_at: datetime) -> None:
    with pytest.raises(ReceiptOutOfRange):
        Complaint.check_received_at(received_at, NOW)
