"""EVMTensor core: code shared by the oracle, miners, validators and the CLI.

Subpackages: ``chain`` (compile, Anvil, deploy, contract client), ``wallet`` (keys),
``protocol`` (signed axon/dendrite HTTP).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
