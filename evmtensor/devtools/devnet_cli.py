"""``evmtensor devnet``: up, status, logs, down, mine, snapshot, revert (with the relay's store:
see :mod:`.devnet_snapshot`).

Every command takes ``--data-dir`` and ``--port`` (Anvil's port; the relay takes the next one,
the validators' gateways +10.., the miners +20..), so two devnets run side by side. ``status``,
``down`` and ``logs`` read the state file ``up`` keeps in the data folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from evmtensor.chain.client import ChainClient
from evmtensor.chain.connect import connect
from evmtensor.cli.errors import CliGroup, CommandFailed
from evmtensor.devtools.anvil import rpc_ready
from evmtensor.devtools.devnet import DevnetConfig
from evmtensor.devtools.devnet_run import up as run_up
from evmtensor.devtools.devnet_snapshot import revert as revert_snapshot
from evmtensor.devtools.devnet_snapshot import take as take_snapshot
from evmtensor.devtools.devnet_view import epochs_settled
from evmtensor.devtools.supervisor import StateFile, alive, stop_pid
from evmtensor.errors import ConfigError
from evmtensor.paths import data_dir

__all__ = ["devnet"]


def _where(command):
    command = click.option("--port", type=click.IntRange(1, 65000), default=8545, show_default=True,
                           help="Anvil's JSON-RPC port on 127.0.0.1 (the relay and neurons take the ports after it).")(command)
    return click.option("--data-dir", "folder", type=click.Path(path_type=Path, file_okay=False),
                        help="State folder (default <data>/devnet).")(command)


def _folder(folder: Path | None) -> Path:
    return folder or data_dir() / "devnet"


def _rpc(port: int):
    url = f"http://127.0.0.1:{port}"
    if not rpc_ready(url):
        raise ConfigError(f"no devnet answers on {url}; start one with `evmtensor devnet up`")
    return connect(url)


@click.group("devnet", cls=CliGroup)
def devnet() -> None:
    """The local development network."""


@devnet.command("up")
@_where
@click.option("--profile", type=click.Choice(["fast", "devnet", "mainnet"]), default="devnet", show_default=True,
              help="Parameter profile: fast (short tempo, no rate limits), devnet, mainnet (the spec's defaults).")
@click.option("--model", default="smollm2", show_default=True, metavar="tiny|smollm2|PATH",
              help="The miners' model: tiny (a 2-layer GPT-2 built in seconds), smollm2, or a folder.")
@click.option("--miners", type=click.IntRange(0, 6), default=3, show_default=True)
@click.option("--validators", type=click.IntRange(0, 6), default=2, show_default=True)
@click.option("--once", is_flag=True, help="Set up the chain, print the subnet once and exit (no processes).")
@click.option("--plain", is_flag=True, help="Print the view as text lines even on a terminal.")
def up(folder, port, profile, model, miners, validators, once, plain) -> None:
    """Start (or resume) the devnet and show it live until Ctrl-C."""
    cfg = DevnetConfig(_folder(folder), port, profile, miners, validators, model)
    run_up(cfg, out=click.echo, once=once, live=False if plain else None)


def _status(folder: Path, port: int) -> dict:
    state = StateFile(folder).read()
    procs = dict(state.get("processes") or {})
    if state.get("anvil"):
        procs = {"anvil": state["anvil"], **procs}
    processes = {name: {"state": "running" if alive(p.get("pid"), p.get("started")) else "stopped",
                        "pid": p.get("pid"), "port": p.get("port"), "restarts": p.get("restarts", 0)}
                 for name, p in procs.items()}
    sup = state.get("supervisor") or {}
    out = {"data_dir": str(folder), "rpc_url": f"http://127.0.0.1:{port}", "block": None, "epochs_settled": None,
           "supervisor": "running" if alive(sup.get("pid"), sup.get("started")) else "stopped",
           "processes": processes, "notes": state.get("notes", [])}
    deployment = folder / "deployment.json"
    if rpc_ready(out["rpc_url"]) and deployment.exists():
        client = ChainClient.connect(out["rpc_url"], deployment)
        out["block"] = client.w3.eth.block_number
        out["epochs_settled"] = epochs_settled(client, state.get("netuid", 1))
    return out


@devnet.command("status")
@_where
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(folder, port, as_json) -> None:
    """The block, the epochs settled on chain and each process's state."""
    out = _status(_folder(folder), port)
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"devnet {out['data_dir']}: supervisor {out['supervisor']}, block {out['block']}, "
               f"epochs settled {out['epochs_settled']}")
    for name, p in out["processes"].items():
        click.echo(f"  {name:12} {p['state']:8} pid {p['pid']}  port {p['port']}  restarts {p['restarts']}")


@devnet.command("down")
@_where
def down(folder, port) -> None:
    """Stop the supervisor and every process; the chain's state and the logs stay."""
    state_file = StateFile(_folder(folder))
    sup = state_file.read().get("supervisor") or {}
    if alive(sup.get("pid"), sup.get("started")):
        stop_pid(sup["pid"], sup["started"], timeout=60)
    stopped = state_file.leftovers()
    for pid, started in stopped:
        stop_pid(pid, started)
    click.echo(f"devnet on {_folder(folder)} is down" + (f" ({len(stopped)} stray processes stopped)" if stopped else ""))


@devnet.command("logs")
@_where
@click.argument("name", required=False)
@click.option("-f", "--follow", is_flag=True, help="Keep printing what is appended (Ctrl-C stops).")
@click.option("-n", "--lines", type=click.IntRange(0), default=40, show_default=True, help="Lines of each log to show.")
def logs(folder, port, name, follow, lines) -> None:
    """Show a process's log (NAME: relay, miner-0, validator-1, ...) or the end of every log."""
    log_dir = _folder(folder) / "logs"
    files = sorted(log_dir.glob("*.log"))
    if name is not None:
        files = [f for f in files if f.stem == name]
        if not files:
            known = ", ".join(f.stem for f in sorted(log_dir.glob("*.log"))) or "none"
            raise CommandFailed(f"no log named {name!r} in {log_dir} (known: {known})")
    if not files:
        raise ConfigError(f"no logs in {log_dir}; has `evmtensor devnet up` run there?")
    offsets = {}
    for f in files:
        text = f.read_text(errors="replace").splitlines()[-lines:] if lines else []
        for line in text:
            click.echo(line if name else f"{f.stem}| {line}")
        offsets[f] = f.stat().st_size
    while follow:
        time.sleep(0.5)
        for f in files:
            with open(f, "rb") as handle:
                handle.seek(offsets[f])
                chunk = handle.read().decode(errors="replace")
                offsets[f] = handle.tell()
            for line in chunk.splitlines():
                click.echo(line if name else f"{f.stem}| {line}")


@devnet.command("mine")
@_where
@click.option("--blocks", type=click.IntRange(1), help="Blocks to mine.")
@click.option("--epochs", type=click.IntRange(1), help="Epochs (tempo blocks each) of subnet 1 to mine.")
@click.option("--block-time", type=click.IntRange(0), default=12, show_default=True,
              help="Seconds the chain's clock moves per block mined.")
def mine(folder, port, blocks, epochs, block_time) -> None:
    """Travel in time: mine blocks at once (anvil_mine), moving the clock along."""
    if (blocks is None) == (epochs is None):
        raise click.UsageError("give --blocks N or --epochs N")
    w3 = _rpc(port)
    if epochs is not None:
        deployment = _folder(folder) / "deployment.json"
        if not deployment.exists():
            raise ConfigError(f"no deployment in {_folder(folder)}: --epochs needs the subnet's tempo")
        client = ChainClient.connect(f"http://127.0.0.1:{port}", deployment)
        tempo = client.view("SubnetRegistry", "hyperparameters", StateFile(_folder(folder)).read().get("netuid", 1))["tempo"]
        blocks = epochs * tempo
    before = w3.eth.block_number
    w3.provider.make_request("anvil_mine", [hex(blocks), hex(block_time)])
    click.echo(f"mined {blocks} blocks: {before} -> {w3.eth.block_number}")


@devnet.command("snapshot")
@_where
@click.argument("name")
def snapshot(folder, port, name) -> None:
    """Remember the chain's state now as NAME, with a copy of the relay's store (evm_snapshot;
    `devnet revert NAME` returns to both)."""
    entry = take_snapshot(DevnetConfig(_folder(folder), port), _rpc(port), name)
    store = "with the relay's store" if entry["relay_db"] else "(the relay holds no store yet)"
    click.echo(f"snapshot {name!r} at block {entry['block']} {store}")


@devnet.command("revert")
@_where
@click.argument("name")
def revert(folder, port, name) -> None:
    """Return the chain and the relay's store to snapshot NAME (it and every later snapshot are
    used up, as in Anvil). A running relay is stopped first; `devnet up` starts it again."""
    folder = _folder(folder)
    done = revert_snapshot(DevnetConfig(folder, port), _rpc(port), name)
    store = {"restored": "the relay's store restored", "removed": "the relay's store removed (it held none then)",
             "kept": "the relay's store kept (this snapshot has no copy of it)"}[done["store"]]
    click.echo(f"reverted to {name!r}: block {done['block']}; {store}")
    if done["relay_stopped"]:
        again = "the supervisor starts it again" if StateFile(folder).supervisor_alive() else \
            "it starts with the next `devnet up`"
        click.echo(f"the relay was stopped; {again}")
