"""Relay throughput: signed weights rows per second through a real relay process, durably stored.

    .venv/bin/python bench/bench_relay.py [--rows 512] [--clients 8] [--uids 64]

Starts Anvil, deploys, builds a subnet with 16 permitted validators, starts ``python -m
oracle.relay`` (uvicorn, SQLite WAL with synchronous=FULL), pre-signs the rows (timed apart),
then posts them from ``--clients`` concurrent HTTP clients (each owning some validators, posting
their rows in nonce order). Prints: signing rate, acknowledgement rate (each ack means the row
was checked against the chain and fsync'd), acknowledgement latency percentiles, and the rate at
which rows landed on chain (batched by the worker, Anvil automining), and the CPU time the
relay and Anvil spent per row (steadier than rates on a shared machine).

Then attestations (``--attestations``, default 256): a 64-UID subnet with 16 staked validators
(bench_gas_settlement.Subnet), one open epoch; every validator signs variants of the result
(another inputs hash each) in groups of 8 that stay below the quorum, posted concurrently and
acknowledged (signature recovered, signer checked against the snapshot, fsync'd); then the true
result signed by all 16, and the seconds until the relay has settled it. The ratio printed is
attestations per second over weights rows per second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from web3 import HTTPProvider, Web3  # noqa: E402

from bench_gas_settlement import Subnet  # noqa: E402
from bench_gas_weights import WeightsSubnet, dev_accounts  # noqa: E402
from evmtensor.devtools.anvil import Anvil  # noqa: E402

VALIDATORS = 16


def as_json(signed) -> dict:
    r = signed.row
    return {"hotkey": signed.hotkey, "netuid": r.netuid, "uids": list(r.uids), "values": list(r.values),
            "version_key": r.version_key, "nonce": r.nonce, "deadline_block": r.deadline_block,
            "signature": "0x" + signed.signature.hex()}


def start_relay(env: dict) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "oracle.relay"], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in iter(proc.stderr.readline, ""):
        if "listening on" in line:
            threading.Thread(target=lambda: [None for _ in iter(proc.stderr.readline, "")], daemon=True).start()
            return proc, "http://" + line.strip().rsplit(" ", 1)[1]
    raise SystemExit("the relay did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post_all(url: str, per_client: list[list[dict]], path: str = "/v1/weights") -> list[float]:
    def client(bodies: list[dict]) -> list[float]:
        latencies = []
        with httpx.Client(base_url=url, timeout=60) as http:
            for body in bodies:
                t0 = time.perf_counter()
                resp = http.post(path, json=body)
                latencies.append(time.perf_counter() - t0)
                if resp.status_code != 202:
                    raise SystemExit(f"refused: {resp.status_code} {resp.text}")
        return latencies

    with ThreadPoolExecutor(len(per_client)) as pool:
        return [x for lat in pool.map(client, per_client) for x in lat]


def wait_landed(url: str, total: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=30) as http:
        while time.monotonic() < deadline:
            counts = http.get("/health").json()["messages"]
            if counts.get("landed", 0) >= total:
                return
            if counts.get("rejected") or counts.get("failed"):
                raise SystemExit(f"rows refused on chain: {counts}")
            time.sleep(0.1)
    raise SystemExit("rows did not land in time")


def attestations(n: int, clients: int) -> tuple[float, float, list[float]]:
    """(attestations acknowledged per second, seconds from the quorum's post to settled, latencies)."""
    import dataclasses

    from eth_utils import keccak

    from oracle.epoch import compute_result, open_epoch, sign_result
    from oracle.relay.client import attestation_json

    with Anvil(accounts=10) as anvil, tempfile.TemporaryDirectory() as tmp:
        w3 = Web3(HTTPProvider(anvil.url, request_kwargs={"timeout": 120}))
        accounts = dev_accounts()
        net = Subnet(w3, accounts, 64)
        net.client.deployment.save(Path(tmp) / "deployment.json")
        snap = open_epoch(net.client, net.netuid, accounts[9])
        result, _, _ = compute_result(net.client, snap)
        by_stake = sorted((m for m in snap.neurons if m.stake >= snap.validator_threshold), key=lambda m: m.stake)
        low = by_stake[:8]  # the 8 smallest of 16 similar stakes: well below two thirds
        bodies = []
        for k in range(n // len(low)):
            variant = dataclasses.replace(result, inputs_hash=keccak(k.to_bytes(8, "big")))
            bodies += [attestation_json(variant, sign_result(net.client, net.keys[m.uid], m.uid, variant)) for m in low]
        per_client: list[list[dict]] = [bodies[i::clients] for i in range(clients)]
        proc, url = start_relay({
            "RELAY_RPC_URL": anvil.url, "RELAY_DEPLOYMENT": str(Path(tmp) / "deployment.json"),
            "RELAY_DB": str(Path(tmp) / "relay.db"), "RELAY_SUBMITTER_KEY": accounts[8].key.hex(),
            "RELAY_PORT": "0", "RELAY_BATCH_DELAY_S": "0.2",
        })
        try:
            t0 = time.perf_counter()
            latencies = post_all(url, per_client, "/v1/attestations")
            ack_rate = len(bodies) / (time.perf_counter() - t0)
            quorum = [attestation_json(result, sign_result(net.client, net.keys[m.uid], m.uid, result)) for m in by_stake]
            t0 = time.perf_counter()
            post_all(url, [quorum], "/v1/attestations")
            while not net.client.view("EpochSettlement", "epochState", net.netuid)["settled"]:
                if time.perf_counter() - t0 > 120:
                    raise SystemExit("the quorum did not settle")
                time.sleep(0.05)
            settle_s = time.perf_counter() - t0
        finally:
            proc.kill()
            proc.wait()
    return ack_rate, settle_s, latencies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=512)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--uids", type=int, default=64)
    ap.add_argument("--attestations", type=int, default=256)
    args = ap.parse_args()

    with Anvil(accounts=10) as anvil, tempfile.TemporaryDirectory() as tmp:
        w3 = Web3(HTTPProvider(anvil.url, request_kwargs={"timeout": 120}))
        accounts = dev_accounts()
        net = WeightsSubnet(w3, accounts, uids=max(args.uids, VALIDATORS + 1), validators=VALIDATORS)
        net.dep.save(Path(tmp) / "deployment.json")

        t0 = time.perf_counter()
        per_validator = args.rows // VALIDATORS
        signed = {v.address: [as_json(net.signed(v, args.uids)) for _ in range(per_validator)] for v in net.validators}
        sign_s = time.perf_counter() - t0
        total = per_validator * VALIDATORS
        per_client: list[list[dict]] = [[] for _ in range(args.clients)]
        for i, rows in enumerate(signed.values()):
            per_client[i % args.clients].extend(rows)

        proc, url = start_relay({
            "RELAY_RPC_URL": anvil.url, "RELAY_DEPLOYMENT": str(Path(tmp) / "deployment.json"),
            "RELAY_DB": str(Path(tmp) / "relay.db"), "RELAY_SUBMITTER_KEY": accounts[8].key.hex(),
            "RELAY_PORT": "0", "RELAY_BATCH_DELAY_S": "0.2",
        })
        try:
            cpu0, anvil0 = cpu_seconds(proc.pid), cpu_seconds(anvil._process.pid)
            t0 = time.perf_counter()
            latencies = post_all(url, per_client)
            ack_s = time.perf_counter() - t0
            wait_landed(url, total)
            land_s = time.perf_counter() - t0
            relay_cpu, anvil_cpu = cpu_seconds(proc.pid) - cpu0, cpu_seconds(anvil._process.pid) - anvil0
        finally:
            proc.kill()
            proc.wait()
        txs = {e.transactionHash for e in net.contract.events.WeightsSet().get_logs(from_block=0)}

    q = statistics.quantiles(latencies, n=100)
    print(f"rows: {total} x {args.uids} UIDs from {VALIDATORS} validators, {args.clients} concurrent clients")
    print(f"signing (EIP-712, eth_account):     {total / sign_s:8.1f} rows/s")
    print(f"acknowledged (checked + fsync'd):   {total / ack_s:8.1f} rows/s   latency p50 {q[49] * 1e3:.1f} ms, "
          f"p99 {q[98] * 1e3:.1f} ms")
    print(f"landed on chain (first post to last landed): {total / land_s:8.1f} rows/s in {len(txs)} transactions")
    print(f"CPU per row: relay {relay_cpu / total * 1e3:.1f} ms, anvil {anvil_cpu / total * 1e3:.1f} ms "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    if args.attestations:
        att_rate, settle_s, att_lat = attestations(args.attestations, args.clients)
        qa = statistics.quantiles(att_lat, n=100)
        print(f"attestations acknowledged (recovered, snapshot-checked, fsync'd): {att_rate:8.1f} /s   "
              f"latency p50 {qa[49] * 1e3:.1f} ms, p99 {qa[98] * 1e3:.1f} ms  ({args.attestations} below quorum)")
        print(f"quorum of 16 posted -> epoch settled on chain: {settle_s:.2f} s")
        print(f"ratio attestations/s : weights rows/s = {att_rate / (total / ack_s):.2f}")


if __name__ == "__main__":
    main()
