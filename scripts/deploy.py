"""Deploy EVMTensor's contracts: the same as ``evmtensor deploy`` (see ``--help``).

    python scripts/deploy.py                      # an Anvil of our own, state under .data/
    python scripts/deploy.py --rpc-url URL --deployer-key-file KEYFILE --out deployment.json
"""

from evmtensor.devtools.commands import deploy

if __name__ == "__main__":
    deploy(prog_name="scripts/deploy.py")
