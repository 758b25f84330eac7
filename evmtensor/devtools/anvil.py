"""Start and stop a local Anvil chain (the devnet's engine and the tests' chain).

Anvil comes from npm (``@foundry-rs/anvil``); it starts in well under a second. With
``state_file`` it loads and periodically dumps its whole state, so blocks, code, storage and
nonces survive a restart (with ``--state-interval 1`` even a ``kill -9``).

Anvil writes old block states to a cache folder (by default ``~/.foundry/anvil/tmp``) and
leaves them there when it is killed; long runs filled a disk that way. Every Anvil started here
gets a temporary cache folder of its own (``--cache-path``), removed when it stops or is killed.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from evmtensor.devtools.accounts import DEFAULT_MNEMONIC
from evmtensor.errors import ToolchainError
from evmtensor.paths import anvil_binary

__all__ = ["Anvil", "free_port", "free_port_block", "rpc_ready"]

log = logging.getLogger(__name__)


def free_port() -> int:
    """An ephemeral TCP port on loopback that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_block(span: int, tries: int = 100) -> int:
    """A port P such that P .. P+span-1 were all free a moment ago (a devnet's base port: its
    relay and neurons take the ports after Anvil's). P lies below the kernel's ephemeral range,
    so the devnet's own outgoing connections cannot take one of its ports before it binds."""
    low = max(span + 10_000, _ephemeral_low()) - span
    for _ in range(tries):
        base = random.randrange(10_000, low)
        socks = []
        try:
            for port in range(base, base + span):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise ToolchainError(f"found no {span} consecutive free ports")


def rpc_ready(url: str, timeout: float = 0.5) -> bool:
    """True when ``url`` answers ``eth_chainId``."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return "result" in json.loads(reply.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Anvil:
    """A running Anvil process; use as a context manager or call ``start``/``stop``.

    Args:
        port: TCP port on 127.0.0.1 (default: a free one).
        state_file: load state from and dump state to this file (persistence).
        block_time: seconds per block; ``None`` mines one block per transaction.
        accounts: how many funded development accounts to create.
        chain_id: the chain id.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        state_file: Path | None = None,
        block_time: float | None = None,
        accounts: int = 10,
        chain_id: int = 31337,
        host: str = "127.0.0.1",
    ):
        self.host = host
        self.port = port or free_port()
        self.state_file = state_file
        self.block_time = block_time
        self.accounts = accounts
        self.chain_id = chain_id
        self._process: subprocess.Popen | None = None
        self._cache_dir: str | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        cmd = [
            str(anvil_binary()), "--host", self.host, "--port", str(self.port),
            "--accounts", str(self.accounts), "--mnemonic", DEFAULT_MNEMONIC,
            "--chain-id", str(self.chain_id), "--silent",
        ]
        if self._cache_dir is not None:
            cmd += ["--cache-path", self._cache_dir]
        if self.block_time is not None:
            cmd += ["--block-time", str(self.block_time)]
        if self.state_file is not None:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            cmd += ["--state", str(self.state_file), "--state-interval", "1"]
        return cmd

    def start(self, timeout: float = 15.0) -> "Anvil":
        binary = anvil_binary()
        if not binary.exists():
            raise ToolchainError(f"anvil not found at {binary}; run scripts/bootstrap.sh")
        self._cache_dir = tempfile.mkdtemp(prefix="evmtensor-anvil-")
        self._process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                code = self._process.returncode
                self._reap()
                raise ToolchainError(f"anvil exited with {code}: {err.strip()}")
            if rpc_ready(self.url):
                log.info("anvil ready at %s", self.url)
                return self
            time.sleep(0.02)
        self.stop()
        raise ToolchainError(f"anvil did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM lets anvil dump its state), then force."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._reap()

    def kill(self) -> None:
        """SIGKILL, as a crash would: no final dump, only what ``--state-interval`` saved."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self._reap()

    def _reap(self) -> None:
        """Forget the (exited) process and remove its state cache."""
        if self._process is not None and self._process.stderr:
            self._process.stderr.close()
        self._process = None
        if self._cache_dir is not None:
            shutil.rmtree(self._cache_dir, ignore_errors=True)
            self._cache_dir = None

    def __enter__(self) -> "Anvil":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
