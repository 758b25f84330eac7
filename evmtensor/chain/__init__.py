"""Chain access: compiling the contracts, running Anvil, deploying, calling contracts."""

from evmtensor.chain.anvil import Anvil
from evmtensor.chain.compiler import compile_contracts
from evmtensor.chain.connect import connect
from evmtensor.chain.deploy import Deployment, deploy_protocol, load_deployment
from evmtensor.chain.errors import decode_revert

__all__ = [
    "Anvil",
    "Deployment",
    "compile_contracts",
    "connect",
    "decode_revert",
    "deploy_protocol",
    "load_deployment",
]
