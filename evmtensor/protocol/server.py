"""Running axons under uvicorn: in the foreground, or in a background thread for tests, devnets
and benchmarks (several apps can share one thread and one event loop).

`serve_in_thread(app)` binds 127.0.0.1 on an ephemeral port before starting, so the port is
known and free; stop it with `.stop()` or use it as a context manager. Signal handlers are only
installed by uvicorn in the main thread, so background servers never steal Ctrl-C.

Every server runs uvicorn's h11 protocol guarded by `evmtensor.protocol._guard` (head deadline,
connection caps, header size): the limits are the app's ``state.connection_limits`` (an axon
sets its `AxonSettings.connections`), else the defaults.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from evmtensor.protocol._guard import ConnectionLimits, guarded_h11

__all__ = ["ServerThread", "run_forever", "serve_in_thread"]

log = logging.getLogger(__name__)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit TCP_NODELAY on Linux: uvicorn's h11 protocol writes response
    # headers and body separately, which Nagle + delayed ACK would stall by ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _config(app: Any, log_level: str, **options: Any) -> uvicorn.Config:
    state = getattr(app, "state", None)
    limits = getattr(state, "connection_limits", None) or ConnectionLimits()
    options.setdefault("timeout_graceful_shutdown", 2)
    options.setdefault("timeout_keep_alive", limits.keep_alive_s)
    options.setdefault("h11_max_incomplete_event_size", limits.max_header_bytes)
    options.setdefault("http", guarded_h11(limits))
    return uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on", **options)


class ServerThread:
    """One or more ASGI apps served by uvicorn on one event loop in a daemon thread."""

    def __init__(
        self,
        apps: list[Any],
        *,
        host: str = "127.0.0.1",
        log_level: str = "warning",
        **options: Any,
    ) -> None:
        """`options` go to `uvicorn.Config` (e.g. ``timeout_keep_alive``)."""
        self.host = host
        self._sockets = [_bind(host, 0) for _ in apps]
        self._servers = [uvicorn.Server(_config(app, log_level, **options)) for app in apps]
        self._thread = threading.Thread(target=self._run, name="axon-server", daemon=True)

    @property
    def ports(self) -> list[int]:
        return [s.getsockname()[1] for s in self._sockets]

    @property
    def urls(self) -> list[str]:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return [f"http://{host}:{port}" for port in self.ports]

    @property
    def url(self) -> str:
        return self.urls[0]

    def _run(self) -> None:
        async def serve_all() -> None:
            await asyncio.gather(
                *(srv.serve(sockets=[sock]) for srv, sock in zip(self._servers, self._sockets))
            )

        asyncio.run(serve_all())

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start serving (idempotent); returns once every server accepts connections."""
        if self._thread.ident is None:
            self._thread.start()
        deadline = time.monotonic() + timeout
        while not all(s.started for s in self._servers):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.urls}")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every server to exit and wait for the thread (lifespan shutdown included)."""
        for server in self._servers:
            server.should_exit = True
        self._thread.join(timeout)
        for sock in self._sockets:
            sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_in_thread(app: Any, *, host: str = "127.0.0.1", **options: Any) -> ServerThread:
    """Serve `app` on `host` at an ephemeral port in a background thread (started)."""
    return ServerThread([app], host=host, **options).start()


def run_forever(app: Any, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve `app` in the foreground until SIGINT/SIGTERM (for entry points)."""
    sock = _bind(host, port)
    log.info("listening on %s:%s", host, sock.getsockname()[1])
    uvicorn.Server(_config(app, log_level)).run(sockets=[sock])
