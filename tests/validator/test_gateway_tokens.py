"""The gateway's stream pieces: the answer cut at the validator tokenizer's token boundaries."""

from __future__ import annotations

import pytest

from miner.tiny import build_tiny_gpt2
from validator.gateway import token_pieces


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(build_tiny_gpt2(tmp_path_factory.mktemp("tiny"),
                                                         steps=1))


def test_pieces_are_the_tokens_of_an_ascii_answer(tokenizer):
    text = "The validator sends a prompt,  and   scores xyzzy!"
    ids = tokenizer(text)["input_ids"]
    assert token_pieces(tokenizer, text) == [tokenizer.decode([t]) for t in ids]
    assert len(ids) > 8


def test_a_character_over_several_byte_tokens_stays_whole(tokenizer):
    text = "caf\u00e9 \U0001f642 ok"  # é and the emoji are bytes the tiny vocabulary splits
    pieces = token_pieces(tokenizer, text)
    assert "".join(pieces) == text
    assert "\U0001f642" in pieces or any("\U0001f642" in p for p in pieces)
    assert len(tokenizer(text)["input_ids"]) > len(pieces) >= 3


def test_without_a_fast_tokenizer_the_pieces_are_words():
    assert token_pieces(None, "one two  three") == ["one ", "two  ", "three"]
    assert token_pieces(None, "") == []
