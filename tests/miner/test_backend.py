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


def _reference(backend, prompt):
    """What transformers' own ``generate`` answers for `prompt` alone, greedy."""
    import torch

    enc = backend.tokenizer(backend.render(prompt), return_tensors="pt")
    with torch.inference_mode():
        out = backend.model.generate(**enc, max_new_tokens=prompt.max_tokens, do_sample=False,
                                     pad_token_id=backend.tokenizer.pad_token_id)
    new = out[0, enc["input_ids"].shape[1]:].tolist()
    stops = {backend.tokenizer.eos_token_id, backend.tokenizer.pad_token_id}
    new = new[:next((i for i, t in enumerate(new) if t in stops), len(new))]
    return backend.tokenizer.decode(new, skip_special_tokens=True).strip(), len(new)


@pytest.mark.parametrize("picks", [[0, 2], [0, 1, 2], [2, 0, 2, 1]])
def test_decode_loop_equals_transformers_generate_alone(tiny_backend, picks):
    # [0, 2] start with the cached opening ("user:"), batches with PROMPTS[1] (a system turn)
    # run the full prefill; budgets differ, so rows leave the batch at different steps.
    prompts = [PROMPTS[i] for i in picks]
    assert tiny_backend._prefix is not None and tiny_backend._prefix.tokens
    got = tiny_backend.generate(prompts, SamplingKey(), seed=0)
    assert [(g.text, g.completion_tokens) for g in got] == [_reference(tiny_backend, p)
                                                             for p in prompts]


@pytest.mark.parametrize("system", [False, True])
def test_rows_of_very_different_lengths_answer_as_alone(tiny_backend, system):
    # a 2-word prompt beside one ~30x longer: the short row is almost all left padding, its
    # positions and mask must still make it answer as it does alone (with the cached opening,
    # and, behind a system turn, with the full prefill)
    long = " ".join(["The validator sends a prompt to every miner and scores the answers."] * 6)
    turns = (("system", "Be brief."),) if system else ()
    prompts = [Prompt(turns + (("user", text),), 8) for text in ("Hello", long, "The fox")]
    lengths = [len(tiny_backend.tokenizer(tiny_backend.render(p))["input_ids"]) for p in prompts]
    assert max(lengths) > 5 * min(lengths)
    got = tiny_backend.generate(prompts, SamplingKey(), seed=0)
    alone = [tiny_backend.generate([p], SamplingKey(), seed=0)[0] for p in prompts]
    assert [(g.text, g.completion_tokens) for g in got] == [(g.text, g.completion_tokens)
                                                             for g in alone]
    assert [(g.text, g.completion_tokens) for g in got] == [_reference(tiny_backend, p)
                                                             for p in prompts]


def test_generate_runs_on_the_backends_threads(tiny_folder):
    import torch

    backend = TransformersBackend(tiny_folder, device="cpu", threads=2)
    backend.load()
    before = torch.get_num_threads()
    try:
        backend.generate(PROMPTS[:1], SamplingKey(), seed=0)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_default_threads_leave_a_core_to_the_event_loop(monkeypatch):
    import miner.backend as mb

    monkeypatch.setattr(mb.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert mb.default_threads() == 3
    monkeypatch.setattr(mb.os, "sched_getaffinity", lambda pid: {0})
    assert mb.default_threads() == 1


def test_threads_below_one_are_refused(tiny_folder):
    with pytest.raises(ValueError, match="threads must be at least 1, got 0"):
        TransformersBackend(tiny_folder, device="cpu", threads=0)


def test_a_row_that_meets_end_of_sequence_leaves_the_batch(tiny_backend):
    from miner.decode import decode

    rows = [tiny_backend.tokenizer(tiny_backend.render(p))["input_ids"] for p in PROMPTS]
    free = decode(tiny_backend.model, rows, [6, 6, 6], stops=set(), pad_id=0, temperature=0.0,
                  top_p=1.0, seed=0)
    stop = free[1][2]  # make the second row's third token an end of sequence
    seen = []
    cut = decode(tiny_backend.model, rows, [6, 6, 6], stops={stop}, pad_id=0, temperature=0.0,
                 top_p=1.0, seed=0, on_tokens=seen.append)
    first = free[1].index(stop)
    assert cut[1] == free[1][:first]
    for r in (0, 2):  # the others go on unchanged (or stop at the same token themselves)
        assert cut[r] == free[r][:free[r].index(stop)] if stop in free[r] else cut[r] == free[r]
    assert all(len(step) <= 3 for step in seen)
    assert all(row != 1 for step in seen[first:] for row, _ in step)


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
