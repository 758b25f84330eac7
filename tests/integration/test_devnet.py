"""The README's run command end to end: `evmtensor devnet up --profile fast --model tiny` as a
headless process on a free port, two epochs settled by the validators through the relay, the
payouts checked on chain against the `EpochSettled` and `Staked` events (the owner, the miners,
the validators and the devnet's nominator, staked to validator 0 before any epoch), a killed
miner restarted and noted, then `devnet down` and every process gone. Plus the chain-only `--once` set-up and its resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from evmtensor.chain.client import ChainClient
from evmtensor.chain.credits import decode_credits
from evmtensor.devtools.accounts import dev_account, dev_hotkey
from evmtensor.devtools.anvil import free_port, free_port_block
from evmtensor.devtools.devnet import NOMINATOR, DevnetConfig, miner_hotkeys, validator_hotkeys
from evmtensor.devtools.supervisor import alive
from evmtensor.paths import REPO_ROOT

EVMTENSOR = [sys.executable, "-m", "evmtensor", "devnet"]


def _devnet(*args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([*EVMTENSOR, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)


def test_devnet_once_populates_and_resumes(tmp_path):
    port = free_port()
    first = _devnet("up", "--once", "--data-dir", str(tmp_path), "--port", str(port))
    assert first.returncode == 0, first.stderr
    assert "(reused)" not in first.stdout
    head = next(line for line in first.stdout.splitlines() if line.startswith("block "))
    assert "subnet 1" in head and "epochs settled 0" in head
    table = [line for line in first.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(table) == 6  # the owner's hotkey (UID 0), 2 validators, 3 miners

    second = _devnet("up", "--once", "--data-dir", str(tmp_path), "--port", str(port))
    assert second.returncode == 0, second.stderr
    assert "(reused)" in second.stdout
    assert len([line for line in second.stdout.splitlines() if line.strip()[:1].isdigit()]) == 6


def test_devnet_port_in_use_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = _devnet("up", "--once", "--data-dir", str(tmp_path), "--port", str(busy.getsockname()[1]))
    assert result.returncode == 1
    assert "Error: anvil exited" in result.stderr and "Traceback" not in result.stderr


def _status(tmp_path, port) -> dict:
    result = _devnet("status", "--json", "--data-dir", str(tmp_path), "--port", str(port), timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _staked_alpha(client: ChainClient, coldkey: str, hotkey: str) -> int:
    logs = client.contract("StakingPools").events.Staked.get_logs(
        from_block=client.deployment.deploy_block, argument_filters={"netuid": 1, "coldkey": coldkey})
    return sum(e.args.alphaOut for e in logs if e.args.hotkey == hotkey)


def _wait_for_paid_epochs(tmp_path, port, up, log, paid, deadline_s=240.0) -> dict:
    """Poll `devnet status --json` until two epochs are settled and ``paid()`` holds."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert up.poll() is None, f"devnet up exited with {up.returncode}:\n{log.read_text()[-4000:]}"
        status = _status(tmp_path, port)
        if (status["epochs_settled"] or 0) >= 2 and paid():
            return status
        time.sleep(2)
    pytest.fail(f"no two settled epochs within {deadline_s}s; last status {status}\n{log.read_text()[-4000:]}")


def _stake(client, coldkey, hotkey) -> int:
    return client.view("StakingPools", "stakeOf", coldkey, hotkey, 1)


def _check_payouts(client: ChainClient, cfg: DevnetConfig, miner_keys: list) -> None:
    """Every settled epoch's payout, followed to the stake it became, all read at one block."""
    block = client.w3.eth.block_number
    span = {"from_block": client.deployment.deploy_block, "to_block": block}
    pools = client.contract("StakingPools")
    settled = client.contract("EpochSettlement").events.EpochSettled.get_logs(**span, argument_filters={"netuid": 1})
    assert len(settled) >= 2
    owner_cut, miner_paid, validator_paid = (sum(getattr(e.args, f) for e in settled)
                                             for f in ("ownerCut", "minerAlpha", "validatorAlpha"))
    credited: dict[tuple[str, str], int] = {}
    dividends = 0
    for e in pools.events.Credited.get_logs(**span, argument_filters={"netuid": 1}):
        for c in decode_credits(1, bytes(e.args.credits)):
            if c.dividend:
                dividends += c.alpha
            else:
                credited[(c.coldkey, c.hotkey)] = credited.get((c.coldkey, c.hotkey), 0) + c.alpha
    assert sum(credited.values()) == owner_cut + miner_paid and dividends == validator_paid

    def stake(coldkey, hotkey):
        return pools.functions.stakeOf(coldkey, hotkey, 1).call(block_identifier=block)

    # The owner and the miners stake nothing: all they hold is what settlement credited them
    # (a share pool may round each credit down by one).
    owner = (dev_account(1).address, dev_hotkey(0).address)
    assert owner_cut > 0 and credited[owner] == owner_cut
    assert owner_cut - len(settled) <= stake(*owner) <= owner_cut
    for key in miner_keys:
        assert credited.get(key, 0) > 0, (key, credited)
        assert credited[key] - len(settled) <= stake(*key) <= credited[key]
    # Validators and the nominator: what they hold beyond what they staked is dividends (and any
    # incentive credited to a validator's own keys).
    holders = [(dev_account(2 + i).address, k.address) for i, k in enumerate(validator_hotkeys(cfg))]
    holders.append((dev_account(NOMINATOR).address, validator_hotkeys(cfg)[0].address))
    gains = [stake(c, h) - _staked_alpha(client, c, h) for c, h in holders]
    assert all(g > 0 for g in gains), gains
    expected = validator_paid + sum(credited.get(k, 0) for k in holders)
    assert expected - 4 * len(settled) * len(holders) <= sum(gains) <= expected


@pytest.mark.slow
def test_devnet_up_settles_epochs_pays_everyone_and_goes_down(tmp_path):
    port = free_port_block(32)
    log = tmp_path / "up.log"
    data = tmp_path / "devnet"
    with open(log, "w") as out:
        up = subprocess.Popen([*EVMTENSOR, "up", "--profile", "fast", "--model", "tiny", "--plain",
                               "--data-dir", str(data), "--port", str(port)],
                              stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 120
        while not (data / "deployment.json").exists() or _status(data, port)["block"] is None:
            assert up.poll() is None and time.monotonic() < deadline, log.read_text()[-4000:]
            time.sleep(0.5)
        client = ChainClient.connect(f"http://127.0.0.1:{port}", data / "deployment.json")
        while (victim := _status(data, port)["processes"].get("miner-2", {}).get("pid")) is None:
            assert up.poll() is None and time.monotonic() < deadline, log.read_text()[-4000:]
            time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)  # the supervisor must start it again and say so
        cfg = DevnetConfig(data, port, "fast", 3, 2, "tiny")
        miner_keys = [(dev_account(2 + cfg.validators + j).address, k.address) for j, k in enumerate(miner_hotkeys(cfg))]
        validators = [(dev_account(2 + i).address, k.address) for i, k in enumerate(validator_hotkeys(cfg))]

        def everyone_paid() -> bool:
            # Miners hold only what settlement credited; a validator more than it staked. A
            # validator whose first weights came after the last settled snapshot earns from the
            # next epoch on, so wait for that too rather than race it.
            return (all(_stake(client, *k) for k in miner_keys)
                    and all(_stake(client, *v) > _staked_alpha(client, *v) for v in validators))

        status = _wait_for_paid_epochs(data, port, up, log, everyone_paid)
        running = {name: p["state"] for name, p in status["processes"].items()}
        assert set(running) == {"anvil", "relay", "miner-0", "miner-1", "miner-2", "validator-0", "validator-1"}
        assert set(running.values()) == {"running"}, running
        assert status["processes"]["miner-2"]["restarts"] == 1 and status["processes"]["miner-2"]["pid"] != victim
        assert any("miner-2 exited with -9; restarted" in note for note in status["notes"])
        assert "miner-2 exited with -9; restarted" in log.read_text()

        _check_payouts(client, cfg, miner_keys)
    finally:
        down = _devnet("down", "--data-dir", str(data), "--port", str(port), timeout=120)
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            up.send_signal(signal.SIGKILL)
            up.wait()
    assert down.returncode == 0, down.stderr
    assert up.returncode == 0, log.read_text()[-4000:]
    state = json.loads((data / "devnet.json").read_text())
    recorded = [state["anvil"], *state["processes"].values()]
    assert len(recorded) == 7
    assert not [p for p in recorded if alive(p["pid"], p["started"])]
    assert _status(data, port)["block"] is None  # Anvil is gone too; its state file stays
    assert (data / "anvil-state.json").exists()


def test_devnet_refuses_a_taken_relay_port_before_starting_anything(tmp_path):
    import socket

    port = free_port_block(32)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port + 1))
        busy.listen()
        result = _devnet("up", "--profile", "fast", "--model", "tiny", "--plain",
                         "--data-dir", str(tmp_path), "--port", str(port))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"ports in use: relay :{port + 1}" in result.stderr
    state = json.loads((tmp_path / "devnet.json").read_text())
    assert state["supervisor"] is None and not (tmp_path / "logs").exists()
