"""``python -m validator --relay-url`` as a real process next to a real relay process on Anvil:
it opens the first epoch, attests it through the relay (its stake is needed for the quorum), the
relay settles it, and the validator's weights, signed as the Weights contract's rows, then land
on chain through the relay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "epoch"))  # the epoch tests' helpers

from epoch_net import TAO, EpochNet  # noqa: E402

from contracts.core_helpers import register_neuron  # noqa: E402
from evmtensor.chain import actions  # noqa: E402
from evmtensor.wallet import PasswordSource, Wallet  # noqa: E402
from miner.tiny import build_tiny_gpt2  # noqa: E402
from oracle.epoch import find_opened, quorum_reached  # noqa: E402
from oracle.epoch.job import EpochJob  # noqa: E402
from oracle.relay.client import RelayClient, RelayError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _until(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what} not within {timeout} s; validator log:\n{log.read_text()[-4000:]}")


@pytest.mark.slow
def test_a_validator_process_with_a_relay_attests_and_its_weights_land(w3, client, accounts, deployment,
                                                                       anvil, start_relay, tmp_path):
    enet = EpochNet(w3, client, accounts)
    password = tmp_path / "password"
    password.write_text("correct horse\n")
    wallet = Wallet("v", tmp_path / "wallets")
    wallet.create(PasswordSource(password_file=password))
    hotkey = wallet.hotkey(PasswordSource(password_file=password))
    uid, _, _ = register_neuron(client, enet.netuid, accounts[9], hotkey)
    actions.stake(client, enet.netuid, accounts[9], hotkey.address, 30 * TAO)
    w3.provider.make_request("anvil_setBalance", [hotkey.address, hex(10**20)])  # its hotkey pays openEpoch

    relay = start_relay()
    dep_file = tmp_path / "deployment.json"
    deployment.save(dep_file)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VALIDATOR_DATA_DIR": str(tmp_path / "data"),
           "VALIDATOR_MODEL": str(build_tiny_gpt2(tmp_path / "tiny")), "VALIDATOR_ROUND_INTERVAL_S": "2",
           "VALIDATOR_WEIGHTS_INTERVAL_S": "1", "VALIDATOR_EPOCH_INTERVAL_S": "0.5", "VALIDATOR_TIMEOUT_S": "2"}
    log = tmp_path / "validator.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "validator", "--deployment", str(dep_file), "--netuid", str(enet.netuid),
             "--rpc-url", anvil.url, "--relay-url", relay.url, "--gateway-port", "0", "--wallet-name", "v",
             "--wallet-path", str(tmp_path / "wallets"), "--password-file", str(password)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        state = lambda: client.view("EpochSettlement", "epochState", enet.netuid)  # noqa: E731
        _until(lambda: state()["snapshotBlock"], 90, "the validator opening the first epoch", log)
        snap = find_opened(client, enet.netuid)
        quorum = client.view("EpochSettlement", "params")["quorum"]
        # The two small validators cannot settle without the process's stake.
        assert not quorum_reached(snap, [2, 3], quorum) and quorum_reached(snap, [2, 3, uid], quorum)
        api = RelayClient(relay.url)
        for v in (1, 2):
            job = EpochJob(client, enet.netuid, enet.validators[v], enet.relay,
                           post=lambda result, _snap, att: api.post_attestation(result, att))
            try:
                assert job.tick() is not None
            except RelayError as exc:
                # The process attested first: with UID 2 its stake already settled the epoch.
                assert (v, exc.error) == (2, "SettlementAlreadySettled"), exc
        _until(lambda: state()["settled"], 60, "the relay settling the epoch", log)
        mine = relay.http.get(f"/v1/weights/{enet.netuid}/{hotkey.address}").json()
        assert [(s["kind"], s["status"]) for s in mine if s["kind"] == "attestation"] == [("attestation", "landed")]

        weights_set = lambda: enet.client.contract("Weights").events.WeightsSet().get_logs(  # noqa: E731
            from_block=snap.snapshot_block, argument_filters={"hotkey": hotkey.address})
        (event,) = _until(weights_set, 90, "the validator's weights landing", log)[:1]
        assert event.args.netuid == enet.netuid
        row = client.contract("Weights").functions.weightsState(enet.netuid, hotkey.address).call()
        assert row[1] == event.blockNumber and row[2] == event.args.nonce
    finally:
        proc.kill()
        proc.wait(timeout=10)
