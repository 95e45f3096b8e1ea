"""Automatic checks of assistant behaviour, used to measure what post-training changes.

Introduced in lesson 01: `assistant_style` decides whether a response reads like an assistant
answering the instruction or like a document being continued. It is a documented proxy (five
rules, below), cheap enough to run on every held-out prompt; lesson 01 also shows where it errs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

OFF_TOPIC_MIN_WORDS = 12  # "Tokyo." needs no words from the question; a paragraph that shares none is elsewhere
# A response opening with one of these is writing the next item of a document (a FAQ, a forum
# thread, a transcript), not replying to the person who asked.
DOCUMENT_MARKERS = re.compile(
    r"^\s*(q|a|question|answer|user|human|assistant|input|output|instruction|response|title|chapter|#+)\s*\d*\s*[:.)]",
    re.IGNORECASE,
)
FIRST_PERSON = re.compile(r"\b(i|my|me|i'm|i've)\b", re.IGNORECASE)
SECOND_PERSON = re.compile(r"\b(you|your|you're)\b", re.IGNORECASE)
REPEAT_NGRAM = 4  # a 4-word phrase said three or more times is a loop, not an answer
REPEAT_LIMIT = 3
STOPWORDS = set(
    "a an the all not has have had get got use"
    "  and or but of to in on at for with from by about into over is are was were be been "
    "this that these those it its as do does did how what why when where which who whom can could "
    "would should will shall may might must me my i you your we our they their them give tell write "
    "make list explain describe please one two three some any more most very just than then".split()
)


@dataclass
class StyleVerdict:
    ok: bool
    reasons: list[str] = field(default_factory=list)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _stems(text: str) -> set[str]:
    # the first five letters stand in for a stemmer ("photosynthesis"/"photosynthetic"); numbers count whole
    return {w[:5] for w in _words(text) if (len(w) >= 3 or w.isdigit()) and w not in STOPWORDS}


def _first_sentence(text: str) -> str:
    match = re.match(r"\s*(.+?[.?!])(\s|$)", text, re.DOTALL)
    return (match.group(1) if match else text).strip()


def assistant_style(instruction: str, response: str) -> StyleVerdict:
    """Does `response` behave like an assistant replying to `instruction`? Every rule must pass:

    1. `empty`: it says something (at least one word).
    2. `document_continuation`: it does not open like the next item of a document
       ("Q:", "Answer:", "User:", "### ...") and does not pick up mid-sentence (lowercase start).
    3. `asks_own_question`: its first sentence is not a first-person question of its own
       ("How do I fix my bike?") - an assistant's question speaks to "you".
    4. `repetition`: no 4-word phrase occurs 3 or more times.
    5. `off_topic`: a response of 12+ words shares at least one content word (5-letter stem, or a
       number) with the instruction.
    """
    reasons = []
    words = _words(response)
    if not words:
        return StyleVerdict(False, ["empty"])
    stripped = response.strip()
    if DOCUMENT_MARKERS.match(stripped) or stripped[0].islower() or stripped[0] in ",;:-)":
        reasons.append("document_continuation")
    first = _first_sentence(stripped)
    if first.endswith("?") and FIRST_PERSON.search(first) and not SECOND_PERSON.search(first):
        reasons.append("asks_own_question")
    ngrams = Counter(tuple(words[i : i + REPEAT_NGRAM]) for i in range(len(words) - REPEAT_NGRAM + 1))
    if ngrams and max(ngrams.values()) >= REPEAT_LIMIT:
        reasons.append("repetition")
    if len(words) >= OFF_TOPIC_MIN_WORDS and not _stems(instruction) & _stems(response):
        reasons.append("off_topic")
    return StyleVerdict(not reasons, reasons)


def assistant_style_rate(instructions: list[str], responses: list[str]) -> float:
    if len(instructions) != len(responses) or not responses:
        raise ValueError(f"need equal, non-zero counts; got {len(instructions)} instructions, {len(responses)} responses")
    return sum(assistant_style(i, r).ok for i, r in zip(instructions, responses)) / len(responses)


CLARIFY_MAX_WORDS = 35
ANSWER_MAX_WORDS = 25


def clarify_or_answer(kind: str, request: str, response: str) -> StyleVerdict:
    """Lesson 02's target behaviour. For a `vague` request: exactly one clarifying question (one
    sentence ending in "?", at most 35 words, about the request: it shares a content word with it).
    For a `clear` request: a direct answer in one sentence of at most 25 words, with no question.
    """
    text = response.strip()
    words = _words(text)
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", text) if s]
    reasons = []
    if not words:
        return StyleVerdict(False, ["empty"])
    if kind == "vague":
        if not text.endswith("?") or text.count("?") != 1:
            reasons.append("not_one_question")
        if len(sentences) > 1:
            reasons.append("more_than_one_sentence")
        if len(words) > CLARIFY_MAX_WORDS:
            reasons.append("too_long")
        if not _stems(request) & _stems(text):
            reasons.append("not_specific")
    elif kind == "clear":
        if "?" in text:
            reasons.append("asks_instead_of_answering")
        if len(sentences) > 1 or not text.endswith((".", "!")):
            reasons.append("not_one_sentence")
        if len(words) > ANSWER_MAX_WORDS:
            reasons.append("too_long")
    else:
        raise ValueError(f"kind must be 'vague' or 'clear', got {kind!r}")
    return StyleVerdict(not reasons, reasons)


def answer_words(request: str, reference: str) -> set[str]:
    """The words a reference answer adds to its request: the answer itself ("abuja", "3300", "98")."""
    asked = set(_words(request))
    return {w for w in _words(reference) if w not in asked and w not in STOPWORDS and w not in ANSWER_FILLER}


ANSWER_FILLER = {"there", "are", "capital", "plus", "minus", "times", "is", "the"}


def states_answer(request: str, reference: str, response: str) -> bool:
    """Lesson 02's fact check for a clear request: every word the reference answer adds to the request
    appears in the response as a whole word. "The capital of Nigeria is Lagos." fails where the
    reference says Abuja, however well it is formatted."""
    wanted = answer_words(request, reference)
    if not wanted:
        raise ValueError(f"the reference {reference!r} adds no word to the request {request!r}: nothing to check")
    return wanted <= set(_words(response))
