"""Direct preference optimisation (DPO) in a few visible lines, and the measures lesson 05 reads.

Introduced in lesson 05. DPO needs, for every preference pair, the log-probability of the chosen
and of the rejected reply under the policy being trained and under the frozen reference (lesson
02's SFT model). The implicit reward of a reply is `beta * (log pi(y|x) - log pi_ref(y|x))`; the loss
on a pair is `-log sigmoid(implicit reward of chosen - implicit reward of rejected)`.

Batches here are laid out the way TRL's `DataCollatorForPreference` lays them out: the first half
of the rows are prompt + chosen, the second half the same prompts + rejected, right-padded, with a
`completion_mask` marking the reply tokens.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import torch
import torch.nn.functional as F


def completion_logprobs(model, input_ids, attention_mask, completion_mask) -> torch.Tensor:
    """Sum of log pi(token | everything before it) over each row's reply tokens. Returns [rows].

    Column t of the logits predicts token t + 1, so the logits drop their last column and the
    tokens and mask drop their first.
    """
    logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits[:, :-1].float()
    per_token = torch.log_softmax(logits, -1).gather(-1, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    return (per_token * completion_mask[:, 1:]).sum(1)


def dpo_loss(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta: float):
    """DPO's loss on a batch of pairs, and each reply's implicit reward.

    Returns (mean loss, chosen rewards, rejected rewards); a reward is beta x the reply's log-ratio
    to the reference, so the reference's own replies score 0.
    """
    chosen_rewards = beta * (chosen_logps - ref_chosen_logps)
    rejected_rewards = beta * (rejected_logps - ref_rejected_logps)
    loss = -F.logsigmoid(chosen_rewards - rejected_rewards).mean()
    return loss, chosen_rewards, rejected_rewards


def ipo_loss(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, chosen_tokens, rejected_tokens,
             tau: float) -> torch.Tensor:
    """IPO's loss as TRL computes it: log-ratios averaged per reply token, and a squared distance of
    their difference from 1 / (2 tau), so a pair that is already far apart is pulled back."""
    gap = (chosen_logps - ref_chosen_logps) / chosen_tokens - (rejected_logps - ref_rejected_logps) / rejected_tokens
    return ((gap - 1 / (2 * tau)) ** 2).mean()


def optimal_policy(ref_probs: Sequence[float], rewards: Sequence[float], beta: float) -> torch.Tensor:
    """The policy that maximises E[r] - beta KL(pi || pi_ref) over a finite set of replies:
    pi*(y) = pi_ref(y) exp(r(y) / beta) / Z."""
    ref = torch.as_tensor(ref_probs, dtype=torch.float64)
    if (ref <= 0).any() or not math.isclose(float(ref.sum()), 1.0, abs_tol=1e-6):
        raise ValueError("ref_probs must be positive and sum to 1")
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    logits = torch.log(ref) + torch.as_tensor(rewards, dtype=torch.float64) / beta
    return torch.softmax(logits, 0)


def regularised_objective(probs, ref_probs, rewards, beta: float) -> float:
    """E_pi[r] - beta KL(pi || pi_ref) for distributions over a finite set of replies."""
    p = torch.as_tensor(probs, dtype=torch.float64)
    q = torch.as_tensor(ref_probs, dtype=torch.float64)
    r = torch.as_tensor(rewards, dtype=torch.float64)
    kl = torch.where(p > 0, p * (torch.log(p) - torch.log(q)), torch.zeros_like(p)).sum()
    return float((p * r).sum() - beta * kl)


@torch.no_grad()
def pair_logprobs(model, batches: Iterable[dict]) -> dict[str, list[float]]:
    """Policy and reference log-probabilities of every pair's chosen and rejected reply.

    `model` is a PEFT model whose adapter is the trained policy; with the adapter disabled it is the
    reference. `batches` are collated preference batches (e.g. a DPOTrainer's eval dataloader).
    Returns lists, one entry per pair: `chosen`, `rejected`, `ref_chosen`, `ref_rejected`, and the
    reply lengths in tokens `chosen_tokens`, `rejected_tokens`.
    """
    out: dict[str, list[float]] = {k: [] for k in ("chosen", "rejected", "ref_chosen", "ref_rejected",
                                                    "chosen_tokens", "rejected_tokens")}
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    try:
        for batch in batches:
            ids, attn, mask = (batch[k].to(device) for k in ("input_ids", "attention_mask", "completion_mask"))
            half = len(ids) // 2
            logps = completion_logprobs(model, ids, attn, mask)
            with model.disable_adapter():
                ref = completion_logprobs(model, ids, attn, mask)
            tokens = mask[:, 1:].sum(1)
            out["chosen"] += logps[:half].tolist()
            out["rejected"] += logps[half:].tolist()
            out["ref_chosen"] += ref[:half].tolist()
            out["ref_rejected"] += ref[half:].tolist()
            out["chosen_tokens"] += tokens[:half].tolist()
            out["rejected_tokens"] += tokens[half:].tolist()
    finally:
        model.train(was_training)
    return out


def stratified(pairs: Sequence[dict], n: int, axes: Sequence[str]) -> list[dict]:
    """Up to `n` pairs taken in turn from each axis (in file order within an axis), so every axis
    that has pairs is represented about equally."""
    by_axis = {a: [p for p in pairs if p["axis"] == a] for a in axes}
    picked: list[dict] = []
    for i in range(max((len(v) for v in by_axis.values()), default=0)):
        for a in axes:
            if len(picked) < n and i < len(by_axis[a]):
                picked.append(by_axis[a][i])
    return picked


def implicit_margins(logps: dict[str, Sequence[float]], beta: float) -> list[float]:
    """Each pair's implicit-reward margin, beta x (chosen log-ratio - rejected log-ratio); above 0 = ranked right."""
    return [beta * ((c - rc) - (r - rr)) for c, r, rc, rr in
            zip(logps["chosen"], logps["rejected"], logps["ref_chosen"], logps["ref_rejected"])]
