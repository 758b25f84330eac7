"""The pure reward functions against hand-computed answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz import examples
from validator.rewards import (
    apply_copy_penalty,
    cosine_rows,
    embedding_rewards,
    similarity_rewards,
)


def test_cosine_rows_matches_hand_values():
    a = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [0.0, 0.0], [np.nan, 1.0]])
    got = cosine_rows(a, np.array([1.0, 1.0]))
    want = [1 / math.sqrt(2), 1 / math.sqrt(2), -1 / math.sqrt(2), 0.0, 0.0]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_similarity_rewards_floor_negative_and_zero_invalid():
    answers = np.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [0.6, 0.8]])
    valid = np.array([True, True, False, True])
    got = similarity_rewards(answers, np.array([1.0, 0.0]), valid)
    np.testing.assert_allclose(got, [1.0, 0.0, 0.0, 0.6])


def test_similarity_rewards_checks_shapes():
    with pytest.raises(ValueError, match="2-d, reference 3-d"):
        similarity_rewards(np.zeros((2, 2)), np.zeros(3), np.ones(2, bool))
    with pytest.raises(ValueError, match="valid has shape"):
        similarity_rewards(np.zeros((2, 2)), np.zeros(2), np.ones(3, bool))
    with pytest.raises(ValueError, match="2 dimensions"):
        similarity_rewards(np.zeros(2), np.zeros(2), np.ones(2, bool))
    assert similarity_rewards(np.zeros((0, 4)), np.zeros(4), np.zeros(0, bool)).shape == (0,)


def test_embedding_rewards_mean_cosine_per_miner():
    ref = np.array([[1.0, 0.0], [0.0, 1.0]])
    answers = np.array([
        [[1.0, 0.0], [0.0, 1.0]],  # exact: 1
        [[1.0, 0.0], [1.0, 0.0]],  # one right, one orthogonal: 0.5
        [[-1.0, 0.0], [0.0, 1.0]],  # one opposite (floored 0), one right: 0.5
        [[1.0, 0.0], [0.0, 1.0]],  # invalid: 0
    ])
    got = embedding_rewards(answers, ref, np.array([True, True, True, False]))
    np.testing.assert_allclose(got, [1.0, 0.5, 0.5, 0.0])
    with pytest.raises(ValueError, match="reference has shape"):
        embedding_rewards(answers, np.zeros((3, 2)), np.ones(4, bool))


def test_copy_penalty_keeps_the_first_answer_of_each_group():
    rewards = np.array([0.8, 0.8, 0.5, 0.4, 0.8, 0.3])
    groups = np.array([0, 0, 1, -1, 0, -1])
    elapsed = np.array([2.0, 1.0, 1.0, 0.1, np.nan, 0.1])
    got = apply_copy_penalty(rewards, groups, elapsed, penalty=0.9)
    # group 0: index 1 answered first; 0 and 4 (no time = slowest) copied it.
    # -1 (no answer) is never a group, even twice.
    np.testing.assert_allclose(got, [0.08, 0.8, 0.5, 0.4, 0.08, 0.3])


def test_copy_penalty_ties_go_to_the_lower_index():
    got = apply_copy_penalty(np.array([1.0, 1.0]), np.array([3, 3]), np.array([1.0, 1.0]), 0.5)
    np.testing.assert_allclose(got, [1.0, 0.5])


def test_copy_penalty_rejects_bad_input():
    with pytest.raises(ValueError, match="differ"):
        apply_copy_penalty(np.zeros(2), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="outside"):
        apply_copy_penalty(np.zeros(2), np.zeros(2), np.zeros(2), penalty=1.5)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 3), st.floats(0, 10), st.floats(0, 1)),
                min_size=1, max_size=12))
def test_copy_penalty_leaves_one_full_reward_per_group(rows):
    groups = np.array([g for g, _, _ in rows])
    elapsed = np.array([t for _, t, _ in rows])
    rewards = np.array([r for _, _, r in rows])
    got = apply_copy_penalty(rewards, groups, elapsed, penalty=1.0)
    for g in set(groups.tolist()) - {-1}:
        members = np.flatnonzero(groups == g)
        kept = [i for i in members if got[i] == rewards[i] and rewards[i] > 0]
        assert len([i for i in members if got[i] > 0]) <= 1
        fastest = members[np.argmin(elapsed[members])]
        assert got[fastest] == rewards[fastest]
        assert len(kept) <= 1
    np.testing.assert_array_equal(got[groups == -1], rewards[groups == -1])
