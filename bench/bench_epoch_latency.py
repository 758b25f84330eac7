"""Blocks and seconds from a tempo boundary to its epoch's settlement on the devnet (issue 10):
`evmtensor devnet up --profile fast --model tiny` in a fresh data folder, run until ``--epochs``
epochs of subnet 1 settled, then per settled epoch

- the boundary: the first block whose epoch index is the epoch's (EpochSettlement's
  ``(block + netuid + 1) // (tempo + 1)``), i.e. the earliest block ``openEpoch`` could land in;
- the snapshot block (``EpochOpened``: when a validator opened it) and the ``EpochSettled`` block;
- boundary -> settled in blocks, and in seconds twice: by the blocks' timestamps (Anvil's
  interval mining stamps each with the wall clock, whole seconds) and by this script's own
  clock, which polls the head every 0.1 s and notes when it first saw each block.

    .venv/bin/python bench/bench_epoch_latency.py [--epochs 5] [--timeout 400] [--keep DIR]

The medians leave out the first settled epoch: its boundary may fall before the validators were
listening (start-up, not settlement latency); it is still printed. See bench_devnet.py for the
time from nothing to that first settlement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evmtensor.chain.client import ChainClient  # noqa: E402
from evmtensor.devtools.anvil import rpc_ready  # noqa: E402
from evmtensor.devtools.devnet_view import settlements  # noqa: E402
from bench_devnet import fast_devnet  # noqa: E402  (bench/ is on sys.path)

NETUID = 1


def run_devnet(data: Path, epochs: int, timeout: float) -> tuple[float, list[dict]]:
    """Bring the devnet up and watch it until ``epochs`` epochs settled; returns when (monotonic)
    every process was listening and the rows (read before ``down`` stops Anvil)."""
    seen: dict[int, float] = {}
    listening = None
    t0 = time.monotonic()
    with fast_devnet(data, "bench-epoch-latency-up.log") as net:
        client = None
        while time.monotonic() - t0 < timeout:
            net.check_running()
            if client is None and rpc_ready(net.url) and (data / "deployment.json").exists():
                client = ChainClient.connect(net.url, data / "deployment.json")
            if client is not None:
                seen.setdefault(client.block_number(), time.monotonic())
                if listening is None and "processes:" in net.log.read_text():
                    listening = time.monotonic()
                if len(settlements(client, NETUID)) >= epochs:
                    return listening or time.monotonic(), rows(client, seen)
            time.sleep(0.1)
        table = rows(client, seen) if client is not None else []
        if len(table) < 2:
            raise SystemExit(f"{len(table)} epoch(s) settled within {timeout:.0f} s; log: {net.log}")
        print(f"only {len(table)} of {epochs} epochs settled within {timeout:.0f} s (head at block "
              f"{client.block_number()}); the figures below are those epochs'")
        return listening or time.monotonic(), table


def rows(client: ChainClient, seen: dict[int, float]) -> list[dict]:
    """One row per settled epoch, oldest first (see the module docstring for the columns)."""
    settlement = client.contract("EpochSettlement")
    opened = {int(log["args"]["epoch"]): log for log in settlement.events.EpochOpened().get_logs(
        from_block=client.deployment.deploy_block, argument_filters={"netuid": NETUID})}
    out = []
    for log in settlements(client, NETUID):
        epoch = int(log["args"]["epoch"])
        tempo = int(opened[epoch]["args"]["hyperparameters"]["tempo"])
        boundary = max(epoch * (tempo + 1) - NETUID - 1, client.deployment.deploy_block)
        settled = int(log["blockNumber"])
        stamp = {b: int(client.w3.eth.get_block(b)["timestamp"]) for b in (boundary, settled)}
        out.append({"epoch": epoch, "boundary": boundary, "snapshot": int(opened[epoch]["args"]["snapshotBlock"]),
                    "settled": settled, "blocks": settled - boundary, "chain_s": stamp[settled] - stamp[boundary],
                    "wall_s": seen[settled] - seen[boundary] if boundary in seen and settled in seen else None,
                    "seen_boundary": seen.get(boundary)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="Settled epochs to wait for (at least 2).")
    parser.add_argument("--timeout", type=float, default=400.0)
    parser.add_argument("--keep", type=Path, help="Use this (new) folder and keep it afterwards.")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first one is start-up)")
    with tempfile.TemporaryDirectory(prefix="bench-epoch-latency-") as tmp:
        listening, table = run_devnet(args.keep or Path(tmp) / "devnet", args.epochs, args.timeout)
    print(f"{'epoch':>5} {'boundary':>8} {'snapshot':>8} {'settled':>7} {'blocks':>6} {'chain s':>7} {'wall s':>7}")
    for r in table:
        wall = f"{r['wall_s']:7.1f}" if r["wall_s"] is not None else "      -"
        late = "  (boundary before the processes listened)" if (r["seen_boundary"] or 0) < listening else ""
        print(f"{r['epoch']:>5} {r['boundary']:>8} {r['snapshot']:>8} {r['settled']:>7} {r['blocks']:>6} "
              f"{r['chain_s']:>7} {wall}{late}")
    steady = table[1:]
    walls = [r["wall_s"] for r in steady if r["wall_s"] is not None]
    print(f"median over epochs {steady[0]['epoch']}..{steady[-1]['epoch']} (first settled left out): "
          f"{statistics.median(r['blocks'] for r in steady):.1f} blocks, "
          f"{statistics.median(r['chain_s'] for r in steady):.1f} s by block timestamps, "
          + (f"{statistics.median(walls):.1f} s by the bench's clock" if walls else "no wall-clock sample"))
    print(f"  of which boundary -> opened {statistics.median(r['snapshot'] - r['boundary'] for r in steady):.1f} blocks, "
          f"opened -> settled {statistics.median(r['settled'] - r['snapshot'] for r in steady):.1f} blocks")


if __name__ == "__main__":
    main()
