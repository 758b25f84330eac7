"""Development tools: compile the contracts, run Anvil, deploy, the local devnet, and the
public development accounts. Runtime code (the chain client, protocol, miner, validator, relay)
never imports this package, so a neuron on another host needs neither solc nor Anvil.
"""
