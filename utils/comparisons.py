"""Comparisons of a policy's own replies, labelled by the simulated rater: on-policy preference data.

Introduced in lesson 03. In real RLHF (InstructGPT, Llama 2) people compare replies **sampled from
the model being trained**, so the reward model learns to judge the kind of text the policy will
write. Here the rater is `utils.gold.gold_score`: for each prompt we sample a group of replies, and
every two replies the rater scores differently become a preference pair (the higher score chosen).
Ties carry no preference and are skipped, as a rater's "equally good" would be.

Lesson 03 trains its reward model on these pairs besides the template pairs, and measures
**agreement**: of the pairs the rater decides, the share where the reward model prefers the same
reply. The pairs saved here in TRL's format (`save_preferences`) are the preference data for DPO
(lesson 05).
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Sequence

from utils.gold import gold_score
from utils.rewards import to_trl_rows
from utils.stats import Estimate, bootstrap_mean

PREFERENCES_FILE = "preferences.jsonl"  # in lesson 03's run folder: the pairs its reward model draws its training batches from


def sample_groups(policy, tokenizer, prompts: Sequence[str], k: int, *, max_new_tokens: int, temperature: float,
                  seed: int, batch_size: int, progress: bool = True) -> list[list[str]]:
    """`k` sampled replies to each prompt, as one list per prompt.

    Each prompt is repeated `k` times in one long list, so a batch holds several prompts' groups.
    """
    from utils.generation import chat

    if k < 2:
        raise ValueError(f"a comparison needs at least two replies per prompt; got k={k}")
    if temperature <= 0:
        raise ValueError("greedy decoding (temperature 0) gives the same reply k times: sample with temperature > 0")
    users = [p for p in prompts for _ in range(k)]
    replies = chat(policy, tokenizer, users, max_new_tokens=max_new_tokens, temperature=temperature, seed=seed,
                   batch_size=batch_size, progress=progress)
    return [replies[i * k : (i + 1) * k] for i in range(len(prompts))]


def rater_pairs(items: Sequence[dict], groups: Sequence[Sequence[str]]) -> list[dict]:
    """Every two replies to the same prompt that the rater scores differently, as a preference pair.

    `items` are rows with `prompt`, `check` and `axis` (a preference row or a prompt row); `groups[i]`
    are the replies sampled for `items[i]`. Each pair records where it came from (`item`, and the
    indices `chosen_index`/`rejected_index` in the group) and both gold scores.
    """
    if len(items) != len(groups):
        raise ValueError(f"one group of replies per item: got {len(items)} items and {len(groups)} groups")
    pairs = []
    for i, (item, replies) in enumerate(zip(items, groups)):
        gold = [gold_score(item["check"], r, item["prompt"]) for r in replies]
        for a, b in combinations(range(len(replies)), 2):
            if gold[a] == gold[b]:
                continue
            hi, lo = (a, b) if gold[a] > gold[b] else (b, a)
            pairs.append({"axis": item["axis"], "prompt": item["prompt"], "chosen": replies[hi], "rejected": replies[lo],
                          "gold_chosen": gold[hi], "gold_rejected": gold[lo], "source": "on-policy",
                          "item": i, "chosen_index": hi, "rejected_index": lo})
    return pairs


def _check_scores(pairs: Sequence[dict], scores: Sequence[Sequence[float]]) -> None:
    if pairs and max(p["item"] for p in pairs) >= len(scores):
        raise ValueError(f"the pairs come from {max(p['item'] for p in pairs) + 1} or more groups, but scores has {len(scores)}: "
                         "score every group the pairs were built from, in the same order")


def agreement(pairs: Sequence[dict], scores: Sequence[Sequence[float]]) -> Estimate:
    """Share of rater-decided pairs where the reward model scores the chosen reply strictly higher.

    `scores[i][j]` is the reward of reply j in group i (the groups `pairs` were built from). Pairs of
    one prompt share replies, so they are not independent: the 95% interval resamples **prompts**
    (each with all its pairs); `n` of the estimate is the number of prompts with at least one decided pair.
    """
    _check_scores(pairs, scores)
    if not pairs:
        raise ValueError("no decided pairs: every group's replies got the same gold score. Sample more replies per prompt "
                         "or more prompts, or a higher temperature")
    per_item: dict[int, list[bool]] = {}
    for p in pairs:
        group = scores[p["item"]]
        per_item.setdefault(p["item"], []).append(group[p["chosen_index"]] > group[p["rejected_index"]])
    rates = [sum(v) / len(v) for v in per_item.values()]
    weights = [len(v) for v in per_item.values()]  # weighted mean of per-prompt rates = share of all pairs
    return bootstrap_mean(rates, weights=weights)


def agreement_change(pairs: Sequence[dict], scores_after: Sequence[Sequence[float]],
                     scores_before: Sequence[Sequence[float]]) -> Estimate:
    """Agreement with `scores_after` minus agreement with `scores_before` on the same decided pairs.

    Paired: the bootstrap resamples prompts, each keeping its pairs judged by both reward models.
    """
    if not pairs:
        raise ValueError("no decided pairs to compare agreement on")
    if len(scores_after) != len(scores_before):
        raise ValueError(f"both reward models must score the same groups: got {len(scores_after)} and {len(scores_before)}")
    _check_scores(pairs, scores_after)
    per_item: dict[int, list[float]] = {}
    for p in pairs:
        a, b = scores_after[p["item"]], scores_before[p["item"]]
        c, r = p["chosen_index"], p["rejected_index"]
        per_item.setdefault(p["item"], []).append(float(a[c] > a[r]) - float(b[c] > b[r]))
    estimate = bootstrap_mean([sum(v) / len(v) for v in per_item.values()], weights=[len(v) for v in per_item.values()])
    return Estimate(estimate.value, estimate.low, estimate.high, estimate.n, "paired bootstrap")


def save_preferences(path: str | Path, pairs: Sequence[dict]) -> Path:
    """Write pairs as JSONL in TRL's conversational preference format (`prompt`, `chosen`, `rejected` as
    message lists), each row also keeping its `axis` and `source` ("template" or "on-policy").

    `datasets.load_dataset("json", data_files=path)` reads it back; DPOTrainer and RewardTrainer take
    its `prompt`/`chosen`/`rejected` columns as they are.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        for pair, row in zip(pairs, to_trl_rows(pairs)):
            fh.write(json.dumps({**row, "axis": pair["axis"], "source": pair.get("source", "template")}) + "\n")
    return path


def load_saved_preferences(path: str | Path) -> list[dict]:
    """Read `save_preferences` output back as flat pairs (`prompt`, `chosen`, `rejected` strings, `axis`, `source`).

    A missing file says which lesson writes it; a malformed row names its line.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run lesson 03 in this profile first (it saves its preference pairs there)")
    pairs = []
    with open(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                pairs.append({"prompt": row["prompt"][-1]["content"], "chosen": row["chosen"][-1]["content"],
                              "rejected": row["rejected"][-1]["content"], "axis": row["axis"], "source": row["source"]})
            except (ValueError, KeyError, IndexError, TypeError) as err:
                raise ValueError(f"{path}:{lineno}: not a preference row written by save_preferences ({err!r}). "
                                 "Rerun lesson 03 to write the file again") from None
    return pairs
