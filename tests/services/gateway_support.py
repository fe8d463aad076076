"""A tenant's SMS/WeChat gateway on loopback, for the tests of what is sent through it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from services.engines import free_port


@dataclass
class Gateway:
    """Keeps each request's headers and body, and answers 204 as a gateway that took it."""

    port: int
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")[1:]
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines if x)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.received.append((headers, body))
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    async def next(self, before: int) -> tuple[dict[str, str], bytes]:
        """The request after the first ``before``, once it has come."""
        async with asyncio.timeout(10):
            while len(self.received) <= before:
                await asyncio.sleep(0.05)
        return self.received[before]


@asynccontextmanager
async def listening_gateway() -> AsyncIterator[Gateway]:
    gateway = Gateway(free_port())
    server = await asyncio.start_server(gateway.handle, "127.0.0.1", gateway.port)
    try:
        yield gateway
    finally:
        server.close()
        await server.wait_closed()
