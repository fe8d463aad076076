"""Commands run in the test's process, on the tests' engines."""

from __future__ import annotations

import pytest

from services.engines import EngineUrls


@pytest.fixture
def urls(database_url: str, engine_urls: EngineUrls) -> EngineUrls:
    return EngineUrls(database_url, engine_urls.nats_url)
