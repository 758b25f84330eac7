"""End to end on a real Anvil chain: a subnet and neurons registered through the chain actions,
a real uvicorn axon whose registry reads MetagraphViews, and a real dendrite.

A registered validator's signed request is served; an unregistered caller is refused with 403
before the handler runs; the axon picks up a registration made after it started."""

from __future__ import annotations

import asyncio

from eth_account import Account

from evmtensor.chain import actions
from evmtensor.protocol import TEXT_TASK, Axon, Dendrite, Signer, TextRequest, TextResponse
from evmtensor.protocol.dendrite import AxonTarget
from evmtensor.chain.metagraph import chain_registry
from evmtensor.protocol.server import serve_in_thread


def _signer(account) -> Signer:
    return Signer(bytes(account.key))


def _query(signer: Signer, target: AxonTarget, text: str):
    async def go():
        async with Dendrite(signer, timeout=5) as dendrite:
            return await dendrite.call(target, TEXT_TASK, TextRequest(text=text))

    return asyncio.run(go())


def test_axon_serves_registered_callers_from_the_chain(client, accounts, tmp_path):
    owner, miner_cold, validator_cold = accounts[1], accounts[2], accounts[3]
    owner_hot, miner_hot, validator_hot, late_hot = (Account.create() for _ in range(4))
    netuid = actions.register_subnet(client, owner, owner_hot)
    actions.register_neuron(client, netuid, miner_cold, miner_hot)
    actions.register_neuron(client, netuid, validator_cold, validator_hot)
    actions.stake(client, netuid, validator_cold, validator_hot.address, 50 * 10**9)

    registry = chain_registry(client, netuid, poll_interval_s=0.1)
    calls: list[str] = []

    def handler(request: TextRequest, ctx) -> TextResponse:
        calls.append(request.text)
        return TextResponse(text=request.text[::-1])

    axon = Axon(_signer(miner_hot), registry, data_dir=tmp_path).attach(TEXT_TASK, handler)
    with serve_in_thread(axon.app()) as server:
        target = AxonTarget(server.url, miner_hot.address)
        served = _query(_signer(validator_hot), target, "subnet")
        assert served.ok, served
        assert served.response.text == "tenbus"
        assert registry.lookup(validator_hot.address).stake > 0

        refused = _query(_signer(late_hot), target, "intruder")
        assert not refused.ok and refused.status == 403
        assert calls == ["subnet"]

        actions.register_neuron(client, netuid, accounts[4], late_hot)
        registry.refresh()
        assert _query(_signer(late_hot), target, "newcomer").ok
    assert calls == ["subnet", "newcomer"]
