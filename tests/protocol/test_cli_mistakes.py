"""Every user mistake on ``python -m miner`` / ``python -m validator`` is a clear message on
stderr and a non-zero exit, never a traceback or a miner that starts anyway.

Each mistake runs as a real subprocess (all of them at once, a few at a time, in a module
fixture); each test then checks one of them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from evmtensor.wallet import PasswordSource, Wallet

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
GOOD_HOTKEY = "0x" + "ab" * 20


def _mistakes(tmp: Path, miner_hot: str, busy_port: int) -> dict[str, tuple[str, list[str], dict]]:
    """name -> (module, arguments, extra environment)."""
    (tmp / "not.json").write_text("{not json")
    (tmp / "shape.json").write_text('[{"foo": 1}]')
    (tmp / "a-file").write_text("x")
    (tmp / "empty.json").write_text("{}")
    cold = tmp / "wallets" / "broken" / "coldkey.json"
    cold.parent.mkdir(parents=True, exist_ok=True)
    (cold.parent / "hotkeys").mkdir(exist_ok=True)
    (cold.parent / "hotkeys" / "default.json").write_text('{"version": 3}')
    axon = f"http://127.0.0.1:9@{miner_hot}"
    m = ["--port", "0", "--data-dir", str(tmp / "data"), "--allow", GOOD_HOTKEY]
    return {
        "missing wallet": ("miner", ["--wallet-name", "ghost", *m], {}),
        "missing hotkey": ("miner", ["--wallet-name", "m", "--hotkey", "nope", *m], {}),
        "wrong password": ("miner", ["--wallet-name", "m", *m], {"EVMTENSOR_PASSWORD": "wrong"}),
        "no password source": ("miner", ["--wallet-name", "m", *m], {"EVMTENSOR_PASSWORD": None}),
        "password file missing": (
            "miner", ["--wallet-name", "m", "--password-file", str(tmp / "nope"), *m],
            {"EVMTENSOR_PASSWORD": None}),
        "corrupt key file": ("miner", ["--wallet-name", "broken", *m], {}),
        "invalid wallet name": ("miner", ["--wallet-name", "../evil", *m], {}),
        "port out of range": ("miner", ["--wallet-name", "m", *m, "--port", "70000"], {}),
        "port not a number": ("miner", ["--wallet-name", "m", *m, "--port", "http"], {}),
        "port in use": ("miner", ["--wallet-name", "m", *m, "--port", str(busy_port)], {}),
        "host unresolvable": ("miner", ["--wallet-name", "m", *m, "--host", "no-such.invalid"], {}),
        "host not ours": ("miner", ["--wallet-name", "m", *m, "--host", "192.0.2.1"], {}),
        "allow not an address": ("miner", ["--wallet-name", "m", *m, "--allow", "0x123"], {}),
        "validators only without a model": ("miner", ["--wallet-name", "m", *m, "--validators-only"], {}),
        "registry file not JSON": (
            "miner", ["--wallet-name", "m", *m, "--registry-file", str(tmp / "not.json")], {}),
        "registry file wrong shape": (
            "miner", ["--wallet-name", "m", *m, "--registry-file", str(tmp / "shape.json")], {}),
        "registry file missing": (
            "miner", ["--wallet-name", "m", *m, "--registry-file", str(tmp / "nope.json")], {}),
        "deployment missing": (
            "miner", ["--wallet-name", "m", "--port", "0", "--deployment", str(tmp / "nope.json"),
                      "--netuid", "1"], {}),
        "deployment not JSON": (
            "miner", ["--wallet-name", "m", "--port", "0", "--deployment", str(tmp / "not.json"),
                      "--netuid", "1"], {}),
        "deployment empty object": (
            "miner", ["--wallet-name", "m", "--port", "0", "--deployment",
                      str(tmp / "empty.json"), "--netuid", "1"], {}),
        "deployment without netuid": (
            "miner", ["--wallet-name", "m", "--port", "0", "--deployment",
                      str(tmp / "not.json")], {}),
        "rpc url unreachable": (
            "miner", ["--wallet-name", "m", "--port", "0", "--deployment",
                      str(tmp / "empty.json"), "--netuid", "1", "--rpc-url",
                      "http://127.0.0.1:9"], {}),
        "rpc url malformed": (
            "miner", ["--wallet-name", "m", "--port", "0", "--deployment",
                      str(tmp / "empty.json"), "--netuid", "1", "--rpc-url", "not a url"], {}),
        "data dir is a file": (
            "miner", ["--wallet-name", "m", "--port", "0", "--allow", GOOD_HOTKEY,
                      "--data-dir", str(tmp / "a-file")], {}),
        "data dir not writable": (
            "miner", ["--wallet-name", "m", "--port", "0", "--allow", GOOD_HOTKEY,
                      "--data-dir", "/proc/evmtensor"], {}),
        "unknown option": ("miner", ["--wallet-name", "m", *m, "--bogus"], {}),
        "validator axon without hotkey": ("validator", ["--wallet-name", "v", "--axon",
                                                        "http://127.0.0.1:9"], {}),
        "validator axon bad hotkey": ("validator", ["--wallet-name", "v", "--axon",
                                                    "http://127.0.0.1:9@0xnothex"], {}),
        "validator axon not http": ("validator", ["--wallet-name", "v", "--axon",
                                                  f"ftp://x@{miner_hot}"], {}),
        "validator no axon": ("validator", ["--wallet-name", "v"], {}),
        "validator negative timeout": ("validator", ["--wallet-name", "v", "--axon", axon,
                                                     "--timeout", "-1"], {}),
        "validator timeout not a number": ("validator", ["--wallet-name", "v", "--axon", axon,
                                                         "--timeout", "soon"], {}),
        "validator missing wallet": ("validator", ["--wallet-name", "ghost", "--axon", axon], {}),
        "validator wrong password": ("validator", ["--wallet-name", "v", "--axon", axon],
                                     {"EVMTENSOR_PASSWORD": "wrong"}),
        "validator axon unreachable": ("validator", ["--wallet-name", "v", "--axon", axon,
                                                     "--timeout", "2"], {}),
    }


def _run(module: str, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    try:
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:  # e.g. a miner that started despite the mistake
        return -999, str(exc.stdout or ""), f"still running after 120 s: {exc.stderr!r}"
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str]]:
    tmp = tmp_path_factory.mktemp("cli")
    base = {**os.environ, "EVMTENSOR_KDF_N": "16", "EVMTENSOR_PASSWORD": "pw",
            "EVMTENSOR_WALLET_PATH": str(tmp / "wallets"), "PYTHONPATH": str(ROOT),
            "HOME": str(tmp / "home")}
    base.pop("EVMTENSOR_PASSWORD_FILE", None)
    passwords = PasswordSource(password="pw", prompt=False)
    os.environ["EVMTENSOR_KDF_N"] = "16"
    try:
        _, miner_hot = Wallet("m", tmp / "wallets").create(passwords)
        Wallet("v", tmp / "wallets").create(passwords)
    finally:
        del os.environ["EVMTENSOR_KDF_N"]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        mistakes = _mistakes(tmp, miner_hot.address, busy.getsockname()[1])

        def one(item):
            name, (module, args, extra) = item
            env = {**base, **{k: v for k, v in extra.items() if v is not None}}
            for k in (k for k, v in extra.items() if v is None):
                env.pop(k, None)
            return name, _run(module, args, env)

        with ThreadPoolExecutor(3) as pool:
            return dict(pool.map(one, mistakes.items()))


NAMES = [
    "missing wallet", "missing hotkey", "wrong password", "no password source",
    "password file missing", "corrupt key file", "invalid wallet name", "port out of range",
    "port not a number", "port in use", "host unresolvable", "host not ours",
    "allow not an address", "validators only without a model", "registry file not JSON", "registry file wrong shape",
    "registry file missing", "deployment missing", "deployment not JSON",
    "deployment empty object", "deployment without netuid", "rpc url unreachable",
    "rpc url malformed", "data dir is a file", "data dir not writable", "unknown option",
    "validator axon without hotkey", "validator axon bad hotkey", "validator axon not http",
    "validator no axon", "validator negative timeout", "validator timeout not a number",
    "validator missing wallet", "validator wrong password", "validator axon unreachable",
]


def test_the_list_of_mistakes_is_complete(outcomes):
    assert sorted(outcomes) == sorted(NAMES)


@pytest.mark.parametrize("mistake", NAMES)
def test_a_mistake_is_a_message_and_a_non_zero_exit(outcomes, mistake: str):
    code, out, err = outcomes[mistake]
    assert code not in (0, -999), (code, out, err)
    assert "Traceback" not in err + out, err
    assert err.strip(), "no message on stderr"
    assert len(err.strip().splitlines()) <= 6, err  # a message, not a log dump
