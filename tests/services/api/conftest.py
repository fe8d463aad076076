"""The API tests' shared clock: set by the test, back to the real time after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import FakeClock


@pytest.fixture
def fixed_clock(clock: FakeClock) -> Iterator[FakeClock]:
    yield clock
    clock.reset()
