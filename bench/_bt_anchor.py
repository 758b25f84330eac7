"""The Bittensor anchor for bench_protocol.py: bittensor 10.5.0's own bt.Axon and bt.Dendrite,
measured the same way as ours. Runs inside bench/.venv-bittensor (see setup_bittensor_anchor.sh).

    _bt_anchor.py --client [--quick]     measure, print one JSON object on the last stdout line
    _bt_anchor.py --serve N              (internal) start N axons, print their ports, wait on stdin

Offline and loopback only: the caller sets HOME to bench/.home and READ_ONLY=1 (importing
bittensor writes ~/.bittensor); axons get external_ip=127.0.0.1 and bind 127.0.0.1; the
dendrite's public-IP lookup is replaced by a loopback constant that is never contacted.
"""

# no `from __future__ import annotations`: bt.Axon.attach inspects real annotation classes

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import bittensor as bt
from bittensor.utils import networking
from bittensor_wallet import Keypair, Wallet

networking.get_external_ip = lambda: "127.0.0.2"  # never contacted; differs from the axons' IP

WALLETS = Path(os.environ.get("HOME", ".")) / "bt-wallets"


class Echo(bt.Synapse):
    """Text in, text out: the same trivial task as ours."""

    text: str = ""
    required_hash_fields: ClassVar[tuple[str, ...]] = ("text",)  # sign the body too, to be fair


def echo(synapse: Echo) -> Echo:
    return synapse


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(n: int, offset: int) -> None:
    axons = []
    for i in range(n):
        wallet = Wallet(name="bench", hotkey=f"h{offset + i}", path=str(WALLETS))
        key = Keypair.create_from_uri(f"//BenchAxon{offset + i}")
        wallet.set_hotkey(key, encrypt=False, overwrite=True)
        wallet.set_coldkeypub(key, overwrite=True)
        axon = bt.Axon(wallet=wallet, port=_free_port(), ip="127.0.0.1", external_ip="127.0.0.1")
        axon.fast_server.config.host = "127.0.0.1"  # bittensor binds 0.0.0.0 by default
        axon.attach(forward_fn=echo)
        axon.start()
        axons.append(axon)
    print(json.dumps([{"port": a.port, "hotkey": a.wallet.hotkey.ss58_address} for a in axons]))
    sys.stdout.flush()
    sys.stdin.read()
    for axon in axons:
        axon.stop()


def _spawn(n: int, offset: int) -> tuple[subprocess.Popen[str], list[dict[str, object]]]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(n), "--offset", str(offset)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("anchor axon server failed to start")
    time.sleep(0.5)  # bt.Axon.start() returns before uvicorn listens
    return proc, json.loads(line)


def _infos(entries: list[dict[str, object]]) -> list[bt.AxonInfo]:
    return [
        bt.AxonInfo(version=bt.core.settings.version_as_int, ip="127.0.0.1", ip_type=4,
                    port=int(e["port"]), hotkey=str(e["hotkey"]), coldkey=str(e["hotkey"]))
        for e in entries
    ]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def _sequential(d: bt.Dendrite, axon: bt.AxonInfo, n: int) -> dict[str, float]:
    lat, ok = [], 0
    for i in range(n + 20):
        t = time.perf_counter()
        r = await d.call(axon, Echo(text="hello"), timeout=12, deserialize=False)
        if i >= 20:
            lat.append((time.perf_counter() - t) * 1000)
            ok += r.dendrite.status_code == 200
    return {"p50": _pct(lat, 0.5), "p99": _pct(lat, 0.99), "ok": ok / n}


async def _fanout(d: bt.Dendrite, axons: list[bt.AxonInfo], rounds: int) -> dict[str, float]:
    lat, ok = [], 0
    for i in range(rounds + 2):
        t = time.perf_counter()
        rs = await d.forward(axons=axons, synapse=Echo(text="hello"), timeout=12, deserialize=False)
        if i >= 2:
            lat.append((time.perf_counter() - t) * 1000)
            ok += sum(r.dendrite.status_code == 200 for r in rs)
    return {"p50": _pct(lat, 0.5), "p99": _pct(lat, 0.99), "ok": ok / (rounds * len(axons))}


async def _throughput(d: bt.Dendrite, axon: bt.AxonInfo, n: int, inflight: int) -> dict[str, float]:
    sem = asyncio.Semaphore(inflight)

    async def one() -> bool:
        async with sem:
            r = await d.call(axon, Echo(text="hello"), timeout=12, deserialize=False)
            return r.dendrite.status_code == 200

    await asyncio.gather(*(one() for _ in range(inflight)))
    t = time.perf_counter()
    oks = await asyncio.gather(*(one() for _ in range(n)))
    return {"rps": n / (time.perf_counter() - t), "ok": sum(oks) / n}


async def _crypto(n: int = 300) -> dict[str, float]:
    """Sign = the dendrite signing a request; verify = the axon's default_verify per request."""
    key = Keypair.create_from_uri("//BenchDendrite")
    wallet = Wallet(name="bench", hotkey="crypto", path=str(WALLETS))
    server = Keypair.create_from_uri("//BenchCryptoAxon")
    wallet.set_hotkey(server, encrypt=False, overwrite=True)
    wallet.set_coldkeypub(server, overwrite=True)
    axon = bt.Axon(wallet=wallet, port=_free_port(), ip="127.0.0.1", external_ip="127.0.0.1")
    dendrite = bt.Dendrite(wallet=key)
    synapses = []
    t = time.perf_counter()
    for _ in range(n):
        synapse = Echo(text="hello")
        dendrite.preprocess_synapse_for_request(axon.info(), synapse, 12)
        synapses.append(synapse.to_headers())
    sign_ms = (time.perf_counter() - t) * 1000 / n
    synapses = [Echo.from_headers(h) for h in synapses]  # as the axon sees them (untimed)
    t = time.perf_counter()
    for synapse in synapses:
        await axon.default_verify(synapse)
    verify_ms = (time.perf_counter() - t) * 1000 / n
    raw_message = f"{time.time_ns()}.{key.ss58_address}.{server.ss58_address}.{'u' * 36}.{'h' * 64}"
    raw_sig = key.sign(raw_message)
    t = time.perf_counter()
    for _ in range(n):
        key.verify(raw_message, raw_sig)
    raw_ms = (time.perf_counter() - t) * 1000 / n
    return {"sign_ms": sign_ms, "verify_ms": verify_ms, "raw_verify_ms": raw_ms}


async def _measure(quick: bool) -> dict[str, object]:
    scale = 0.3 if quick else 1.0
    d = bt.Dendrite(wallet=Keypair.create_from_uri("//BenchDendrite"))
    out: dict[str, object] = {"crypto": await _crypto()}
    proc, entries = _spawn(1, 0)
    one = _infos(entries)[0]
    out["sequential"] = await _sequential(d, one, int(300 * scale))
    out["throughput"] = await _throughput(d, one, int(1500 * scale), 32)
    proc.communicate("")
    proc, entries = _spawn(16, 100)
    out["fanout16"] = await _fanout(d, _infos(entries), int(30 * scale))
    proc.communicate("")
    procs = [_spawn(128, 1000 + 128 * k) for k in range(2)]
    infos = [i for _, e in procs for i in _infos(e)]
    out["fanout256"] = await _fanout(d, infos, max(2, int(5 * scale)))
    for p, _ in procs:
        p.communicate("")
    await d.aclose_session()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--client", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.offset)
    elif args.client:
        print(json.dumps(asyncio.run(_measure(args.quick))))


if __name__ == "__main__":
    main()
