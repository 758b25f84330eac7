"""A relay as a real ``python -m oracle.relay`` process (uvicorn), shared by the relay's and the
explorer's fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def spawn_relay(env: dict) -> subprocess.Popen:
    """Start the relay with ``env`` over this process's environment (stderr piped for its log)."""
    return subprocess.Popen([sys.executable, "-m", "oracle.relay"], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


class RelayProcess:
    def __init__(self, proc: subprocess.Popen, port: int, timeout: float = 30):
        self.proc, self.url = proc, f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=timeout)
        self.log: list[str] = []
        # Drain stderr (one log line per request) so the pipe never fills and stalls the relay.
        threading.Thread(target=lambda: self.log.extend(iter(proc.stderr.readline, "")), daemon=True).start()

    def get(self, path: str, **params) -> httpx.Response:
        return self.http.get(path, params=params)

    def kill9(self) -> None:
        self.proc.kill()  # SIGKILL: no shutdown handler runs
        self.proc.wait(timeout=10)
        self.http.close()

    def wait_status(self, digest: str, statuses=("landed", "rejected", "failed"), timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.http.get(f"/v1/submissions/{digest}").json()
            if body["status"] in statuses:
                return body
            time.sleep(0.05)
        raise AssertionError(f"{digest} still {body['status']} after {timeout} s")
