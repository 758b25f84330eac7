"""A real malicious HTTP server on 127.0.0.1 for dendrite tests: raw asyncio streams in a
background thread, so each attack sends exactly the bytes it wants, when it wants."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType

from evmtensor.protocol import Signer
from evmtensor.protocol import canonical as c
from evmtensor.protocol.crypto import keccak

Attack = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class HostileServer:
    """Serves `attack(reader, writer)` for every connection until stopped."""

    def __init__(self, attack: Attack) -> None:
        self._attack = attack
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="hostile-server")
        self.port = 0
        self.connections = 0
        self.closed_by_peer = 0  # connections whose peer closed while we were still sending

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self._attack(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.closed_by_peer += 1
            finally:
                writer.transport.abort()

        async def start() -> None:
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    """One request: its route, lower-cased headers and body (framed by content-length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    route = lines[0].split(" ")[1].lstrip("/")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return route, headers, body


def request_id(route: str, headers: dict[str, str]) -> bytes:
    envelope, _ = c.parse_request_headers(headers, route)
    return envelope.digest()


def signed_head(
    signer: Signer, rid: bytes, body: bytes, *, status: int = 200, extra: str = "",
    framing: str | None = None,
) -> bytes:
    """A response head whose signature is genuinely the miner's over (rid, status, body)."""
    sig = signer.sign(c.response_digest(rid, status, keccak(body)))
    framing = framing if framing is not None else f"content-length: {len(body)}\r\n"
    return (
        f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{framing}"
        f"{c.H_REQUEST_ID}: 0x{rid.hex()}\r\n{c.H_SIGNATURE}: 0x{sig.hex()}\r\n{extra}\r\n"
    ).encode()
