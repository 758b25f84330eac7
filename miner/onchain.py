"""A miner announcing itself on chain at start-up: register its hotkey on the subnet if it is
not yet, then serve its endpoint (unless the chain already has that endpoint), through the
chain client.

The coldkey pays the registration burn and the hotkey sends ``serveAxon`` (so it needs gas on a
real network). A coldkey that cannot pay gets a `MinerSetupError` saying how much it holds and
how much the burn is, before any transaction is sent.
"""

from __future__ import annotations

import logging
from pathlib import Path

from eth_account.signers.local import LocalAccount

from evmtensor.chain import actions
from evmtensor.chain.client import ChainClient
from evmtensor.chain.metagraph import metagraph_page
from evmtensor.errors import EvmTensorError
from evmtensor.units import RAO_PER_TAO
from evmtensor.wallet import PasswordSource, Wallet

__all__ = ["MinerSetupError", "announce", "announce_wallet"]

log = logging.getLogger(__name__)


class MinerSetupError(EvmTensorError):
    """The miner cannot take its place on the subnet (e.g. the coldkey cannot pay the burn)."""


def _tao(rao: int) -> str:
    return f"{rao / RAO_PER_TAO:.9f}".rstrip("0").rstrip(".") + " TAO"


def announce(client: ChainClient, netuid: int, coldkey: LocalAccount, hotkey: LocalAccount,
             host: str, port: int) -> int:
    """Register `hotkey` on `netuid` (paid by `coldkey`) unless it is, serve ``host:port``;
    returns the UID.

    Raises:
        MinerSetupError: the coldkey's TAO does not cover the burn.
        ContractRevert: the chain refused (e.g. the subnet does not exist).
    """
    if client.view("NeuronRegistry", "isRegistered", netuid, hotkey.address):
        uid = client.view("NeuronRegistry", "uidOf", netuid, hotkey.address).uid
    else:
        burn = int(client.view("NeuronRegistry", "burnPrice", netuid))
        balance = int(client.view("TaoToken", "balanceOf", coldkey.address))
        if balance < burn:
            raise MinerSetupError(
                f"coldkey {coldkey.address} holds {_tao(balance)}, registering on subnet {netuid} "
                f"burns {_tao(burn)}: send it at least {_tao(burn - balance)} more")
        uid = actions.register_neuron(client, netuid, coldkey, hotkey, max_burn=burn)
        log.info("registered hotkey %s on subnet %s as uid %s (burnt %s)", hotkey.address,
                 netuid, uid, _tao(burn))
    served = metagraph_page(client, netuid, int(uid), 1).axons[0]
    ip, ip_type = actions.encode_ip(host)
    if (served.ip, served.port, served.ipType) == (ip, port, ip_type):
        log.info("uid %s of subnet %s already serves %s:%s on chain", uid, netuid, host, port)
    else:  # a restart on the same endpoint sends nothing (serving is rate-limited)
        actions.serve_axon(client, netuid, hotkey, host, port)
        log.info("serving uid %s of subnet %s at %s:%s on chain", uid, netuid, host, port)
    return int(uid)


def announce_wallet(rpc_url: str, deployment: Path, netuid: int, wallet: str, hotkey: str,
                    root: Path | None, password_file: Path | None, host: str, port: int) -> int:
    """`announce` with the wallet's coldkey (pays) and hotkey, for ``python -m miner
    --announce``."""
    passwords = PasswordSource(password_file=password_file)
    keys = Wallet(wallet, root)
    client = ChainClient.connect(rpc_url, deployment)
    return announce(client, netuid, keys.coldkey(passwords), keys.hotkey(passwords, hotkey),
                    host, port)
