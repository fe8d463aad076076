"""``GET /v1/stream`` past its caps over real HTTP: a key holds so many open streams and a
tenant so many, the next is a 429 problem with ``Retry-After``, and a stream the client closes
gives its place back."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace

import httpx
import pytest
import uvicorn

from services.api.app import create_app
from services.engines import free_port
from services.runtime import Runtime
from services.settings import Settings
from tests.services.support import new_tenant, staff_key

PER_KEY, PER_TENANT = 2, 3


@pytest.fixture(scope="module")
async def capped_url(runtime: Runtime) -> AsyncIterator[str]:
    """The app over the session's runtime on a real socket, with small caps."""
    capped = copy.copy(runtime)
    capped.settings = replace(
        runtime.settings, sse_streams_per_key=PER_KEY, sse_streams_per_tenant=PER_TENANT
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(capped), host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        timeout_graceful_shutdown=1,
    )  # fmt: skip
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(serving, 10)


async def request_stream(
    streams: AsyncExitStack, base_url: str, headers: dict[str, str]
) -> tuple[httpx.Response, AsyncExitStack]:
    """One more stream asked for and, if it opened, held open until ``streams`` closes or
    the client closes it with what is returned."""
    client = AsyncExitStack()
    streams.push_async_callback(client.aclose)
    http = await client.enter_async_context(httpx.AsyncClient(base_url=base_url, timeout=10))
    response = await client.enter_async_context(http.stream("GET", "/v1/stream", headers=headers))
    if response.status_code != 200:
        await response.aread()
    return response, client


async def open_stream(streams: AsyncExitStack, base_url: str, headers: dict[str, str]) -> None:
    response, _ = await request_stream(streams, base_url, headers)
    assert response.status_code == 200, await response.aread()


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 429
    assert int(response.headers["retry-after"]) > 0


async def test_a_key_past_its_open_streams_gets_429_until_it_closes_one(
    client: httpx.AsyncClient, capped_url: str
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    guard = await staff_key(client, hospital, "guard.cap", ["security"])
    async with AsyncExitStack() as streams:
        first, disconnect = await request_stream(streams, capped_url, guard)
        assert first.status_code == 200
        for _ in range(PER_KEY - 1):
            await open_stream(streams, capped_url, guard)
        assert_too_many((await request_stream(streams, capped_url, guard))[0])

        await disconnect.aclose()  # the client goes: its stream's place frees once it is seen
        async with asyncio.timeout(5):
            while (await request_stream(streams, capped_url, guard))[0].status_code != 200:
                await asyncio.sleep(0.05)
        assert_too_many((await request_stream(streams, capped_url, guard))[0])


async def test_a_tenants_keys_share_its_open_streams(
    client: httpx.AsyncClient, capped_url: str
) -> None:
    hospital, other = await new_tenant(client, "hospital@1"), await new_tenant(client, "hospital@1")
    guard = await staff_key(client, hospital, "guard.one", ["security"])
    nurse = await staff_key(client, hospital, "nurse.two", ["nurse"])
    elsewhere = await staff_key(client, other, "guard.three", ["security"])
    async with AsyncExitStack() as streams:
        for key in [guard] * PER_KEY + [nurse] * (PER_TENANT - PER_KEY):
            await open_stream(streams, capped_url, key)
        # the nurse's key is below its own cap, its tenant is not
        assert_too_many((await request_stream(streams, capped_url, nurse))[0])
        await open_stream(streams, capped_url, elsewhere)


def test_the_caps_are_read_from_the_environment() -> None:
    env = {"COMPLAINTS_SSE_STREAMS_PER_KEY": "1", "COMPLAINTS_SSE_STREAMS_PER_TENANT": "9"}
    settings = Settings.from_env(env)
    assert (settings.sse_streams_per_key, settings.sse_streams_per_tenant) == (1, 9)
    assert (Settings().sse_streams_per_key, Settings().sse_streams_per_tenant) == (4, 64)
