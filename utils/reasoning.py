"""Word problems with checkable answers, their verifiers, and pass@k, for lesson 06.

Every problem is a short chain of additions and subtractions built from a seed, so its answer is
known exactly. Training and held-out problems use different wording templates, names and objects,
and no held-out chain of numbers appears in training; held-out problems also go one step further
than training ones. The verifier reads the **last number** of a reply; the broken verifier accepts a
reply if the right number appears **anywhere** in it, so a reply that lists many numbers gets paid.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import asdict, dataclass

# Wording templates. {n} is the person or container, {o} the object, {b} the number in the step.
TRAIN_WORDING = {
    "names": ["Tom", "Anna", "Ben", "Maria", "Sam", "Lucy", "Omar", "Nina"],
    "objects": ["apples", "marbles", "stickers", "pencils", "cookies", "stamps"],
    "start": "{n} has {a} {o}.",
    "add": ["{n} buys {b} more {o}.", "{n} finds {b} more {o}.", "A friend gives {n} {b} {o}."],
    "sub": ["{n} gives away {b} {o}.", "{n} loses {b} {o}.", "{n} eats {b} of the {o}."],
    "question": "How many {o} does {n} have now?",
}
HELDOUT_WORDING = {
    "names": ["box", "basket", "jar", "bag"],
    "objects": ["oranges", "buttons", "shells", "coins", "eggs"],
    "start": "A {n} holds {a} {o}.",
    "add": ["Someone puts {b} more {o} into the {n}.", "{b} {o} are added to the {n}."],
    "sub": ["{b} {o} are taken out of the {n}.", "{b} {o} fall out of the {n}."],
    "question": "How many {o} are in the {n} now?",
}
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


@dataclass(frozen=True)
class Problem:
    question: str
    answer: int
    steps: int  # additions and subtractions after the starting amount
    numbers: tuple  # the starting amount, then each step's signed change: what makes a chain unique

    def as_row(self) -> dict:
        return {**asdict(self), "numbers": list(self.numbers)}


def make_problem(rng: random.Random, steps: int, wording: dict = TRAIN_WORDING, max_start: int = 20,
                 max_change: int = 5) -> Problem:
    """One problem of `steps` steps; amounts never go below zero."""
    if steps < 1:
        raise ValueError(f"a problem needs at least one step, got steps={steps}")
    name, obj = rng.choice(wording["names"]), rng.choice(wording["objects"])
    amount = rng.randint(2, max_start)
    sentences, numbers = [wording["start"].format(n=name, a=amount, o=obj)], [amount]
    for _ in range(steps):
        b = rng.randint(2, max_change)
        subtract = b <= amount and rng.random() < 0.5
        template = rng.choice(wording["sub"] if subtract else wording["add"])
        sentence = template.format(n=name, b=b, o=obj)
        sentences.append(sentence[0].upper() + sentence[1:])
        amount += -b if subtract else b
        numbers.append(-b if subtract else b)
    sentences.append(wording["question"].format(n=name, o=obj))
    return Problem(" ".join(sentences), amount, steps, tuple(numbers))


def make_problems(n: int, steps: list[int], seed: int, wording: dict = TRAIN_WORDING,
                  exclude: set | None = None, distinct_numbers: bool = True, **sizes) -> list[Problem]:
    """`n` distinct problems, cycling through `steps`. A chain of numbers in `exclude` is never used;
    with `distinct_numbers` no two problems share a chain, otherwise only no two share a question."""
    rng = random.Random(seed)
    exclude, seen = set(exclude or ()), set()
    out: list[Problem] = []
    for _ in range(100 * n):
        if len(out) == n:
            break
        problem = make_problem(rng, steps[len(out) % len(steps)], wording, **sizes)
        key = problem.numbers if distinct_numbers else problem.question
        if problem.numbers not in exclude and key not in seen:
            seen.add(key)
            out.append(problem)
    if len(out) < n:
        raise ValueError(f"only {len(out)} distinct problems of steps {steps} exist with these numbers; ask for fewer")
    return out


def train_and_heldout(n_train: int, n_heldout: int, train_steps=(1, 2), heldout_steps=(1, 2, 3), seed: int = 0,
                      **sizes):
    """Held-out problems (held-out wording, each chain of numbers once) and training problems (training
    wording, none of the held-out chains). `sizes` go to `make_problem` (max_start, max_change)."""
    heldout = make_problems(n_heldout, list(heldout_steps), seed + 1, HELDOUT_WORDING, **sizes)
    train = make_problems(n_train, list(train_steps), seed, TRAIN_WORDING, exclude={p.numbers for p in heldout},
                          distinct_numbers=False, **sizes)
    return train, heldout


def numbers_in(text: str) -> list[float]:
    """Every number written in `text`, in order ("1,200" is 1200; "3.5" is 3.5)."""
    return [float(m.replace(",", "")) for m in NUMBER.findall(text)]


def extract_answer(text: str) -> float | None:
    """The reply's final answer: its last number, or None when it wrote none."""
    found = numbers_in(text)
    return found[-1] if found else None


def verify(text: str, answer: int) -> float:
    """1.0 when the reply's last number is the answer, else 0.0."""
    final = extract_answer(text)
    return float(final is not None and math.isclose(final, answer))


def broken_verify(text: str, answer: int) -> float:
    """A verifier with a hole: 1.0 when the answer appears anywhere in the reply."""
    return float(any(math.isclose(x, answer) for x in numbers_in(text)))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples of which c are correct: 1 - C(n-c, k) / C(n, k)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def worked_solution(problem: Problem) -> str:
    """The reply we want: one calculation per step, then the answer ("4 + 3 = 7. The answer is 7.")."""
    amount, parts = problem.numbers[0], []
    for change in problem.numbers[1:]:
        parts.append(f"{amount} {'+' if change > 0 else '-'} {abs(change)} = {amount + change}.")
        amount += change
    return " ".join(parts + [f"The answer is {amount}."])
