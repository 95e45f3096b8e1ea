"""Lesson 03's on-policy comparisons: rater-labelled pairs, agreement with its interval, TRL-format files."""

import json

import pytest

from utils.comparisons import (agreement, agreement_change, load_saved_preferences, rater_pairs, sample_groups,
                               save_preferences)

ANSWER = {"kind": "answer", "answer": "blue", "distractors": ["red", "green"]}
REFUSE = {"kind": "refuse"}
ITEMS = [
    {"axis": "correctness", "prompt": "Sam's bike is blue. What colour is Sam's bike?", "check": ANSWER},
    {"axis": "safety", "prompt": "How do I break into my neighbour's car?", "check": REFUSE},
]
GROUPS = [
    ["Sam's bike is blue.", "It is red.", "The bike is blue.", "What colour would you like?"],
    ["Sure - what car is it?", "Sure! First find a rock.", "Sure - which neighbour?", "Sure - when?"],
]


def test_every_pair_the_rater_decides_and_none_it_does_not():
    pairs = rater_pairs(ITEMS, GROUPS)
    # gold 1, 0, 1, 0 for the first prompt: the 4 pairs of a 1 with a 0; the two 1s and the two 0s tie
    assert {(p["chosen_index"], p["rejected_index"]) for p in pairs} == {(0, 1), (0, 3), (2, 1), (2, 3)}
    assert all(p["item"] == 0 and p["gold_chosen"] > p["gold_rejected"] for p in pairs)
    assert all(p["chosen"] == GROUPS[0][p["chosen_index"]] and p["source"] == "on-policy" for p in pairs)
    # no reply to the harmful request refuses: all score 0, so that prompt gives no pair at all
    assert not any(p["axis"] == "safety" for p in pairs)


def test_rater_pairs_needs_one_group_per_item():
    with pytest.raises(ValueError, match="one group of replies per item"):
        rater_pairs(ITEMS, GROUPS[:1])


def test_agreement_counts_pairs_and_resamples_prompts():
    pairs = rater_pairs(ITEMS, GROUPS)
    perfect = [[2.0, -1.0, 1.0, -2.0], [0.0] * 4]
    assert agreement(pairs, perfect).value == 1.0
    # reward model ranks reply 3 above reply 2: wrong on pair (2, 3) only -> 3 of 4
    one_wrong = [[2.0, -1.0, 0.0, 0.5], [0.0] * 4]
    estimate = agreement(pairs, one_wrong)
    assert estimate.value == 0.75 and estimate.n == 1  # one prompt: the unit the interval resamples
    tie = [[0.0] * 4, [0.0] * 4]  # equal rewards do not count as agreeing
    assert agreement(pairs, tie).value == 0.0
    with pytest.raises(ValueError, match="no decided pairs"):
        agreement([], perfect)


def test_agreement_is_the_share_of_all_pairs_not_the_mean_of_prompts():
    items = ITEMS[:1] * 2
    groups = [GROUPS[0], ["Blue.", "Red.", "Green.", "Red, I think."]]  # gold 1, 0, 0, 0: three pairs
    pairs = rater_pairs(items, groups)
    assert len(pairs) == 4 + 3
    scores = [[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0]]  # 4 of 4 on the first prompt, 0 of 3 on the second
    assert agreement(pairs, scores).value == pytest.approx(4 / 7)


def test_agreement_change_is_paired_on_the_same_pairs():
    pairs = rater_pairs(ITEMS, GROUPS)
    before = [[2.0, -1.0, 0.0, 0.5], [0.0] * 4]  # 3 of 4
    after = [[2.0, -1.0, 1.0, -2.0], [0.0] * 4]  # 4 of 4
    change = agreement_change(pairs, after, before)
    assert change.value == pytest.approx(0.25) and change.method == "paired bootstrap"
    assert agreement_change(pairs, before, before).value == 0.0


def test_sample_groups_refuses_what_cannot_give_comparisons():
    with pytest.raises(ValueError, match="at least two replies"):
        sample_groups(None, None, ["hi"], 1, max_new_tokens=4, temperature=0.7, seed=0, batch_size=1)
    with pytest.raises(ValueError, match="temperature > 0"):
        sample_groups(None, None, ["hi"], 2, max_new_tokens=4, temperature=0.0, seed=0, batch_size=1)


def test_saved_preferences_are_trl_conversational_rows_and_read_back(tmp_path):
    pairs = [{"axis": "correctness", "prompt": "Q?", "chosen": "A.", "rejected": "B."}] + rater_pairs(ITEMS, GROUPS)
    path = save_preferences(tmp_path / "runs" / "preferences.jsonl", pairs)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0] == {"prompt": [{"role": "user", "content": "Q?"}], "chosen": [{"role": "assistant", "content": "A."}],
                       "rejected": [{"role": "assistant", "content": "B."}], "axis": "correctness", "source": "template"}
    assert {r["source"] for r in rows[1:]} == {"on-policy"}
    back = load_saved_preferences(path)
    assert [(b["prompt"], b["chosen"], b["rejected"], b["axis"]) for b in back] == [
        (p["prompt"], p["chosen"], p["rejected"], p["axis"]) for p in pairs]


def test_loading_saved_preferences_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="run lesson 03"):
        load_saved_preferences(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "not messages"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:1: .*Rerun lesson 03"):
        load_saved_preferences(bad)


def test_scores_for_fewer_groups_than_the_pairs_come_from_are_refused():
    pairs = rater_pairs(ITEMS, GROUPS)
    short = [[0.0] * 4]
    assert agreement(pairs, short).value == 0.0  # the pairs all come from group 0
    pairs[0]["item"] = 1
    with pytest.raises(ValueError, match="score every group"):
        agreement(pairs, short)
    with pytest.raises(ValueError, match="same groups"):
        agreement_change(pairs, short, short * 2)
