"""``python -m oracle.relay``: serve the relay with settings from ``RELAY_*`` variables.

Prints ``listening on HOST:PORT`` on stderr once bound (``RELAY_PORT=0`` picks a free port).
"""

from __future__ import annotations

import asyncio
import logging
import sys

import uvicorn

from evmtensor.errors import ConfigError
from evmtensor.protocol.server import _bind
from oracle.relay.app import create_app
from oracle.relay.settings import RelaySettings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = RelaySettings.from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sock = _bind(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    return asyncio.run(_serve(server, sock, f"{host}:{port}"))


async def _serve(server: uvicorn.Server, sock, where: str) -> int:
    """Serve; announce the address only once start-up (store, chain, worker) has succeeded."""
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        print(f"listening on {where}", file=sys.stderr, flush=True)
    await task
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
