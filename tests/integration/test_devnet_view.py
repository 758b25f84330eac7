"""The devnet's population and view on the session's chain: subnet 1 with the owner, two
validators, three miners and a nominator; the view's numbers are the chain's own."""

from __future__ import annotations

from rich.console import Console

from evmtensor.devtools.accounts import dev_account
from evmtensor.devtools.devnet import NOMINATOR, DevnetConfig, miner_hotkeys, populate, validator_hotkeys
from evmtensor.devtools.devnet_view import render_rich, render_text, snapshot


def _staked(client, hotkey: str) -> int:
    logs = client.contract("StakingPools").events.Staked.get_logs(
        from_block=client.deployment.deploy_block, argument_filters={"netuid": 1})
    return sum(e.args.alphaOut for e in logs if e.args.hotkey == hotkey)


def test_populate_and_snapshot_agree_with_the_chain(client, tmp_path):
    cfg = DevnetConfig(tmp_path, 8545, "devnet", 3, 2)
    assert populate(client, cfg) == 1
    assert populate(client, cfg) == 1  # a second run registers nothing
    view = snapshot(client, 1)
    assert view["epochs_settled"] == 0 and view["paid"] == {"owner": 0, "miners": 0, "validators": 0}
    hotkeys = [n["hotkey"] for n in view["neurons"]]
    assert len(hotkeys) == 6 and hotkeys[1:] == [k.address for k in validator_hotkeys(cfg) + miner_hotkeys(cfg)]
    v0 = validator_hotkeys(cfg)[0].address
    assert view["neurons"][1]["stake"] == _staked(client, v0) > 0
    nominated = client.view("StakingPools", "stakeOf", dev_account(NOMINATOR).address, v0, 1)
    assert nominated > 0
    for j, hotkey in enumerate(miner_hotkeys(cfg)):
        axon = client.view("MetagraphViews", "metagraph", 1, 0, 256)["axons"][3 + j]
        assert axon["port"] == cfg.miner_port(j) and view["neurons"][3 + j]["stake"] == 0

    processes = {"relay": {"state": "running", "pid": 1, "port": 8546, "restarts": 2}}
    text = render_text(view, processes, ["miner-1 exited with -9; restarted (restart 1)"])
    assert f"block {view['block']}  subnet 1  epochs settled 0" in text
    assert "relay        running  pid 1:8546  restarts 2" in text and "note: miner-1 exited" in text
    console = Console(record=True, width=160)
    console.print(render_rich(view, processes, []))
    shown = console.export_text()
    assert "epochs settled 0" in shown and v0 in shown and "relay" in shown


def test_the_fast_profile_has_a_short_tempo_and_no_rate_limits(w3, accounts):
    from evmtensor.chain.client import ChainClient
    from evmtensor.devtools.deploy import deploy_protocol

    fast = ChainClient(w3, deploy_protocol(w3, accounts[0], profile="fast"))
    mainnet = ChainClient(w3, deploy_protocol(w3, accounts[0], profile="mainnet"))
    hp = fast.view("SubnetRegistry", "defaultHyperparameters")
    assert hp.tempo == 10 < mainnet.view("SubnetRegistry", "defaultHyperparameters").tempo
    assert hp.weightsRateLimit == 0 and hp.servingRateLimit == 0
    assert fast.view("SubnetRegistry", "params").networkRateLimit == 0
    assert fast.view("StakingPools", "params").takeRateLimit == 0
    assert mainnet.view("StakingPools", "params").takeRateLimit > 0
