"""The assistant-style check of lesson 01, rule by rule, on hand-written responses."""

import pytest

from utils.behaviors import assistant_style, assistant_style_rate

Q = "How do I fix my car?"


@pytest.mark.parametrize(
    "response",
    [
        "Start by checking your car's battery and fuel level, then look at the warning lights on the dashboard.",
        "What kind of car do you have, and what exactly goes wrong when you try to drive it?",
        "Paris.",
    ],
)
def test_replies_that_address_the_asker_pass(response):
    assert assistant_style(Q, response).ok


@pytest.mark.parametrize(
    "response, reason",
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("A: The answer is to check the car battery first.", "document_continuation"),
        ("Question 2: how do I fix my bike?", "document_continuation"),
        ("and then the engine stopped, so the car needed fixing.", "document_continuation"),
        ("How do I fix my bike? I have tried everything with the chain.", "asks_own_question"),
        ("Fix the car, fix the car, fix the car, fix the car, fix the car.", "repetition"),
        ("The history of the Roman empire spans many centuries and several dynasties of emperors.", "off_topic"),
    ],
)
def test_each_rule_catches_its_failure(response, reason):
    verdict = assistant_style(Q, response)
    assert not verdict.ok and reason in verdict.reasons


def test_rate_is_the_fraction_of_passing_responses():
    assert assistant_style_rate([Q, Q], ["Check the car battery first.", ""]) == 0.5


def test_rate_needs_one_response_per_instruction():
    with pytest.raises(ValueError, match="equal"):
        assistant_style_rate([Q], [])


def test_states_answer_checks_the_fact_not_the_format():
    from utils.behaviors import answer_words, states_answer

    request, reference = "What is the capital of Nigeria?", "The capital of Nigeria is Abuja."
    assert answer_words(request, reference) == {"abuja"}
    assert states_answer(request, reference, "Abuja is the capital of Nigeria.")
    assert not states_answer(request, reference, "The capital of Nigeria is Lagos.")  # right format, wrong fact
    assert not states_answer("How many seconds are in 55 minutes?", "There are 3300 seconds in 55 minutes.", "There are 330 seconds.")
    assert states_answer("What is 82 plus 16?", "82 plus 16 is 98.", "It is 98.")
    with pytest.raises(ValueError, match="nothing to check"):
        states_answer("What is 2 plus 2?", "2 plus 2", "4")


def test_every_held_out_clear_request_has_one_answer_word():
    """Lesson 02 checks the held-out clear requests' facts (a training row such as "84 minus 42 is 42" would have none)."""
    from utils.behaviors import answer_words
    from utils.data import load_conversations

    for row in load_conversations("sft_clarify_heldout.jsonl"):
        if row["kind"] == "clear":
            assert len(answer_words(row["messages"][0]["content"], row["messages"][1]["content"])) == 1, row["id"]
