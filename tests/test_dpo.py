"""Lesson 05: the DPO loss and implicit rewards, the optimal policy of the KL-regularised objective,
IPO, reply log-probabilities on a tiny model, and how held-out pairs are picked."""

import math

import pytest
import torch
import torch.nn.functional as F

from utils.dpo import (completion_logprobs, dpo_loss, implicit_margins, ipo_loss, optimal_policy, pair_logprobs,
                       regularised_objective, stratified)


def tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, max_position_embeddings=128, pad_token_id=0, eos_token_id=1, bos_token_id=2)
    return LlamaForCausalLM(config).eval()


def test_dpo_loss_worked_example():
    loss, chosen, rejected = dpo_loss(torch.tensor([-12.0]), torch.tensor([-15.0]), torch.tensor([-13.0]),
                                      torch.tensor([-14.0]), beta=0.1)
    assert chosen.item() == pytest.approx(0.1) and rejected.item() == pytest.approx(-0.1)
    assert loss.item() == pytest.approx(-math.log(1 / (1 + math.exp(-0.2))), abs=1e-6)


def test_dpo_loss_is_log_2_when_the_policy_is_the_reference():
    logps = torch.tensor([-3.0, -40.0, -7.5])
    loss, chosen, rejected = dpo_loss(logps, logps - 2, logps, logps - 2, beta=0.3)
    assert loss.item() == pytest.approx(math.log(2), abs=1e-6)
    assert torch.all(chosen == 0) and torch.all(rejected == 0)


def test_dpo_loss_falls_as_the_chosen_reply_gains_on_the_rejected_one():
    ref = torch.zeros(1)
    losses = [dpo_loss(torch.tensor([g]), torch.zeros(1), ref, ref, beta=0.1)[0].item() for g in (-5.0, 0.0, 5.0, 20.0)]
    assert losses == sorted(losses, reverse=True)


def test_optimal_policy_beats_every_other_policy_on_the_regularised_objective():
    ref, rewards, beta = [0.5, 0.25, 0.25], [1.0, 0.0, 3.0], 0.7
    best = optimal_policy(ref, rewards, beta)
    assert best.sum().item() == pytest.approx(1.0)
    top = regularised_objective(best, ref, rewards, beta)
    torch.manual_seed(0)
    for p in torch.distributions.Dirichlet(torch.ones(3)).sample((500,)):
        assert regularised_objective(p, ref, rewards, beta) <= top + 1e-9
    # its value is beta log Z, and beta log(pi*/pi_ref) is the reward up to that constant
    assert top == pytest.approx(beta * math.log(sum(q * math.exp(r / beta) for q, r in zip(ref, rewards))))
    shift = beta * torch.log(best / torch.tensor(ref, dtype=torch.float64)) - torch.tensor(rewards, dtype=torch.float64)
    assert torch.allclose(shift, shift[0].expand(3))


def test_optimal_policy_stays_at_the_reference_for_a_large_beta_and_picks_the_best_for_a_small_one():
    ref, rewards = [0.6, 0.3, 0.1], [0.0, 1.0, 2.0]
    assert torch.allclose(optimal_policy(ref, rewards, 1e4), torch.tensor(ref, dtype=torch.float64), atol=1e-3)
    assert optimal_policy(ref, rewards, 0.01)[2].item() > 0.99


@pytest.mark.parametrize("ref, beta", [([0.5, 0.6], 1.0), ([1.0, 0.0], 1.0), ([0.5, 0.5], 0.0)])
def test_optimal_policy_rejects_bad_inputs(ref, beta):
    with pytest.raises(ValueError):
        optimal_policy(ref, [0.0, 1.0], beta)


def test_ipo_loss_is_zero_at_its_target_gap_and_grows_past_it():
    tau, tokens = 0.1, torch.tensor([4.0])
    target = 1 / (2 * tau) * 4  # a log-ratio gap of 1/(2 tau) per token
    at = ipo_loss(torch.tensor([target]), torch.zeros(1), torch.zeros(1), torch.zeros(1), tokens, tokens, tau)
    past = ipo_loss(torch.tensor([3 * target]), torch.zeros(1), torch.zeros(1), torch.zeros(1), tokens, tokens, tau)
    assert at.item() == pytest.approx(0.0) and past.item() > 0
    # DPO keeps rewarding the wider gap (its loss falls); IPO pulls it back
    assert dpo_loss(torch.tensor([3 * target]), torch.zeros(1), torch.zeros(1), torch.zeros(1), tau)[0] < \
        dpo_loss(torch.tensor([target]), torch.zeros(1), torch.zeros(1), torch.zeros(1), tau)[0]


def test_completion_logprobs_sums_the_reply_tokens_and_ignores_right_padding():
    model = tiny_llama()
    ids = torch.tensor([[5, 6, 7, 8, 9, 0, 0], [5, 6, 7, 8, 9, 10, 11]])
    attn = torch.tensor([[1, 1, 1, 1, 1, 0, 0], [1] * 7])
    mask = torch.tensor([[0, 0, 0, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1, 1]])
    got = completion_logprobs(model, ids, attn, mask)
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids[1:]).logits[0].float(), -1)
    by_loop = sum(logp[t - 1, ids[1, t]].item() for t in range(3, 7))
    assert got[1].item() == pytest.approx(by_loop, abs=1e-4)
    alone = completion_logprobs(model, ids[:1, :5], attn[:1, :5], mask[:1, :5])
    assert got[0].item() == pytest.approx(alone.item(), abs=1e-4)


def test_pair_logprobs_of_a_fresh_adapter_equal_the_reference_and_rank_nothing():
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, lora_alpha=8, target_modules="all-linear"))
    batch = {"input_ids": torch.tensor([[5, 6, 7, 8], [5, 6, 9, 10]]), "attention_mask": torch.ones(2, 4, dtype=torch.long),
             "completion_mask": torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1]])}
    out = pair_logprobs(model, [batch])
    assert out["chosen"] == pytest.approx(out["ref_chosen"]) and out["rejected"] == pytest.approx(out["ref_rejected"])
    assert out["chosen_tokens"] == [2] and implicit_margins(out, 0.1) == pytest.approx([0.0])


def test_implicit_margins_are_beta_times_the_log_ratio_gap():
    logps = {"chosen": [-10.0], "rejected": [-20.0], "ref_chosen": [-12.0], "ref_rejected": [-18.0]}
    assert implicit_margins(logps, 0.5) == pytest.approx([0.5 * ((-10 + 12) - (-20 + 18))])
    assert F.logsigmoid(torch.tensor(implicit_margins(logps, 0.5)))[0] < 0


def test_stratified_takes_axes_in_turn_and_skips_empty_ones():
    pairs = [{"axis": a, "i": i} for a, n in (("x", 5), ("y", 1), ("z", 3)) for i in range(n)]
    picked = stratified(pairs, 6, ["x", "y", "z", "w"])
    assert [(p["axis"], p["i"]) for p in picked] == [("x", 0), ("y", 0), ("z", 0), ("x", 1), ("z", 1), ("x", 2)]
    assert len(stratified(pairs, 100, ["x", "y", "z"])) == 9
