"""The local devnet: Anvil with persisted state, the protocol deployed, a subnet with a few
neurons, and a table of the subnet's state while emission accrues.

Development keys are derived from Anvil's public test mnemonic, so a restart finds the same
coldkeys and hotkeys and reuses the chain it left (nothing is registered twice). The miner and
validator processes come later; this shows the chain side of a living subnet.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from evmtensor.chain import actions
from evmtensor.chain.anvil import DEFAULT_MNEMONIC, Anvil
from evmtensor.chain.connect import connect
from evmtensor.chain.deploy import Deployment, ensure_deployed

__all__ = ["DevnetConfig", "dev_account", "dev_hotkey", "populate", "render", "run"]

log = logging.getLogger(__name__)
Account.enable_unaudited_hdwallet_features()

RAO = 10**9
GENESIS_RAO = 100_000 * RAO


@dataclass(frozen=True)
class DevnetConfig:
    data_dir: Path
    port: int = 8545
    profile: str = "devnet"
    miners: int = 3
    validators: int = 2
    validator_stake_tao: int = 5
    block_time: float = 1.0


def dev_account(index: int) -> LocalAccount:
    """Anvil's development account ``index`` (a coldkey holding genesis TAO)."""
    return Account.from_mnemonic(DEFAULT_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def dev_hotkey(index: int) -> LocalAccount:
    """Development hotkey ``index`` (its own derivation branch: it holds no TAO)."""
    return Account.from_mnemonic(DEFAULT_MNEMONIC, account_path=f"m/44'/60'/1'/0/{index}")


def populate(dep: Deployment, cfg: DevnetConfig) -> int:
    """Register subnet 1 and its neurons unless the chain already has them; returns the netuid."""
    existing = dep.contract("SubnetRegistry").functions.activeNetuids().call()
    if existing:
        return existing[0]
    netuid = actions.register_subnet(dep, dev_account(1), dev_hotkey(0))
    for i in range(cfg.validators + cfg.miners):
        actions.register_neuron(dep, netuid, dev_account(2 + i), dev_hotkey(1 + i))
    for i in range(cfg.validators):
        actions.stake(dep, netuid, dev_account(2 + i), dev_hotkey(1 + i).address, cfg.validator_stake_tao * RAO)
    actions.accrue(dep, dev_account(0))
    return netuid


def _tao(rao: int) -> str:
    return f"{rao / RAO:,.4f}"


def render(dep: Deployment, netuid: int) -> str:
    """The subnet's header and neurons as a text table."""
    views = dep.contract("MetagraphViews").functions
    head = dict(zip(_names(dep, "subnet"), views.subnet(netuid).call()))
    pending = dep.contract("Emission").functions.pending(netuid).call()
    page = dict(zip(_names(dep, "metagraph"), views.metagraph(netuid, 0, 256).call()))
    price = head["spotPrice"] / 1e18
    lines = [
        f"block {head['blockNumber']}  subnet {netuid}  owner {head['ownerColdkey']}  neurons {head['n']}",
        f"pool: {_tao(head['taoIn'])} TAO / {_tao(head['alphaIn'])} alpha  price {price:.6f}  "
        f"ema {head['movingPrice'] / 1e18:.6f}  burn {_tao(head['burn'])} TAO",
        f"pending alpha for the next epoch: owner {_tao(pending[0])}  miners {_tao(pending[1])}  "
        f"validators {_tao(pending[2])}  ({pending[3]} blocks)",
        f"{'uid':>3}  {'hotkey':42}  {'coldkey':42}  {'stake (alpha)':>14}  {'registered':>10}",
    ]
    for uid, (hot, cold, stake, reg) in enumerate(
        zip(page["hotkeys"], page["coldkeys"], page["alphaStake"], page["registeredAt"])
    ):
        lines.append(f"{uid:>3}  {hot:42}  {cold:42}  {_tao(stake):>14}  {reg:>10}")
    return "\n".join(lines)


def _names(dep: Deployment, function: str) -> list[str]:
    """Field names of the single tuple a MetagraphViews function returns."""
    item = next(i for i in dep.abis["MetagraphViews"] if i.get("name") == function)
    return [c["name"] for c in item["outputs"][0]["components"]]


def run(cfg: DevnetConfig, *, once: bool = False, refresh_s: float = 5.0, out=print) -> None:
    """Start (or resume) the devnet and print the subnet as emission accrues; Ctrl-C stops."""
    with Anvil(port=cfg.port, state_file=cfg.data_dir / "anvil-state.json") as node:
        w3 = connect(node.url)
        genesis = [(dev_account(i).address, GENESIS_RAO) for i in range(10)]
        dep, reused = ensure_deployed(w3, dev_account(0), cfg.data_dir / "deployment.json",
                                      profile=cfg.profile, genesis=genesis)
        netuid = populate(dep, cfg)
        out(f"devnet at {node.url} (chain {dep.chain_id}); deployment {cfg.data_dir / 'deployment.json'}"
            f"{' (reused)' if reused else ''}")
        out(render(dep, netuid))
        if once:
            return
        w3.provider.make_request("evm_setIntervalMining", [int(cfg.block_time)])
        try:
            while True:
                time.sleep(refresh_s)
                actions.accrue(dep, dev_account(0))
                out("")
                out(render(dep, netuid))
        except KeyboardInterrupt:
            out("stopping; the chain's state is kept in " + str(cfg.data_dir))
