"""Supervised child processes of the devnet and the state file that names them.

Each child runs in a session of its own (a Ctrl-C in the terminal reaches only the supervisor,
which then stops the children in order) with stdout and stderr appended to
``<data-dir>/logs/<name>.log``. A child that exits while the devnet runs is started again and the
restart is counted and noted. The state file (``<data-dir>/devnet.json``) records every pid with
its kernel start time, so ``devnet status`` and ``devnet down`` in another shell can tell a live
child from a recycled pid.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Child", "ChildSpec", "StateFile", "alive", "process_start", "stop_pid"]

STATE_NAME = "devnet.json"


def process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (field 22 of /proc/PID/stat), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]  # a zombie has exited


def alive(pid: int | None, started: str | None) -> bool:
    """True when ``pid`` runs and is the process that started at ``started`` (not a reuse)."""
    return pid is not None and started is not None and process_start(pid) == started


def stop_pid(pid: int, started: str, timeout: float = 10.0) -> None:
    """SIGTERM ``pid``'s process group (SIGKILL after ``timeout``) if it is still that process."""
    if not alive(pid, started):
        return
    try:  # a child leads its own group (its own children go with it); others get the signal alone
        send = os.killpg if os.getpgid(pid) == pid else os.kill
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            send(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not alive(pid, started):
                return
            time.sleep(0.05)


@dataclass(frozen=True)
class ChildSpec:
    """How to start one child: its command line, extra environment and port (None: none)."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None


class Child:
    """One supervised process (started again by :meth:`check` whenever it has exited)."""

    def __init__(self, spec: ChildSpec, log_dir: Path, cwd: Path):
        self.spec = spec
        self.log_path = log_dir / f"{spec.name}.log"
        self.cwd = cwd
        self.restarts = 0
        self.last_exit: int | None = None
        self._proc: subprocess.Popen | None = None
        self.started: str | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} starting {self.spec.name}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                self.spec.argv, env={**os.environ, **self.spec.env}, cwd=self.cwd,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.started = process_start(self._proc.pid)

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def check(self) -> str | None:
        """Restart the child if it exited; returns a note saying so (None if it runs)."""
        if self._proc is None or self.running():
            return None
        self.last_exit = self._proc.returncode
        self.restarts += 1
        self.start()
        return f"{self.spec.name} exited with {self.last_exit}; restarted (restart {self.restarts})"

    def stop(self) -> None:
        if self._proc is not None and self.started is not None:
            stop_pid(self._proc.pid, self.started)
            self._proc.wait()

    def record(self) -> dict:
        return {"pid": self.pid, "started": self.started, "port": self.spec.port,
                "restarts": self.restarts, "last_exit": self.last_exit, "log": str(self.log_path)}


class StateFile:
    """``<data-dir>/devnet.json``: the supervisor, Anvil and every child (written atomically)."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / STATE_NAME

    def read(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def write(self, state: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state, indent=2))
        os.replace(tmp, self.path)

    def supervisor_alive(self) -> bool:
        sup = self.read().get("supervisor") or {}
        return alive(sup.get("pid"), sup.get("started"))

    def leftovers(self) -> list[tuple[int, str]]:
        """``(pid, started)`` of every recorded process still alive (after a crash of ``up``)."""
        state = self.read()
        entries = [state.get("supervisor") or {}, state.get("anvil") or {}]
        entries += list((state.get("processes") or {}).values())
        return [(e["pid"], e["started"]) for e in entries if alive(e.get("pid"), e.get("started"))]
