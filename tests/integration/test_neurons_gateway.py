"""The validator's OpenAI-compatible gateway through the real `openai` client, and the
validator's scheduled loop (apscheduler) producing rounds and signed weights, on real uvicorn
servers."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from evmtensor.chain.weights import recover_weights_signer
from evmtensor.protocol import ServerThread, StaticRegistry
from miner.backend import Prompt, SamplingKey, TransformersBackend
from miner.embedding import MiniLMEmbedder
from miner.service import MinerService
from miner.tiny import build_tiny_gpt2
from neuron_helpers import one_torch_thread, echo_axon, garbage_axon, signers, wait_ready
from validator.gateway import MINER_UID_HEADER
from validator.metagraph import Neuron, StaticMetagraph
from validator.neuron import Validator
from validator.scoring import TextGenerationTask
from validator.settings import ValidatorSettings
from validator.weights import MemoryWeightsSink

API_KEY = "sk-test-gateway"
GOOD, ECHO, GARBAGE = 1, 2, 3


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def network(tiny_folder, tmp_path_factory):
    """Three miners (the good one has the lowest incentive) and a validator with its gateway;
    the loop runs every 0.5 s, weights every 1 s."""
    keys = signers(4)
    callers = StaticRegistry.of(keys[0].address)
    good = MinerService(keys[GOOD], callers, TransformersBackend(tiny_folder, device="cpu"),
                        data_dir=None)
    miners = ServerThread([good.app(), echo_axon(keys[ECHO], callers).app(),
                           garbage_axon(keys[GARBAGE], callers).app()]).start()
    wait_ready(miners.urls[0])
    neurons = [Neuron(0, keys[0].address, None, validator_permit=True),
               Neuron(GOOD, keys[GOOD].address, miners.urls[0], incentive=0.1),
               Neuron(ECHO, keys[ECHO].address, miners.urls[1], incentive=0.5),
               Neuron(GARBAGE, keys[GARBAGE].address, miners.urls[2], incentive=0.4)]
    embedder = MiniLMEmbedder()
    task = TextGenerationTask(TransformersBackend(tiny_folder, device="cpu"), embedder,
                              max_tokens=12)
    sink = MemoryWeightsSink()
    settings = ValidatorSettings(data_dir=tmp_path_factory.mktemp("validator"), timeout_s=5,
                                 round_interval_s=0.5, weights_interval_s=1.0, seed=1,
                                 gateway_api_key=API_KEY, gateway_timeout_s=10,
                                 model_name="tiny-subnet")
    validator = Validator(keys[0], StaticMetagraph(1, neurons), [task], sink, settings)
    gateway = ServerThread([validator.app()]).start(timeout=60)
    client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=API_KEY, max_retries=0,
                           http_client=httpx.Client(trust_env=False))
    yield client, gateway.url, validator, sink, good
    client.close()
    gateway.stop()
    miners.stop()


def _expected(good: MinerService, text: str, tokens: int) -> str:
    return good.backend.generate([Prompt((("user", text),), tokens)], SamplingKey(), 0)[0].text


def test_chat_completion_returns_the_best_answer_with_its_uid(network):
    client, _, validator, _, good = network
    raw = client.chat.completions.with_raw_response.create(
        model="tiny-subnet", messages=[{"role": "user", "content": "Hello there"}], max_tokens=8)
    completion = raw.parse()
    # the top three by incentive are all three miners; the good one wins on score
    assert raw.headers[MINER_UID_HEADER] == str(GOOD)
    assert completion.choices[0].message.content == _expected(good, "Hello there", 8)
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.completion_tokens == 8
    assert validator.store.score_of(GOOD) > 0  # the request fed the scores


def test_streaming_chat_sends_the_same_answer_as_events(network):
    client, _, _, _, good = network
    stream = client.chat.completions.create(
        model="tiny-subnet", messages=[{"role": "user", "content": "Tell me about stake"}],
        max_tokens=10, stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 3 and chunks[-1].choices[0].finish_reason == "stop"
    assert text == _expected(good, "Tell me about stake", 10)


def test_completions_and_models(network):
    client, _, _, _, good = network
    completion = client.completions.create(model="tiny-subnet", prompt="The quick brown fox",
                                           max_tokens=6)
    assert completion.choices[0].text == _expected(good, "The quick brown fox", 6)
    assert [m.id for m in client.models.list().data] == ["tiny-subnet"]


def test_gateway_refuses_bad_requests_in_openai_format(network):
    client, url, _, _, _ = network
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0,
                      http_client=httpx.Client(trust_env=False)).models.list()
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="tiny-subnet", messages=[], max_tokens=4)
    assert caught.value.body["code"] == "invalid_body"
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="tiny-subnet", max_tokens=4,
                                       messages=[{"role": "tool", "content": "x"}])


def test_the_scheduled_loop_scores_and_signs_weights(network):
    _, _, validator, sink, _ = network
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(validator.reports) < 2 or not sink.submitted):
        time.sleep(0.2)
    assert len(validator.reports) >= 2 and sink.submitted
    signed = sink.submitted[-1]
    mg = validator.metagraph
    assert recover_weights_signer(mg.verifying_contract, mg.chain_id, signed.row,
                                  signed.signature) == validator.signer.address
    weights = dict(zip(signed.row.uids, signed.row.values))
    assert max(weights, key=weights.get) == GOOD
