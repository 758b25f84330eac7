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

from evmtensor.chain import actions
from evmtensor.chain.client import ChainClient
from evmtensor.chain.connect import connect
from evmtensor.devtools.accounts import dev_account, dev_hotkey
from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.deploy import ensure_deployed
from evmtensor.units import PRICE_SCALE, RAO_PER_TAO

__all__ = ["DevnetConfig", "GENESIS_RAO", "populate", "render", "run"]

log = logging.getLogger(__name__)

GENESIS_RAO = 100_000 * RAO_PER_TAO


@dataclass(frozen=True)
class DevnetConfig:
    data_dir: Path
    port: int = 8545
    profile: str = "devnet"
    miners: int = 3
    validators: int = 2
    validator_stake_tao: int = 5
    block_time: float = 1.0


def populate(client: ChainClient, cfg: DevnetConfig) -> int:
    """Register subnet 1 and its neurons unless the chain already has them; returns the netuid."""
    existing = client.view("SubnetRegistry", "activeNetuids")
    if existing:
        return existing[0]
    netuid = actions.register_subnet(client, dev_account(1), dev_hotkey(0))
    for i in range(cfg.validators + cfg.miners):
        actions.register_neuron(client, netuid, dev_account(2 + i), dev_hotkey(1 + i))
    for i in range(cfg.validators):
        actions.stake(client, netuid, dev_account(2 + i), dev_hotkey(1 + i).address,
                      cfg.validator_stake_tao * RAO_PER_TAO)
    actions.accrue(client, dev_account(0))
    return netuid


def _tao(rao: int) -> str:
    return f"{rao / RAO_PER_TAO:,.4f}"


def render(client: ChainClient, netuid: int) -> str:
    """The subnet's header and neurons as a text table."""
    head = client.view("MetagraphViews", "subnet", netuid)
    pending = client.view("Emission", "pending", netuid)
    page = client.view("MetagraphViews", "metagraph", netuid, 0, 256)
    price = head["spotPrice"] / PRICE_SCALE
    lines = [
        f"block {head['blockNumber']}  subnet {netuid}  owner {head['ownerColdkey']}  neurons {head['n']}",
        f"pool: {_tao(head['taoIn'])} TAO / {_tao(head['alphaIn'])} alpha  price {price:.6f}  "
        f"ema {head['movingPrice'] / PRICE_SCALE:.6f}  burn {_tao(head['burn'])} TAO",
        f"pending alpha for the next epoch: owner {_tao(pending.ownerCut)}  miners {_tao(pending.serverAlpha)}  "
        f"validators {_tao(pending.validatorAlpha)}  ({pending.blocks} blocks)",
        f"{'uid':>3}  {'hotkey':42}  {'coldkey':42}  {'stake (alpha)':>14}  {'registered':>10}",
    ]
    for uid, (hot, cold, stake, reg) in enumerate(
        zip(page["hotkeys"], page["coldkeys"], page["alphaStake"], page["registeredAt"])
    ):
        lines.append(f"{uid:>3}  {hot:42}  {cold:42}  {_tao(stake):>14}  {reg:>10}")
    return "\n".join(lines)


def run(cfg: DevnetConfig, *, once: bool = False, refresh_s: float = 5.0, out=print) -> None:
    """Start (or resume) the devnet and print the subnet as emission accrues; Ctrl-C stops."""
    with Anvil(port=cfg.port, state_file=cfg.data_dir / "anvil-state.json") as node:
        w3 = connect(node.url)
        genesis = [(dev_account(i).address, GENESIS_RAO) for i in range(10)]
        dep, reused = ensure_deployed(w3, dev_account(0), cfg.data_dir / "deployment.json",
                                      profile=cfg.profile, genesis=genesis)
        client = ChainClient(w3, dep)
        netuid = populate(client, cfg)
        out(f"devnet at {node.url} (chain {dep.chain_id}); deployment {cfg.data_dir / 'deployment.json'}"
            f"{' (reused)' if reused else ''}")
        out(render(client, netuid))
        if once:
            return
        w3.provider.make_request("evm_setIntervalMining", [int(cfg.block_time)])
        try:
            while True:
                time.sleep(refresh_s)
                actions.accrue(client, dev_account(0))
                out("")
                out(render(client, netuid))
        except KeyboardInterrupt:
            out("stopping; the chain's state is kept in " + str(cfg.data_dir))
