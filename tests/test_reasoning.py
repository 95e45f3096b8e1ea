"""The word-problem generator, the verifiers and pass@k (lesson 06)."""

import itertools
import random

import pytest

from utils.reasoning import (HELDOUT_WORDING, TRAIN_WORDING, broken_verify, extract_answer, make_problem,
                             make_problems, numbers_in, pass_at_k, train_and_heldout, verify)


def test_every_generated_answer_is_the_sum_of_its_chain_and_verifies():
    rng = random.Random(3)
    for steps in (1, 2, 3, 5):
        for _ in range(200):
            p = make_problem(rng, steps)
            assert p.steps == steps and len(p.numbers) == steps + 1
            assert p.answer == sum(p.numbers)
            running = list(itertools.accumulate(p.numbers))
            assert min(running) >= 0, f"an amount went below zero: {p.question}"
            # every number of the chain is written in the question, in order
            assert numbers_in(p.question) == [abs(x) for x in p.numbers]
            assert verify(f"So the answer is {p.answer}.", p.answer) == 1.0


def test_known_wrong_answers_do_not_verify():
    assert verify("7 + 5 = 12. The answer is 12.", 11) == 0.0
    assert verify("The answer is 11. No wait, 12.", 11) == 0.0  # the last number counts
    assert verify("I do not know.", 0) == 0.0  # no number at all is wrong, even when the answer is 0
    assert verify("", 3) == 0.0
    assert verify("It is 1,200 apples", 1200) == 1.0 and verify("3.5", 3) == 0.0


def test_extract_answer_reads_the_last_number():
    assert extract_answer("4 + 3 = 7. 7 - 2 = 5. The answer is 5.") == 5
    assert extract_answer("nothing here") is None
    assert extract_answer("-3 left") == -3


def test_the_broken_verifier_pays_for_listing_numbers():
    answer = 17
    listing = " ".join(str(i) for i in range(40))  # no reasoning at all, just every number up to 39
    assert broken_verify(listing, answer) == 1.0
    assert verify(listing, answer) == 0.0
    # and on honest replies the two agree
    assert broken_verify("The answer is 17.", answer) == verify("The answer is 17.", answer) == 1.0
    assert broken_verify("The answer is 16.", answer) == verify("The answer is 16.", answer) == 0.0


def test_heldout_problems_differ_from_training_in_wording_and_numbers():
    train, heldout = train_and_heldout(300, 120, heldout_steps=(1, 2, 3))
    assert len(train) == 300 and len(heldout) == 120
    assert not {p.numbers for p in train} & {p.numbers for p in heldout}
    assert len({p.numbers for p in heldout}) == 120  # each held-out chain once
    assert len({p.question for p in train}) == 300
    for p in train:
        assert any(p.question.startswith(name) for name in TRAIN_WORDING["names"])
    for p in heldout:
        assert p.question.startswith("A ") and any(f" {o}" in p.question for o in HELDOUT_WORDING["objects"])
    assert max(p.steps for p in heldout) > max(p.steps for p in train)
    assert train_and_heldout(300, 120)[1] == train_and_heldout(300, 120)[1]  # seeded


def test_asking_for_more_problems_than_exist_says_so():
    with pytest.raises(ValueError, match="distinct problems"):
        make_problems(500, [1], seed=0, wording=HELDOUT_WORDING, max_start=5, max_change=3)
    with pytest.raises(ValueError, match="at least one step"):
        make_problem(random.Random(0), 0)


def test_pass_at_k_matches_counting_every_subset():
    for n, c, k in [(8, 0, 1), (8, 1, 1), (8, 3, 4), (8, 8, 8), (5, 2, 3), (6, 1, 6)]:
        samples = [True] * c + [False] * (n - c)
        subsets = list(itertools.combinations(samples, k))
        assert pass_at_k(n, c, k) == pytest.approx(sum(any(s) for s in subsets) / len(subsets))
    assert pass_at_k(8, 2, 1) == pytest.approx(2 / 8)  # pass@1 is the share of correct samples
    with pytest.raises(ValueError):
        pass_at_k(4, 5, 1)
