"""The README's run command, minus the endless loop: `evmtensor devnet up --once` starts Anvil,
deploys, registers a subnet with neurons and prints the table; a second run resumes the same
chain from disk and registers nothing twice."""

from __future__ import annotations

import subprocess
import sys

from evmtensor.devtools.anvil import free_port
from evmtensor.paths import REPO_ROOT


def _devnet(data_dir, port) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "evmtensor", "devnet", "up", "--once",
           "--data-dir", str(data_dir), "--port", str(port)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)


def test_devnet_starts_populates_and_resumes(tmp_path):
    port = free_port()
    first = _devnet(tmp_path, port)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert "subnet 1" in lines[1] and "neurons 6" in lines[1]
    table = [line for line in lines if line.strip()[:1].isdigit()]
    assert len(table) == 6
    assert "pending alpha" in first.stdout and "(reused)" not in lines[0]

    second = _devnet(tmp_path, port)
    assert second.returncode == 0, second.stderr
    assert "(reused)" in second.stdout.splitlines()[0]
    assert "neurons 6" in second.stdout  # nothing registered twice


def test_devnet_port_in_use_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = _devnet(tmp_path, busy.getsockname()[1])
    assert result.returncode == 1
    assert result.stderr.startswith("Error: anvil exited") and "Traceback" not in result.stderr
