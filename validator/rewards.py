"""Rewards as pure numpy functions: arrays in, arrays out, shapes checked, NaNs handled.

Every function here takes one round's answers as parallel arrays (one row per queried miner) and
returns a float64 array of rewards in [0, 1] of the same length. Nothing reads state: the
validator's loop computes embeddings and answer groups, these functions only do arithmetic, so
each is testable with a few hand-made numbers.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "COPY_PENALTY",
    "apply_copy_penalty",
    "cosine_rows",
    "embedding_rewards",
    "similarity_rewards",
]

COPY_PENALTY = 0.9  # share of its reward a copied answer loses


def _as_float(x: np.ndarray, ndim: int, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    return arr


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of `a` (m, d) with `b` (d,) or the same row of `b` (m, d).

    A zero or non-finite row has similarity 0 (it carries no direction).
    """
    a = _as_float(a, 2, "a")
    b = np.asarray(b, dtype=np.float64)
    if b.ndim == 1:
        b = np.broadcast_to(b, a.shape)
    if b.shape != a.shape:
        raise ValueError(f"shapes {a.shape} and {b.shape} do not match")
    finite = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    a = np.where(finite[:, None], a, 0.0)
    b = np.where(finite[:, None], b, 0.0)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)  # (m,)
    dots = np.einsum("md,md->m", a, b)  # (m,)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
    return np.clip(cos, -1.0, 1.0)


def similarity_rewards(
    answers: np.ndarray, reference: np.ndarray, valid: np.ndarray
) -> np.ndarray:
    """Text-generation reward: cosine of each answer's embedding to the reference's, floored at 0.

    Args:
        answers: (m, d) embeddings of the miners' answers (rows of invalid answers are ignored).
        reference: (d,) embedding of the validator's own answer.
        valid: (m,) bool, False for timeouts, empty, invalid or unverified answers (reward 0).

    Returns:
        (m,) rewards in [0, 1].
    """
    answers = _as_float(answers, 2, "answers")
    reference = _as_float(reference, 1, "reference")
    valid = np.asarray(valid, dtype=bool)
    if valid.shape != (answers.shape[0],):
        raise ValueError(f"valid has shape {valid.shape}, expected ({answers.shape[0]},)")
    if answers.shape[1] != reference.shape[0]:
        raise ValueError(f"answers are {answers.shape[1]}-d, reference {reference.shape[0]}-d")
    if answers.shape[0] == 0:
        return np.zeros(0)
    cos = cosine_rows(answers, reference)
    return np.where(valid, np.maximum(cos, 0.0), 0.0)


def embedding_rewards(
    answers: np.ndarray, reference: np.ndarray, valid: np.ndarray
) -> np.ndarray:
    """Embedding-task reward: the mean over texts of the cosine of a miner's vector to the
    validator's, floored at 0 (a miner answering with the wrong dimension sends invalid).

    Args:
        answers: (m, t, d) each miner's embeddings of the round's t texts.
        reference: (t, d) the validator's embeddings of the same texts.
        valid: (m,) bool.

    Returns:
        (m,) rewards in [0, 1].
    """
    answers = _as_float(answers, 3, "answers")
    reference = _as_float(reference, 2, "reference")
    valid = np.asarray(valid, dtype=bool)
    m, t, d = answers.shape
    if reference.shape != (t, d):
        raise ValueError(f"reference has shape {reference.shape}, expected ({t}, {d})")
    if valid.shape != (m,):
        raise ValueError(f"valid has shape {valid.shape}, expected ({m},)")
    if m == 0 or t == 0:
        return np.zeros(m)
    flat = answers.reshape(m * t, d)
    cos = cosine_rows(flat, np.tile(reference, (m, 1))).reshape(m, t)
    return np.where(valid, np.maximum(cos, 0.0).mean(axis=1), 0.0)


def apply_copy_penalty(
    rewards: np.ndarray, groups: np.ndarray, elapsed: np.ndarray, penalty: float = COPY_PENALTY
) -> np.ndarray:
    """Penalise answers copied from another miner in the same round.

    Miners whose answers fall in the same group (equal after normalisation; -1 means no group,
    e.g. a failed call) are copies of one another; the first to answer (lowest `elapsed`, ties to
    the lower index) keeps its reward, each later one keeps ``1 - penalty`` of it.

    Arrival order is the only evidence of who copied whom that a validator has (an honest miner
    running the same model gives the same text), and it is evidence, not proof: a copier relays
    the validator's query to its victim and must wait for the whole answer, so it is later unless
    the victim happens to serve the relayed query well before the validator's own. Miners close
    that path with ``MINER_VALIDATORS_ONLY`` (only permit holders are answered). Two honest
    miners with the same model are a speed contest: the slower keeps ``1 - penalty``.

    Args:
        rewards: (m,) rewards before the penalty.
        groups: (m,) int group id of each answer, -1 for none.
        elapsed: (m,) seconds each answer took (NaN counts as slowest).
        penalty: in [0, 1].

    Returns:
        (m,) rewards after the penalty.
    """
    rewards = _as_float(rewards, 1, "rewards")
    groups = np.asarray(groups, dtype=np.int64)
    elapsed = _as_float(elapsed, 1, "elapsed")
    if not (groups.shape == elapsed.shape == rewards.shape):
        raise ValueError(f"shapes {rewards.shape}, {groups.shape}, {elapsed.shape} differ")
    if not 0.0 <= penalty <= 1.0:
        raise ValueError(f"penalty {penalty} outside [0, 1]")
    times = np.where(np.isnan(elapsed), np.inf, elapsed)
    order = np.lexsort((np.arange(len(times)), times, groups))  # by group, then time, then index
    sorted_groups = groups[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_groups[1:] != sorted_groups[:-1]
    copied = np.zeros(len(order), dtype=bool)
    copied[order] = ~first & (sorted_groups >= 0)
    return np.where(copied, rewards * (1.0 - penalty), rewards)
