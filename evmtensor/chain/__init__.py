"""The chain runtime: the deployment file, the client every component acts through, the user
actions, struct views, the metagraph loader, EIP-712 typed data and revert decoding.

Nothing here compiles contracts or runs a node: that is :mod:`evmtensor.devtools`, which a miner
on another host reading a deployment file never needs.
"""

from evmtensor.chain.client import ChainClient
from evmtensor.chain.connect import connect
from evmtensor.chain.deployment import Deployment, load_deployment
from evmtensor.chain.errors import decode_revert
from evmtensor.chain.views import Record

__all__ = [
    "ChainClient",
    "Deployment",
    "Record",
    "connect",
    "decode_revert",
    "load_deployment",
]
