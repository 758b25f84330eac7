"""From nothing to the first settled epoch: `evmtensor devnet up --profile fast --model tiny` in a
fresh data folder (packages installed, contracts compiled or not), timed until the chain holds
an `EpochSettled` event. The issue's anchor: under 60 s, aim 20 s.

    .venv/bin/python bench/bench_devnet.py [--timeout 300] [--keep DIR]

Prints the seconds to each milestone (Anvil up, every process listening, first epoch settled)
and the ratio of the total against the 60 s target.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evmtensor.chain.client import ChainClient  # noqa: E402
from evmtensor.devtools.anvil import free_port_block, rpc_ready  # noqa: E402
from evmtensor.devtools.devnet_view import epochs_settled  # noqa: E402

TARGET_S, AIM_S = 60.0, 20.0


def _devnet(*args: str) -> list[str]:
    return [sys.executable, "-m", "evmtensor", "devnet", *args]


def measure(data: Path, timeout: float) -> dict[str, float]:
    port = free_port_block(32)
    where = ["--data-dir", str(data), "--port", str(port)]
    log = data.parent / "bench-devnet-up.log"
    marks: dict[str, float] = {}
    t0 = time.monotonic()
    with open(log, "w") as out:
        up = subprocess.Popen(_devnet("up", "--profile", "fast", "--model", "tiny", "--plain", *where),
                              stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    client = None
    try:
        while time.monotonic() - t0 < timeout:
            if up.poll() is not None:
                raise SystemExit(f"devnet up exited with {up.returncode}:\n{log.read_text()[-3000:]}")
            now = time.monotonic() - t0
            if "chain" not in marks and rpc_ready(f"http://127.0.0.1:{port}"):
                marks["chain"] = now
            if "processes" not in marks and "processes:" in log.read_text():
                marks["processes"] = now
            if client is None and (data / "deployment.json").exists() and "chain" in marks:
                client = ChainClient.connect(f"http://127.0.0.1:{port}", data / "deployment.json")
            if client is not None and epochs_settled(client, 1) >= 1:
                marks["first settled epoch"] = time.monotonic() - t0
                return marks
            time.sleep(0.2)
        raise SystemExit(f"no epoch settled within {timeout:.0f} s (milestones {marks}); log: {log}")
    finally:
        subprocess.run(_devnet("down", *where), cwd=REPO, capture_output=True, timeout=120)
        up.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--keep", type=Path, help="Use this (new) folder and keep it afterwards.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-devnet-") as tmp:
        data = args.keep or Path(tmp) / "devnet"
        marks = measure(data, args.timeout)
    for name, seconds in marks.items():
        print(f"{name:22s} {seconds:7.1f} s")
    total = marks["first settled epoch"]
    print(f"fresh data dir -> first settled epoch: {total:.1f} s; {total / TARGET_S:.2f}x the {TARGET_S:.0f} s "
          f"target ({total / AIM_S:.2f}x the {AIM_S:.0f} s aim)")


if __name__ == "__main__":
    main()
