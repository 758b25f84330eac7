"""Benchmark the signed protocol against Bittensor's own axon and dendrite, in one run.

    .venv/bin/python bench/bench_protocol.py [--quick] [--no-anchor]

On loopback (127.0.0.1 only) with a trivial handler (text in, text out) it measures sequential
p50/p99, fan-out to 16 and 256 axons p50/p99, requests/s on one axon at 32 in flight, and the
per-request sign and verify cost. Axons run in separate server processes (one for 1 or 16 axons,
two of 128 each for 256), the client in this process; the anchor (bittensor==10.5.0 from
bench/.venv-bittensor, created by bench/setup_bittensor_anchor.sh) is measured the same way by
bench/_bt_anchor.py, right after ours, and the table shows both with the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from evmtensor.protocol import (
    BACKEND,
    TEXT_TASK,
    Axon,
    AxonTarget,
    Dendrite,
    ServerThread,
    Signer,
    StaticRegistry,
    TextRequest,
    TextResponse,
    recover_address,
)
from evmtensor.protocol import canonical as c
from evmtensor.protocol.crypto import keccak

ANCHOR_VENV = ROOT / "bench" / ".venv-bittensor"
ANCHOR_HOME = ROOT / "bench" / ".home"


async def _echo(request: TextRequest, ctx: object) -> TextResponse:
    return TextResponse(text=request.text)


def serve(n: int, caller: str) -> None:
    """Child process: n axons on one event loop, durable nonce stores, until stdin closes."""
    data = Path(tempfile.mkdtemp(prefix="evmt-bench-"))
    registry = StaticRegistry.of(caller, stake=1_000_000_000)
    signers = [Signer(os.urandom(32)) for _ in range(n)]
    apps = [Axon(s, registry, data_dir=data).attach(TEXT_TASK, _echo).app() for s in signers]
    with ServerThread(apps) as server:
        entries = [{"url": u, "hotkey": s.address} for u, s in zip(server.urls, signers)]
        print(json.dumps(entries), flush=True)
        sys.stdin.read()


def _spawn(n: int, caller: str) -> tuple[subprocess.Popen[str], list[AxonTarget]]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(n), "--caller", caller],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("axon server process failed to start")
    return proc, [AxonTarget(e["url"], e["hotkey"]) for e in json.loads(line)]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def _sequential(d: Dendrite, target: AxonTarget, n: int) -> dict[str, float]:
    lat, ok = [], 0
    for i in range(n + 20):
        t = time.perf_counter()
        r = await d.call(target, TEXT_TASK, TextRequest(text="hello"))
        if i >= 20:
            lat.append((time.perf_counter() - t) * 1000)
            ok += r.ok
    return {"p50": _pct(lat, 0.5), "p99": _pct(lat, 0.99), "ok": ok / n}


async def _fanout(d: Dendrite, targets: list[AxonTarget], rounds: int) -> dict[str, float]:
    lat, ok = [], 0
    for i in range(rounds + 2):
        t = time.perf_counter()
        rs = await d.query(targets, TEXT_TASK, TextRequest(text="hello"))
        if i >= 2:
            lat.append((time.perf_counter() - t) * 1000)
            ok += sum(r.ok for r in rs)
    return {"p50": _pct(lat, 0.5), "p99": _pct(lat, 0.99), "ok": ok / (rounds * len(targets))}


async def _throughput(d: Dendrite, target: AxonTarget, n: int, inflight: int) -> dict[str, float]:
    sem = asyncio.Semaphore(inflight)

    async def one() -> bool:
        async with sem:
            return (await d.call(target, TEXT_TASK, TextRequest(text="hello"))).ok

    await asyncio.gather(*(one() for _ in range(inflight)))
    t = time.perf_counter()
    oks = await asyncio.gather(*(one() for _ in range(n)))
    return {"rps": n / (time.perf_counter() - t), "ok": sum(oks) / n}


def _crypto(n: int = 2000) -> dict[str, float]:
    """Sign = what the dendrite does per request; verify = what the axon does per request."""
    caller, target = Signer(os.urandom(32)), Signer(os.urandom(32))
    body = TextRequest(text="hello").model_dump_json().encode()
    t = time.perf_counter()
    for nonce in range(n):
        env = c.SignedRequest(1, "text", caller.address_bytes, target.address_bytes, nonce,
                              time.time_ns() // 10**6, 12_000, keccak(body))
        sig = caller.sign(env.digest())
    sign_ms = (time.perf_counter() - t) * 1000 / n
    headers = env.headers(sig)
    t = time.perf_counter()
    for _ in range(n):
        parsed, signature = c.parse_request_headers(headers, "text")
        assert recover_address(parsed.digest(), signature) == parsed.caller
    return {"sign_ms": sign_ms, "verify_ms": (time.perf_counter() - t) * 1000 / n}


async def measure(quick: bool) -> dict[str, object]:
    scale = 0.3 if quick else 1.0
    signer = Signer(os.urandom(32))
    out: dict[str, object] = {"crypto": _crypto()}
    async with Dendrite(signer, timeout=12.0, max_connections=256) as d:
        proc, targets = _spawn(1, signer.address)
        out["sequential"] = await _sequential(d, targets[0], int(300 * scale))
        out["throughput"] = await _throughput(d, targets[0], int(3000 * scale), 32)
        proc.communicate("")
        proc, targets = _spawn(16, signer.address)
        out["fanout16"] = await _fanout(d, targets, int(30 * scale))
        proc.communicate("")
        spawned = [_spawn(128, signer.address) for _ in range(2)]
        out["fanout256"] = await _fanout(d, [t for _, ts in spawned for t in ts], int(10 * scale))
        for p, _ in spawned:
            p.communicate("")
    return out


def run_anchor(quick: bool) -> dict[str, object] | None:
    """bittensor 10.5.0 measured by bench/_bt_anchor.py in its own venv, offline."""
    python = ANCHOR_VENV / "bin" / "python"
    if not python.exists():
        print("(no bench/.venv-bittensor: run bench/setup_bittensor_anchor.sh for the anchor)")
        return None
    ANCHOR_HOME.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(ANCHOR_HOME), "READ_ONLY": "1", "PYTHONWARNINGS": "ignore"}
    cmd = [str(python), str(ROOT / "bench" / "_bt_anchor.py"), "--client"] + (["--quick"] * quick)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        print(f"anchor failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return None
    return json.loads(lines[-1])


def _rows(ours: dict, anchor: dict | None) -> list[tuple[str, float, float | None, str]]:
    spec = [
        ("sequential p50 (ms)", "sequential", "p50", "lower"),
        ("sequential p99 (ms)", "sequential", "p99", "lower"),
        ("fan-out 16 p50 (ms)", "fanout16", "p50", "lower"),
        ("fan-out 16 p99 (ms)", "fanout16", "p99", "lower"),
        ("fan-out 256 p50 (ms)", "fanout256", "p50", "lower"),
        ("fan-out 256 p99 (ms)", "fanout256", "p99", "lower"),
        ("fan-out 256 success", "fanout256", "ok", "higher"),
        ("1 axon, 32 in flight (req/s)", "throughput", "rps", "higher"),
        ("sign per request (ms)", "crypto", "sign_ms", "lower"),
        ("verify per request (ms)", "crypto", "verify_ms", "lower"),
    ]
    return [(n, ours[g][k], anchor[g][k] if anchor else None, d) for n, g, k, d in spec]


def print_table(ours: dict, anchor: dict | None) -> None:
    print(f"\nEVMTensor protocol vs bittensor 10.5.0 (loopback, trivial handler, crypto={BACKEND})")
    print(f"{'metric':<32}{'evmtensor':>12}{'bittensor':>12}{'advantage':>12}")
    for name, mine, theirs, better in _rows(ours, anchor):
        if theirs is None:
            print(f"{name:<32}{mine:>12.3f}{'-':>12}{'-':>12}")
            continue
        ratio = (theirs / mine if better == "lower" else mine / theirs) if mine and theirs else 0
        print(f"{name:<32}{mine:>12.3f}{theirs:>12.3f}{ratio:>11.1f}x")
    print("advantage = how many times better EVMTensor is (higher is better for us)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    parser.add_argument("--no-anchor", action="store_true", help="skip bittensor")
    parser.add_argument("--json", type=Path, help="also write raw results here")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--caller", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.caller)
    started = time.perf_counter()
    ours = asyncio.run(measure(args.quick))
    anchor = None if args.no_anchor else run_anchor(args.quick)
    print_table(ours, anchor)
    print(f"(bench took {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({"evmtensor": ours, "bittensor": anchor}, indent=2))


if __name__ == "__main__":
    main()
