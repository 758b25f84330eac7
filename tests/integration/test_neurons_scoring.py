"""A real validator scoring real uvicorn miners: one serving the tiny GPT-2 (the same model the
validator uses for its reference), one echoing, one answering garbage, one too slow, one copying
the good miner, one answering blank text; a miner killed mid-round; restarts; a UID re-registered
by another hotkey."""

from __future__ import annotations

import asyncio
import os
import time

import numpy as np
import pytest

from evmtensor.chain.weights import recover_weights_signer
from evmtensor.protocol import Axon, AxonTarget, CallContext, ServerThread, Signer, StaticRegistry
from miner.backend import TransformersBackend
from miner.embedding import MiniLMEmbedder
from miner.service import MinerService
from miner.tasks import GENERATE_TASK, GenerateRequest, GenerateResponse
from miner.tiny import build_tiny_gpt2
from neuron_helpers import (
    one_torch_thread,
    copier_axon,
    echo_axon,
    garbage_axon,
    signers,
    slow_axon,
    spawn_miner_process,
    wait_ready,
)
from validator.metagraph import Neuron, StaticMetagraph
from validator.neuron import Validator
from validator.scoring import TextGenerationTask
from validator.settings import ValidatorSettings
from validator.weights import U16_MAX, MemoryWeightsSink, WeightRules

GOOD, ECHO, GARBAGE, SLOW, COPIER, IMPOSTOR, BLANK = 1, 2, 3, 4, 5, 7, 8


def blank_axon(signer: Signer, callers: StaticRegistry) -> Axon:
    """A miner that answers in time, signed, with nothing but whitespace."""

    async def handle(request: GenerateRequest, ctx: CallContext) -> GenerateResponse:
        return GenerateResponse(text=" \n\t ", completion_tokens=3)

    return Axon(signer, callers, data_dir=None).attach(GENERATE_TASK, handle)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def embedder():
    model = MiniLMEmbedder()
    model.load()
    return model


@pytest.fixture(scope="module")
def subnet(tiny_folder, tmp_path_factory):
    """Six miners on two uvicorn threads and the metagraph that lists them."""
    keys = signers(9)
    validator_key, stranger_key = keys[0], os.urandom(32)
    callers = StaticRegistry.of(validator_key.address, keys[COPIER].address)
    good = MinerService(keys[GOOD], callers, TransformersBackend(tiny_folder, device="cpu"),
                        data_dir=tmp_path_factory.mktemp("good"))
    first = ServerThread([good.app()]).start()
    wait_ready(first.url)
    victim = AxonTarget(first.url, keys[GOOD].address)
    others = ServerThread([echo_axon(keys[ECHO], callers).app(),
                           garbage_axon(keys[GARBAGE], callers).app(),
                           slow_axon(keys[SLOW], callers, delay=30).app(),
                           copier_axon(keys[COPIER], callers, victim).app(),
                           blank_axon(keys[BLANK], callers).app()]).start()
    urls = {GOOD: first.url, ECHO: others.urls[0], GARBAGE: others.urls[1],
            SLOW: others.urls[2], COPIER: others.urls[3], BLANK: others.urls[4]}
    neurons = [Neuron(0, validator_key.address, None, stake=10**12, validator_permit=True)]
    neurons += [Neuron(uid, keys[uid].address, url) for uid, url in urls.items()]
    yield keys, neurons, urls, stranger_key
    others.stop()
    first.stop()


def _validator(keys, neurons, tiny_folder, embedder, data_dir, sink=None, **settings):
    metagraph = StaticMetagraph(1, neurons, rules=WeightRules(min_allowed_weights=2))
    task = TextGenerationTask(TransformersBackend(tiny_folder, device="cpu"), embedder,
                              max_tokens=12)
    conf = ValidatorSettings(data_dir=data_dir, timeout_s=2.0, seed=3, alpha=0.5, **settings)
    return Validator(keys[0], metagraph, [task], sink or MemoryWeightsSink(), conf), metagraph


async def _rounds(validator, n):
    await validator.open()
    try:
        return [await validator.run_round() for _ in range(n)]
    finally:
        await validator.close()


def test_the_good_miner_scores_and_weighs_highest(subnet, tiny_folder, embedder, tmp_path):
    keys, neurons, urls, _ = subnet
    sink = MemoryWeightsSink()
    impostor = Neuron(IMPOSTOR, Signer(os.urandom(32)).address, urls[GOOD])  # not its hotkey
    validator, _ = _validator(keys, [*neurons, impostor], tiny_folder, embedder, tmp_path, sink)
    reports = asyncio.run(_rounds(validator, 2))
    last = dict(zip(reports[-1].uids, reports[-1].rewards))
    assert sorted(last) == [GOOD, ECHO, GARBAGE, SLOW, COPIER, IMPOSTOR, BLANK]  # never itself
    assert last[IMPOSTOR] == 0.0  # the axon there answers for another hotkey: unverified
    assert last[BLANK] == 0.0  # answered in time, signed, but empty
    assert last[GOOD] == pytest.approx(1.0, abs=1e-5)  # the validator's own answer, same model
    assert last[SLOW] == 0.0  # timed out
    assert last[COPIER] == pytest.approx(0.1 * last[GOOD], abs=1e-5)  # same text, later
    assert last[GOOD] > max(last[ECHO], last[GARBAGE]) + 0.05
    scores = {uid: validator.store.score_of(uid) for uid in last}
    assert max(scores, key=scores.get) == GOOD
    assert scores[GOOD] == pytest.approx(0.75, abs=1e-5)  # 0.5*1 + 0.25*1 after two rounds

    signed = validator.set_weights()
    mg = validator.metagraph
    assert sink.submitted == [signed] and recover_weights_signer(
        mg.verifying_contract, mg.chain_id, signed.row, signed.signature) == keys[0].address
    weights = dict(zip(signed.row.uids, signed.row.values))
    assert weights[GOOD] == U16_MAX and 0 not in weights
    assert SLOW not in weights and IMPOSTOR not in weights and BLANK not in weights
    assert all(weights[GOOD] > w for uid, w in weights.items() if uid != GOOD)


def test_scheduled_rounds_post_the_first_weights_after_the_first_scored_round(subnet, tiny_folder, embedder,
                                                                            tmp_path):
    """The first weights do not wait a weights interval (an hour here); the next ones do."""
    keys, neurons, _, _ = subnet
    sink = MemoryWeightsSink()
    validator, _ = _validator(keys, neurons, tiny_folder, embedder, tmp_path, sink, weights_interval_s=3600)

    async def scenario():
        await validator.open()
        try:
            first = await validator.scheduled_round()
            rows_after_first = len(sink.submitted)
            await validator.scheduled_round()
            return first, rows_after_first
        finally:
            await validator.close()

    first, rows_after_first = asyncio.run(scenario())
    assert first.answered and rows_after_first == 1 and len(sink.submitted) == 1
    weights = dict(zip(sink.submitted[0].row.uids, sink.submitted[0].row.values))
    assert weights[GOOD] == U16_MAX  # the first round's scores


def test_a_miner_killed_mid_round_scores_zero_and_the_validator_goes_on(
        subnet, tiny_folder, embedder, tmp_path, wait_for_port):
    keys, neurons, _, stranger_key = subnet
    stranger = Signer(stranger_key)
    proc = spawn_miner_process(stranger_key, keys[0].address, "slow")
    try:
        port = wait_for_port(proc)
        doomed = Neuron(6, stranger.address, f"http://127.0.0.1:{port}")
        validator, _ = _validator(keys, [*neurons, doomed], tiny_folder, embedder, tmp_path)

        async def scenario():
            await validator.open()
            try:
                pending = asyncio.create_task(validator.run_round())
                await asyncio.sleep(0.5)  # the query is in flight on the doomed miner
                proc.kill()
                first = await pending
                second = await validator.run_round()
                return first, second
            finally:
                await validator.close()

        started = time.monotonic()
        first, second = asyncio.run(scenario())
    finally:
        proc.kill()
        proc.wait()
    assert dict(zip(first.uids, first.rewards))[6] == 0.0
    assert dict(zip(second.uids, second.rewards))[6] == 0.0
    assert dict(zip(second.uids, second.rewards))[GOOD] == pytest.approx(1.0, abs=1e-5)
    assert time.monotonic() - started < 30  # it did not wait out the dead miner's 30 s


def test_restarted_validator_gets_its_scores_back(subnet, tiny_folder, embedder, tmp_path):
    keys, neurons, _, _ = subnet
    validator, _ = _validator(keys, neurons, tiny_folder, embedder, tmp_path)
    asyncio.run(_rounds(validator, 1))
    before = validator.store.snapshot()[0]
    again, _ = _validator(keys, neurons, tiny_folder, embedder, tmp_path)
    np.testing.assert_array_equal(again.store.snapshot()[0], before)
    assert again.store.score_of(GOOD) > 0.4


def test_a_uid_taken_by_another_hotkey_starts_from_zero(subnet, tiny_folder, embedder, tmp_path):
    keys, neurons, _, stranger_key = subnet
    newcomer = Signer(stranger_key)
    validator, metagraph = _validator(keys, neurons, tiny_folder, embedder, tmp_path)
    asyncio.run(_rounds(validator, 1))
    assert validator.store.score_of(GOOD) > 0.4
    # UID 1 re-registered: a new hotkey sits there, serving an echo axon
    server = ServerThread([echo_axon(newcomer, StaticRegistry.of(keys[0].address)).app()]).start()
    metagraph.set(Neuron(GOOD, newcomer.address, server.url))

    async def refreshed():
        await validator.refresh()
        return validator.store.score_of(GOOD)

    assert asyncio.run(refreshed()) == 0.0
    try:
        reports = asyncio.run(_rounds(validator, 1))
    finally:
        server.stop()
    reward = dict(zip(reports[0].uids, reports[0].rewards))[GOOD]
    assert reward < 0.95  # the newcomer echoes
    assert validator.store.score_of(GOOD) == pytest.approx(0.5 * reward, abs=1e-9)
