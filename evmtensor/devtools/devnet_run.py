"""``devnet up``: bring the whole devnet up, supervise it and show it until Ctrl-C (or SIGTERM
from ``devnet down``), then stop every child in order and keep the state for the next ``up``.

The steps: (the tiny model is built in the background on first use) Anvil on the data folder's
state, the deployment (reused when live), subnet 1 with its neurons, their key files, then the
relay, the miners and the validators as supervised children. The view refreshes every few
seconds; a child that died is restarted and noted (the relay only while no ``devnet revert``
holds it stopped).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

from evmtensor.chain import actions
from evmtensor.chain.client import ChainClient
from evmtensor.chain.connect import connect
from evmtensor.devtools.accounts import dev_account
from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.deploy import ensure_deployed
from evmtensor.devtools.devnet import GENESIS_RAO, DevnetConfig, child_specs, populate, write_hotkeys
from evmtensor.devtools.devnet_snapshot import relay_held, stopped_by_revert
from evmtensor.devtools.devnet_view import render_rich, render_text, snapshot
from evmtensor.devtools.supervisor import Child, StateFile, process_start, stop_pid
from evmtensor.errors import ConfigError, EvmTensorError, ToolchainError
from evmtensor.paths import REPO_ROOT

__all__ = ["up"]

STARTUP_TIMEOUT_S = 600.0  # SmolLM2 on a busy CPU takes minutes to load


class _Stop(Exception):
    """SIGTERM (``devnet down``) or SIGHUP (the terminal closed) arrived."""


def _on_sigterm(*_):
    raise _Stop


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _timed(out: Callable, what: str, step: Callable):
    t0 = time.monotonic()
    out(f"{what} ...")
    result = step()
    out(f"{what}: done ({time.monotonic() - t0:.1f} s)")
    return result


def _validator_help() -> subprocess.Popen:
    """``python -m validator --help``, started early: whether this checkout's validator takes
    ``--relay-url`` (until it does, the validators run without the relay)."""
    return subprocess.Popen([sys.executable, "-m", "validator", "--help"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=REPO_ROOT)


_BUILD_TINY = """
import os, shutil, sys
from pathlib import Path
from miner.tiny import build_tiny_gpt2
target = Path(sys.argv[1])
tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
build_tiny_gpt2(tmp)
try:
    os.rename(tmp, target)  # atomic: a devnet started beside this one never sees half a model
except OSError:  # another devnet built it first
    shutil.rmtree(tmp, ignore_errors=True)
"""


def _build_tiny(cfg: DevnetConfig) -> subprocess.Popen | None:
    """Build the tiny model in the background unless it is built (shared by every devnet)."""
    if cfg.model != "tiny" or cfg.tiny_model.is_dir():
        return None
    cfg.tiny_model.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-c", _BUILD_TINY, str(cfg.tiny_model)], cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class _Devnet:
    def __init__(self, cfg: DevnetConfig, out: Callable):
        self.cfg, self.out = cfg, out
        self.state = StateFile(cfg.data_dir)
        self.anvil = Anvil(port=cfg.port, state_file=cfg.data_dir / "anvil-state.json")
        self.children: list[Child] = []
        self.notes: list[str] = []
        self.client: ChainClient | None = None
        self.netuid = 1

    def clear_leftovers(self) -> None:
        if self.state.supervisor_alive():
            pid = self.state.read()["supervisor"]["pid"]
            raise ConfigError(f"a devnet already runs on {self.cfg.data_dir} (pid {pid}); "
                              f"stop it with `evmtensor devnet down --data-dir {self.cfg.data_dir}`")
        for pid, started in self.state.leftovers():  # an `up` that was killed left these behind
            stop_pid(pid, started)

    def start_chain(self) -> None:
        _timed(self.out, f"starting anvil on {self.cfg.rpc_url}", self.anvil.start)
        w3 = connect(self.anvil.url)
        genesis = [(dev_account(i).address, GENESIS_RAO) for i in range(10)]
        dep, reused = _timed(self.out, f"deploying the protocol (profile {self.cfg.profile})", lambda: ensure_deployed(
            w3, dev_account(0), self.cfg.deployment, profile=self.cfg.profile, genesis=genesis))
        self.client = ChainClient(w3, dep)
        self.netuid = _timed(self.out, "registering subnet 1 and its neurons", lambda: populate(self.client, self.cfg))
        write_hotkeys(self.cfg)
        w3.provider.make_request("evm_setIntervalMining", [max(1, int(self.cfg.block_time))])
        self.out(f"chain {dep.chain_id} at {self.cfg.rpc_url}; deployment {self.cfg.deployment}"
                 f"{' (reused)' if reused else ''}")

    def start_children(self, tiny: subprocess.Popen | None, validator_help: subprocess.Popen) -> None:
        relay_flag = "--relay-url" in validator_help.communicate(timeout=120)[0]
        if not relay_flag:
            self.notes.append("this validator has no --relay-url yet: its weights stay in its data folder")
        log_dir = self.cfg.data_dir / "logs"
        self.children = [Child(spec, log_dir, REPO_ROOT)
                         for spec in child_specs(self.cfg, self.netuid, relay_flag=relay_flag)]
        busy = [f"{c.spec.name} :{c.spec.port}" for c in self.children if c.spec.port and _port_open(c.spec.port)]
        if busy:
            raise ConfigError(f"ports in use: {', '.join(busy)}; give another --port (the devnet takes "
                              f"--port .. --port+{self.cfg.miner_port(self.cfg.miners) - self.cfg.port})")
        self.children[0].start()  # the relay needs no model: it starts while the tiny one is built
        if tiny is not None:
            _timed(self.out, "building the tiny model", tiny.wait)
            if tiny.returncode:
                raise ToolchainError(f"building the tiny model failed: {tiny.stderr.read().decode()[-2000:]}")
        for child in self.children[1:]:
            child.start()
        self.write_state()
        self._await_ports()

    def _await_ports(self) -> None:
        t0, waiting = time.monotonic(), {c.spec.name: c for c in self.children if c.spec.port}
        self.out(f"starting {', '.join(waiting)} (logs in {self.cfg.data_dir / 'logs'}) ...")
        while waiting and time.monotonic() - t0 < STARTUP_TIMEOUT_S:
            for name, child in list(waiting.items()):
                if _port_open(child.spec.port):
                    self.out(f"{name}: listening on :{child.spec.port} ({time.monotonic() - t0:.1f} s)")
                    del waiting[name]
                elif (note := self.check(child)) is not None:
                    self.notes.append(note)
                    self.out(f"{note}; see {child.log_path}")
            time.sleep(0.2)
        if waiting:
            self.out(f"still starting after {STARTUP_TIMEOUT_S:.0f} s: {', '.join(waiting)}")

    def check(self, child: Child) -> str | None:
        """``child.check()`` (restart it if it exited), except the relay while ``devnet revert``
        holds it stopped to restore its store (devnet_snapshot.relay_held)."""
        if child.spec.name != "relay":
            return child.check()
        with relay_held(self.cfg, wait=False) as ours:
            if not ours:
                return None
            pid = child.pid
            note = child.check()
            if note is not None and stopped_by_revert(self.cfg, pid):
                return f"relay restarted after `devnet revert` (restart {child.restarts})"
            return note

    def processes(self) -> dict:
        procs = {"anvil": {"pid": self.anvil.pid, "started": process_start(self.anvil.pid) if self.anvil.pid else None,
                           "port": self.cfg.port, "state": "running" if self.anvil.running() else "exited"}}
        for c in self.children:
            procs[c.spec.name] = {**c.record(), "state": "running" if c.running() else "exited"}
        return procs

    def write_state(self) -> None:
        procs = self.processes()
        self.state.write({
            "supervisor": {"pid": os.getpid(), "started": process_start(os.getpid())},
            "rpc_url": self.cfg.rpc_url, "relay_url": self.cfg.relay_url, "netuid": self.netuid,
            "profile": self.cfg.profile, "port": self.cfg.port, "deployment": str(self.cfg.deployment),
            "anvil": procs.pop("anvil"), "processes": procs, "notes": self.notes[-20:],
        })

    def tick(self) -> dict | None:
        if not self.anvil.running():
            self.notes.append(f"anvil exited; restarted on its saved state at {time.strftime('%H:%M:%S')}")
            self.anvil.stop()
            self.anvil.start()
            self.client.w3.provider.make_request("evm_setIntervalMining", [max(1, int(self.cfg.block_time))])
        for child in self.children:
            if (note := self.check(child)) is not None:
                self.notes.append(f"{time.strftime('%H:%M:%S')} {note}")
        self.write_state()
        try:
            actions.accrue(self.client, dev_account(0))
            return snapshot(self.client, self.netuid)
        except (EvmTensorError, OSError, ValueError) as exc:
            self.notes.append(f"chain read failed: {exc}")
            return None

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.anvil.stop()
        state = self.state.read()
        state["supervisor"] = None
        self.state.write(state)


def up(cfg: DevnetConfig, *, out: Callable = print, once: bool = False, refresh_s: float = 3.0,
       live: bool | None = None) -> None:
    """Start (or resume) the devnet and show it until Ctrl-C or SIGTERM; everything stops then."""
    devnet = _Devnet(cfg, out)
    devnet.clear_leftovers()
    previous = {sig: signal.signal(sig, _on_sigterm) for sig in (signal.SIGTERM, signal.SIGHUP)}
    tiny, validator_help = (None, None) if once else (_build_tiny(cfg), _validator_help())
    try:
        devnet.start_chain()
        if once:
            out(render_text(snapshot(devnet.client, devnet.netuid), {}, []))
            return
        devnet.start_children(tiny, validator_help)
        _show(devnet, refresh_s, sys.stdout.isatty() if live is None else live)
    except (KeyboardInterrupt, _Stop):
        out("stopping the devnet; its state stays in " + str(cfg.data_dir))
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second one must not cut the stop short
            signal.signal(sig, signal.SIG_IGN)
        for helper in (tiny, validator_help):
            if helper is not None and helper.poll() is None:
                helper.kill()
                helper.wait()
        devnet.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _show(devnet: _Devnet, refresh_s: float, live: bool) -> None:
    if not live:
        while True:
            chain = devnet.tick()
            devnet.out(render_text(chain, devnet.processes(), devnet.notes) + "\n")
            time.sleep(refresh_s)
    from rich.live import Live

    with Live(render_rich(None, {}, []), refresh_per_second=2, screen=False) as view:
        while True:
            chain = devnet.tick()
            view.update(render_rich(chain, devnet.processes(), devnet.notes))
            time.sleep(refresh_s)
