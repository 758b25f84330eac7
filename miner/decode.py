"""The decode loop behind `TransformersBackend.generate`: one KV-cached forward per step for the
whole batch, written out instead of calling ``model.generate`` for two reasons measured on CPU:

- a row that has finished (end of sequence or its own token budget) leaves the batch at once,
  its cache rows dropped, instead of riding along as padding until the longest row ends;
- the chat template's fixed opening (SmolLM2's system prompt: 30 of a short request's ~37
  tokens) is run through the model once, at load, and its keys and values are reused by every
  request that starts with those tokens, so the prefill only covers what differs.

Greedy decoding gives the tokens ``model.generate`` gives for the same prompt alone: the cached
opening holds the same keys and values a full prefill computes (attention is causal), and the
position ids count only real tokens, as ``generate`` computes them from the attention mask.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CachedPrefix", "decode", "shared_opening"]


@dataclass(frozen=True)
class CachedPrefix:
    """Tokens every prompt of a template starts with, and their keys and values (batch 1)."""

    tokens: tuple[int, ...]
    cache: Any  # transformers.DynamicCache

    def covers(self, row: Sequence[int]) -> bool:
        """Whether `row` starts with the prefix and has at least one token after it."""
        n = len(self.tokens)
        return len(row) > n and tuple(row[:n]) == self.tokens


def shared_opening(first: Sequence[int], second: Sequence[int]) -> tuple[int, ...]:
    """The common leading tokens of two rendered prompts (the template's fixed opening)."""
    n = 0
    while n < min(len(first), len(second)) and first[n] == second[n]:
        n += 1
    return tuple(first[:n])


def prefill_prefix(model: Any, tokens: tuple[int, ...]) -> CachedPrefix:
    """Run `tokens` through `model` once and keep their cache."""
    import torch
    from transformers import DynamicCache

    ids = torch.tensor([tokens], device=model.device)
    cache = DynamicCache()
    with torch.inference_mode():
        model(input_ids=ids, attention_mask=torch.ones_like(ids), cache=cache,
              use_cache=True, logits_to_keep=1)
    return CachedPrefix(tokens, cache)


def decode(model: Any, rows: list[list[int]], budgets: list[int], *, stops: set[int],
           pad_id: int, temperature: float, top_p: float, seed: int,
           prefix: CachedPrefix | None = None,
           on_tokens: Callable[[list[tuple[int, int]]], None] | None = None) -> list[list[int]]:
    """The new tokens of each row (end-of-sequence excluded), each at most its budget.

    Args:
        rows: prompt token ids, unpadded.
        budgets: the most new tokens per row.
        stops: token ids that end a row.
        temperature: 0 for greedy decoding, else sampling with `top_p`, seeded by `seed`.
        prefix: a cached opening, used when every row starts with it.
        on_tokens: called after each step with (row index, token) for the rows still going.
    """
    import torch
    from transformers import DynamicCache

    device = model.device
    n = len(rows)
    use_prefix = prefix is not None and all(prefix.covers(r) for r in rows)
    skip = len(prefix.tokens) if use_prefix else 0
    if use_prefix:
        cache = copy.deepcopy(prefix.cache)
        if n > 1:
            cache.batch_repeat_interleave(n)
    else:
        cache = DynamicCache()
    tails = [r[skip:] for r in rows]
    width = max(len(t) for t in tails)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    mask = torch.zeros((n, skip + width), dtype=torch.long)
    mask[:, :skip] = 1
    for i, t in enumerate(tails):  # left padding: every row's last real token is the last column
        ids[i, width - len(t):] = torch.tensor(t, dtype=torch.long)
        mask[i, skip + width - len(t):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)  # real tokens only, as generate counts them
    generator = torch.Generator(device=device).manual_seed(seed)
    out: list[list[int]] = [[] for _ in rows]
    active = list(range(n))  # original row index of each batch row
    with torch.inference_mode():
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions[:, skip:],
                       cache=cache, use_cache=True, logits_to_keep=1).logits
        step = positions[:, -1:] + 1
        while True:
            chosen = _pick(logits[:, -1, :], temperature, top_p, generator)
            keep, emitted = [], []
            for j, row in enumerate(active):
                token = int(chosen[j])
                if token in stops:
                    continue
                out[row].append(token)
                emitted.append((row, token))
                if len(out[row]) < budgets[row]:
                    keep.append(j)
            if on_tokens is not None and emitted:
                on_tokens(emitted)
            if not keep:
                return out
            if len(keep) < len(active):  # finished rows leave the batch and the cache
                index = torch.tensor(keep, device=device)
                cache.batch_select_indices(index)
                mask, chosen, step = mask[index], chosen[index], step[index]
                active = [active[j] for j in keep]
            mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=1)
            logits = model(input_ids=chosen[:, None], attention_mask=mask, position_ids=step,
                           cache=cache, use_cache=True).logits
            step = step + 1


def _pick(logits: Any, temperature: float, top_p: float, generator: Any) -> Any:
    """Next token per row: argmax, or a seeded draw from the top-p nucleus at `temperature`."""
    import torch

    if temperature <= 0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p < 1.0:
        ordered, order = probs.sort(dim=-1, descending=True)
        outside = ordered.cumsum(dim=-1) - ordered > top_p  # the most likely token always stays
        ordered = ordered.masked_fill(outside, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, ordered)
    return torch.multinomial(probs, 1, generator=generator).squeeze(1)
