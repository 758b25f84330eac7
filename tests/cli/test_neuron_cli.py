"""`evmtensor neuron register|serve` and `evmtensor metagraph`: the burn shown is the burn paid,
the metagraph rows are the chain's, and refusals come back named."""

from __future__ import annotations

from evmtensor.units import U16_MAX
from evmtensor.wallet import PasswordSource, Wallet


def _new_hotkey(wallet_root, wallet: str, name: str, w3) -> str:
    created = Wallet(wallet, wallet_root).new_hotkey(name, PasswordSource(password="pw"))
    w3.provider.make_request("anvil_setBalance", [created.address, hex(10**20)])
    return created.address


def test_register_shows_and_burns_the_burn(run, netuid, alice, client, accounts, wallet_root, w3):
    hot = _new_hotkey(wallet_root, "alice", "miner", w3)
    tao = client.contract("TaoToken").functions
    declined = run("neuron", "register", netuid, "--wallet-name", "alice", "--hotkey", "miner", input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.stderr
    burn = client.view("MetagraphViews", "subnet", netuid)["burn"]
    assert f"{burn / 10**9:g} TAO" in declined.stdout.replace(",", "")
    before = client.call(tao.balanceOf(accounts[0].address))
    out = run.json("neuron", "register", netuid, "--wallet-name", "alice", "--hotkey", "miner", "--yes")
    # The burn decays per block: what is paid is at most what was shown, and is the event's.
    assert out["uid"] == 1 and out["hotkey"] == hot and 0 < out["burn_rao"] <= burn
    assert before - client.call(tao.balanceOf(accounts[0].address)) == out["burn_rao"]
    assert client.call(client.contract("NeuronRegistry").functions.isRegistered(netuid, hot))
    again = run.fails("neuron", "register", netuid, "--wallet-name", "alice", "--hotkey", "miner", "--yes")
    assert f"hotkey {hot} is already registered on subnet {netuid}" in again


def test_register_errors_are_named(run, netuid, alice, bob, client, wallet_root, w3):
    _new_hotkey(wallet_root, "alice", "miner", w3)
    burn = client.view("MetagraphViews", "subnet", netuid)["burn"]
    capped = run.fails("neuron", "register", netuid, "--wallet-name", "alice", "--hotkey", "miner",
                       "--max-burn", "0.000000001", "--yes")
    assert "NeuronRegistryBurnAboveLimit(" in capped and ", 1)" in capped and "burn rose above your limit" in capped
    broke = run.fails("neuron", "register", netuid, "--wallet-name", "bob", "--yes")
    assert "NeuronRegistryBurnNotCovered(0, " in broke and "does not cover the registration burn" in broke
    assert burn > 0
    unknown = run.fails("neuron", "register", 77, "--wallet-name", "alice", "--yes")
    assert "there is no subnet 77 on this chain" in unknown
    nokey = run.fails("neuron", "register", netuid, "--wallet-name", "alice", "--hotkey", "ghost", "--yes")
    assert "hotkey 'ghost' of wallet 'alice' not found" in nokey


def test_serve_publishes_the_axon(run, netuid, alice):
    run.json("subnet", "set", netuid, "servingRateLimit=50", "--wallet-name", "alice", "--yes")
    out = run.json("neuron", "serve", netuid, "--ip", "10.1.2.3", "--port", 8091, "--wallet-name", "alice")
    assert out["hotkey"] == alice.hotkey_address()
    (row,) = run.json("metagraph", netuid)["neurons"]
    assert row["axon"] == "10.1.2.3:8091"
    limited = run.fails("neuron", "serve", netuid, "--ip", "10.1.2.3", "--port", 8092, "--wallet-name", "alice")
    assert (f"NeuronRegistryServingRateLimited({netuid}, '{alice.hotkey_address()}', "
            f"{out['block'] + 50})") in limited and "served too recently" in limited


def test_serve_rejects_bad_endpoints(run, netuid, alice, bob):
    bad_ip = run("neuron", "serve", netuid, "--ip", "300.1.1.1", "--port", 1, "--wallet-name", "alice")
    assert bad_ip.exit_code == 2 and "not an IPv4 or IPv6 address" in bad_ip.stderr
    unregistered = run.fails("neuron", "serve", netuid, "--ip", "10.0.0.1", "--port", 1, "--wallet-name", "bob")
    assert f"NeuronRegistryNotRegistered({netuid}, '{bob.hotkey_address()}')" in unregistered


def test_metagraph_rows_are_the_chain(run, netuid, alice, client, accounts, wallet_root, w3):
    hot = _new_hotkey(wallet_root, "alice", "miner", w3)
    run.json("neuron", "register", netuid, "--wallet-name", "alice", "--hotkey", "miner", "--yes")
    out = run.json("metagraph", netuid)
    page = client.view("MetagraphViews", "metagraph", netuid, 0, 10, block=out["block"])
    assert [r["uid"] for r in out["neurons"]] == [0, 1]
    assert [r["hotkey"] for r in out["neurons"]] == [alice.hotkey_address(), hot] == page["hotkeys"]
    for i, row in enumerate(out["neurons"]):
        assert row["coldkey"] == accounts[0].address
        assert row["stake"] == page["alphaStake"][i] and row["emission"] == page["emission"][i]
        assert row["incentive"] == page["incentive"][i] / U16_MAX
        assert row["validator_permit"] == page["validatorPermit"][i]
        assert row["last_update"] == page["lastUpdate"][i] and row["axon"] is None
        assert row["trust"] is None and row["consensus"] is None  # not kept on chain
    table = run("metagraph", netuid, "--wide")
    assert table.exit_code == 0
    for column in ("UID", "hotkey", "coldkey", "stake", "trust", "consensus", "incentive", "dividends",
                   "emission", "permit", "axon", "last update"):
        assert column in table.stdout
    assert hot in table.stdout
