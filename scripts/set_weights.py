"""Set a validator's weights: the hotkey signs the row, anyone posts it.

    NETUID=1 python scripts/set_weights.py     (after scripts/register.py)

A row is the UIDs (strictly ascending) with one u16 weight each, packed big-endian 2 bytes per
entry. The hotkey signs, under EIP-712 (domain "EVMTensor", version "1", the Weights contract),

    Weights(uint16 netuid, bytes uids, bytes values, uint64 versionKey, uint64 nonce, uint64 deadlineBlock)

``nonce`` must exceed the hotkey's last accepted one (``weightsState(netuid, hotkey).nonce``),
``versionKey`` reach the subnet's ``weightsVersionKey``, and the row land by ``deadlineBlock``.
Then ``Weights.setWeights(row)`` may be sent by anyone (here a relay account that holds no key
of the validator): the contract checks the signature, registration, permit (the owner's UID 0
needs none), rate limit and the row's shape, stores the row's hash and emits ``WeightsSet``.
``evmtensor weights check`` replays those rules before sending.
"""

import os

from _chain import connect, contract, dev_key, send

from evmtensor.chain.weights import WeightsRow, row_hash, sign_weights


def main():
    w3, deployment = connect()
    weights, neurons = contract(w3, deployment, "Weights"), contract(w3, deployment, "NeuronRegistry")
    subnets = contract(w3, deployment, "SubnetRegistry")
    netuid = int(os.environ.get("NETUID", 1))
    hotkey = dev_key(1, branch=1)  # the subnet owner's hotkey from scripts/register.py: UID 0
    relay = dev_key(4)  # pays the gas; it could be any account

    n = neurons.functions.subnetN(netuid).call()
    uids = list(range(1, n))  # every UID but our own, equally
    values = [65535] * len(uids)
    last_nonce = weights.functions.weightsState(netuid, hotkey.address).call()[2]
    (abi,) = [f for f in subnets.abi if f.get("name") == "hyperparameters"]
    names = [c["name"] for c in abi["outputs"][0]["components"]]  # the struct's fields, by name
    version_key = dict(zip(names, subnets.functions.hyperparameters(netuid).call()))["weightsVersionKey"]
    row = WeightsRow(netuid, tuple(uids), tuple(values), version_key, last_nonce + 1, w3.eth.block_number + 50)
    signed = sign_weights(hotkey, weights.address, deployment["chainId"], row)

    receipt = send(w3, weights.functions.setWeights(signed.as_tuple()), relay)
    event = weights.events.WeightsSet().process_receipt(receipt)[0]["args"]
    stored = weights.functions.weightsState(netuid, hotkey.address).call()[0]
    assert stored == row_hash(uids, values), "the contract stores keccak256(uids ++ values)"
    print(f"UID {event['uid']} set weights on subnet {netuid}: uids {uids} values {values} "
          f"(nonce {event['nonce']}, block {receipt['blockNumber']})")
    return uids


if __name__ == "__main__":
    main()
