"""The transformers backend on a tiny GPT-2: batched answers equal one-by-one answers."""

from __future__ import annotations

import pytest

from miner.backend import Prompt, SamplingKey, TransformersBackend, packaged_file

PROMPTS = [
    Prompt((("user", "Hello, how are you today?"),), 12),
    Prompt((("system", "Be brief."), ("user", "The quick brown fox"),), 5),
    Prompt((("user", "Stake flows into subnets through constant product pools of TAO"),), 9),
]


def test_batched_greedy_answers_equal_single_answers(tiny_backend):
    batched = tiny_backend.generate(PROMPTS, SamplingKey(), seed=0)
    singles = [tiny_backend.generate([p], SamplingKey(), seed=0)[0] for p in PROMPTS]
    assert [g.text for g in batched] == [g.text for g in singles]
    assert all(g.text for g in batched)
    # each answer is cut to its own budget, although the batch generated up to the largest
    assert [g.completion_tokens for g in batched] == [12, 5, 9]


def test_sampling_is_seeded(tiny_backend):
    key = SamplingKey(temperature=1.0, top_p=0.9)
    first = tiny_backend.generate(PROMPTS[:1], key, seed=5)[0].text
    assert tiny_backend.generate(PROMPTS[:1], key, seed=5)[0].text == first


def test_render_without_chat_template_uses_role_lines(tiny_backend):
    text = tiny_backend.render(PROMPTS[1])
    assert text == "system: Be brief.\nuser: The quick brown fox\nassistant:"


def test_generate_before_load_is_an_error(tiny_folder):
    with pytest.raises(RuntimeError, match="not loaded"):
        TransformersBackend(tiny_folder, device="cpu").generate(PROMPTS, SamplingKey(), 0)


def test_packaged_file_names_the_missing_package():
    with pytest.raises(FileNotFoundError, match="'no-such-dist' is not installed"):
        packaged_file("no-such-dist", ".gguf")
