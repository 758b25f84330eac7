"""Register a subnet and a neuron on it, the way the contracts want it.

    python scripts/register.py          (or: brownie run scripts/register.py, see README)

1. A subnet: ``SubnetRegistry.registerSubnet(ownerHotkey, maxLockCost, deadline, signature)``
   locks the current ``lockCost()`` of the caller's TAO into the new subnet's pool; the owner
   hotkey becomes UID 0. The hotkey proves it agrees with an EIP-712 signature of
   ``Registration(netuid=0, coldkey, nonce, deadline)``.
2. A neuron: ``NeuronRegistry.registerNeuron(netuid, hotkey, maxBurn, deadline, signature)``
   burns the subnet's current ``burnPrice(netuid)`` and assigns a UID (``maxBurn`` guards
   against a burn that rises before the transaction lands).
"""

from _chain import connect, contract, deadline, dev_key, send

from evmtensor.chain.registration import sign_registration


def signature(w3, deployment, neurons, hotkey, coldkey, netuid, until):
    nonce = neurons.functions.registrationNonce(hotkey.address).call()
    return sign_registration(hotkey, neurons.address, deployment["chainId"], netuid, coldkey.address, nonce, until)


def main():
    w3, deployment = connect()
    subnets, neurons = contract(w3, deployment, "SubnetRegistry"), contract(w3, deployment, "NeuronRegistry")

    owner, owner_hotkey = dev_key(1), dev_key(1, branch=1)
    cost = subnets.functions.lockCost().call()
    until = deadline(w3)
    sig = signature(w3, deployment, neurons, owner_hotkey, owner, 0, until)
    receipt = send(w3, subnets.functions.registerSubnet(owner_hotkey.address, cost, until, sig), owner)
    netuid = subnets.events.SubnetRegistered().process_receipt(receipt)[0]["args"]["netuid"]
    print(f"subnet {netuid}: owner {owner.address}, locked {cost / 1e9} TAO")

    miner, miner_hotkey = dev_key(2), dev_key(2, branch=1)
    burn = neurons.functions.burnPrice(netuid).call()
    until = deadline(w3)
    sig = signature(w3, deployment, neurons, miner_hotkey, miner, netuid, until)
    receipt = send(w3, neurons.functions.registerNeuron(netuid, miner_hotkey.address, burn, until, sig), miner)
    uid = neurons.events.NeuronRegistered().process_receipt(receipt)[0]["args"]["uid"]
    print(f"neuron {miner_hotkey.address}: UID {uid} on subnet {netuid}, burned at most {burn / 1e9} TAO")
    return netuid


if __name__ == "__main__":
    main()
