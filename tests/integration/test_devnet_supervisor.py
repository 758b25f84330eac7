"""The devnet's supervisor on real processes: a killed child is started again and counted, a
stopped one is gone with its own children, and a recycled pid is never taken for a live child."""

from __future__ import annotations

import os
import signal
import sys
import time

from evmtensor.devtools.supervisor import Child, ChildSpec, StateFile, alive, process_start, stop_pid

SLEEPER = [sys.executable, "-c", "import sys, time; print('up', flush=True); time.sleep(120)"]


def _wait_dead(pid: int, started: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid, started) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_killed_child_is_restarted_and_noted(tmp_path):
    child = Child(ChildSpec("sleeper", SLEEPER, {"EXTRA": "1"}), tmp_path / "logs", tmp_path)
    child.start()
    try:
        first, started = child.pid, child.started
        assert child.check() is None
        os.kill(first, signal.SIGKILL)
        _wait_dead(first, started)
        child._proc.wait()
        note = child.check()
        assert note == "sleeper exited with -9; restarted (restart 1)"
        assert child.pid != first and child.running() and child.restarts == 1
        record = child.record()
        assert record["pid"] == child.pid and record["last_exit"] == -9 and record["restarts"] == 1
    finally:
        child.stop()
    assert not alive(child.pid, child.started)
    log = (tmp_path / "logs" / "sleeper.log").read_text()
    assert log.count("starting sleeper") == 2


def test_stop_takes_the_childs_own_children(tmp_path):
    spawn = [sys.executable, "-c",
             "import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']);"
             " print(p.pid, flush=True); time.sleep(120)"]
    child = Child(ChildSpec("parent", spawn), tmp_path, tmp_path)
    child.start()
    log = tmp_path / "parent.log"
    deadline = time.monotonic() + 30
    while len(log.read_text().splitlines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(log.read_text().splitlines()[-1])
    grand_started = process_start(grandchild)
    assert grand_started is not None
    child.stop()
    _wait_dead(grandchild, grand_started)
    assert not alive(grandchild, grand_started)


def test_a_pid_is_alive_only_with_its_own_start_time(tmp_path):
    me = os.getpid()
    assert alive(me, process_start(me))
    assert not alive(me, "0")  # a different process that once had this pid
    assert not alive(None, None)
    stop_pid(me, "0")  # must not signal us


def test_state_file_lists_only_live_leftovers(tmp_path):
    child = Child(ChildSpec("sleeper", SLEEPER), tmp_path, tmp_path)
    child.start()
    try:
        state = StateFile(tmp_path)
        state.write({"supervisor": {"pid": 999999, "started": "1"}, "anvil": None,
                     "processes": {"sleeper": child.record(), "gone": {"pid": 999998, "started": "2"}}})
        assert state.leftovers() == [(child.pid, child.started)]
        assert not state.supervisor_alive()
    finally:
        child.stop()
    assert StateFile(tmp_path).leftovers() == []
