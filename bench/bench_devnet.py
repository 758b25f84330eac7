"""From nothing to the first settled epoch: `evmtensor devnet up --profile fast --model tiny` in a
fresh data folder (packages installed, contracts compiled or not), timed until the chain holds
an `EpochSettled` event. The issue's anchor: under 60 s, aim 20 s.

    .venv/bin/python bench/bench_devnet.py [--cold] [--timeout 300] [--keep DIR]

The tiny model is built once per checkout (under build/, like the compiled contracts); --cold
removes it first, so the run includes building it, as on a fresh clone. Prints the seconds to each milestone (Anvil up, every process listening, first epoch settled,
first epoch that paid the miners: the validators hold permits only from the first settlement on,
so their weights count from then) and the ratio of the total against the 60 s target.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evmtensor.chain.client import ChainClient  # noqa: E402
from evmtensor.devtools.anvil import free_port_block, rpc_ready  # noqa: E402
from evmtensor.devtools.devnet import DevnetConfig  # noqa: E402
from evmtensor.devtools.devnet_view import epochs_settled, settlements  # noqa: E402

TARGET_S, AIM_S = 60.0, 20.0


def devnet_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "evmtensor", "devnet", *args]


@dataclass
class RunningDevnet:
    """A `devnet up --profile fast --model tiny` process of a bench and where it lives."""

    up: subprocess.Popen
    data: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def check_running(self) -> None:
        if self.up.poll() is not None:
            raise SystemExit(f"devnet up exited with {self.up.returncode}:\n{self.log.read_text()[-3000:]}")


@contextmanager
def fast_devnet(data: Path, log_name: str) -> Iterator[RunningDevnet]:
    """The devnet up in ``data`` (a fresh folder) on free ports, logging beside it to ``log_name``;
    `devnet down` when the block ends."""
    port = free_port_block(32)
    where = ["--data-dir", str(data), "--port", str(port)]
    data.parent.mkdir(parents=True, exist_ok=True)
    log = data.parent / log_name
    with open(log, "w") as out:
        up = subprocess.Popen(devnet_command("up", "--profile", "fast", "--model", "tiny", "--plain", *where),
                              stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        yield RunningDevnet(up, data, port, log)
    finally:
        subprocess.run(devnet_command("down", *where), cwd=REPO, capture_output=True, timeout=120)
        up.wait(timeout=60)


def measure(data: Path, timeout: float) -> dict[str, float]:
    marks: dict[str, float] = {}
    t0 = time.monotonic()
    with fast_devnet(data, "bench-devnet-up.log") as net:
        client = None
        while time.monotonic() - t0 < timeout:
            net.check_running()
            now = time.monotonic() - t0
            if "chain" not in marks and rpc_ready(net.url):
                marks["chain"] = now
            if "processes" not in marks and "processes:" in net.log.read_text():
                marks["processes"] = now
            if client is None and (data / "deployment.json").exists() and "chain" in marks:
                client = ChainClient.connect(net.url, data / "deployment.json")
            if client is not None and "first settled epoch" not in marks and epochs_settled(client, 1) >= 1:
                marks["first settled epoch"] = time.monotonic() - t0
            if "first settled epoch" in marks and any(e.args.minerAlpha for e in settlements(client, 1)):
                marks["first epoch paying miners"] = time.monotonic() - t0
                return marks
            time.sleep(0.2)
        if "first settled epoch" in marks:
            return marks
        raise SystemExit(f"no epoch settled within {timeout:.0f} s (milestones {marks}); log: {net.log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--cold", action="store_true", help="Rebuild the tiny model too (a fresh clone).")
    parser.add_argument("--keep", type=Path, help="Use this (new) folder and keep it afterwards.")
    args = parser.parse_args()
    tiny = DevnetConfig(Path("unused")).tiny_model
    if args.cold:
        shutil.rmtree(tiny, ignore_errors=True)
    print(f"tiny model: {'cached in ' + str(tiny) if tiny.is_dir() else 'built during the run (cold)'}")
    with tempfile.TemporaryDirectory(prefix="bench-devnet-") as tmp:
        data = args.keep or Path(tmp) / "devnet"
        marks = measure(data, args.timeout)
    for name, seconds in marks.items():
        print(f"{name:28s} {seconds:7.1f} s")
    total = marks["first settled epoch"]
    print(f"fresh data dir -> first settled epoch: {total:.1f} s; {total / TARGET_S:.2f}x the {TARGET_S:.0f} s "
          f"target ({total / AIM_S:.2f}x the {AIM_S:.0f} s aim)")


if __name__ == "__main__":
    main()
