"""Lesson 04: log-probs, KL estimators, GAE, the PPO and GRPO pieces, and a PPO smoke run on a tiny model."""

import math

import pytest
import torch

from utils.rl import (
    PPOConfig,
    ValueHead,
    clipped_surrogate_loss,
    gae,
    group_relative_advantages,
    kl_estimate,
    ppo_train,
    reinforce_loss,
    response_mask_until_eos,
    sequence_logprobs,
    token_logprobs,
    value_loss,
    whiten,
)

PAD, EOS = 0, 1


def tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=128, pad_token_id=PAD, eos_token_id=EOS, bos_token_id=2,
    )
    return LlamaForCausalLM(config).eval()


def tiny_tokenizer():
    """Words w2..w63 map to ids 2..63, so any id the tiny model samples decodes to a word."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": PAD, "<eos>": EOS, **{f"w{i}": i for i in range(2, 64)}}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="<eos>")


# ---------------------------------------------------------------- GAE and whitening
HAND = {"rewards": [0.0, 0.0, 1.0], "values": [0.5, 0.2, 0.4], "gamma": 0.9, "lam": 0.8}
# delta_2 = 1 - 0.4 = 0.6                    A_2 = 0.6
# delta_1 = 0.9 * 0.4 - 0.2 = 0.16           A_1 = 0.16 + 0.72 * 0.6 = 0.592
# delta_0 = 0.9 * 0.2 - 0.5 = -0.32          A_0 = -0.32 + 0.72 * 0.592 = 0.10624
HAND_ADVANTAGES = [0.10624, 0.592, 0.6]


def test_gae_matches_a_hand_computed_three_token_episode():
    advantages, returns = gae(
        torch.tensor([HAND["rewards"]]), torch.tensor([HAND["values"]]), torch.ones(1, 3), HAND["gamma"], HAND["lam"]
    )
    assert torch.allclose(advantages, torch.tensor([HAND_ADVANTAGES]))
    assert torch.allclose(returns, torch.tensor([HAND_ADVANTAGES]) + torch.tensor([HAND["values"]]))


def test_gae_gives_padding_zero_advantage_and_padding_does_not_leak_into_the_response():
    # one prompt token, the three response tokens, two padding tokens; junk outside the mask
    rewards = torch.tensor([[5.0, *HAND["rewards"], 7.0, -3.0]])
    values = torch.tensor([[9.0, *HAND["values"], 4.0, 2.0]])
    mask = torch.tensor([[0, 1, 1, 1, 0, 0]])
    advantages, returns = gae(rewards, values, mask, HAND["gamma"], HAND["lam"])
    assert torch.allclose(advantages, torch.tensor([[0.0, *HAND_ADVANTAGES, 0.0, 0.0]]))
    assert returns[0, [0, 4, 5]].abs().sum() == 0


def test_whiten_gives_zero_mean_unit_variance_on_the_mask_and_zero_elsewhere():
    x = torch.tensor([[1.0, 2.0, 3.0, 100.0], [4.0, 5.0, 6.0, -100.0]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 0]])
    white = whiten(x, mask)
    inside = white[mask.bool()]
    assert abs(inside.mean().item()) < 1e-6 and abs(inside.pow(2).mean().item() - 1) < 1e-5
    assert white[:, 3].abs().sum() == 0


# ---------------------------------------------------------------- PPO losses
@pytest.mark.parametrize(
    "ratio, advantage, loss, clipped",
    [
        (1.1, 2.0, -2.2, False),  # inside the range: plain ratio * A
        (1.5, 1.0, -1.2, True),  # A > 0, ratio above 1 + eps: the gain is capped at 1.2 * A
        (0.5, 1.0, -0.5, False),  # A > 0, ratio below 1 - eps: the worse, unclipped value counts
        (1.5, -1.0, 1.5, False),  # A < 0, ratio above 1 + eps: the worse, unclipped value counts
        (0.5, -1.0, 0.8, True),  # A < 0, ratio below 1 - eps: the gain is capped at 0.8 * A
    ],
)
def test_clipped_surrogate_takes_the_pessimistic_of_clipped_and_unclipped(ratio, advantage, loss, clipped):
    logp_old = torch.tensor([[-1.0]])
    got, fraction = clipped_surrogate_loss(logp_old + math.log(ratio), logp_old, torch.tensor([[advantage]]), torch.ones(1, 1))
    assert got.item() == pytest.approx(loss, abs=1e-6)
    assert fraction.item() == float(clipped)


def test_clip_fraction_counts_clipped_tokens_among_masked_ones():
    ratios = torch.tensor([[1.5, 1.5, 0.5, 0.5, 3.0]])
    advantages = torch.tensor([[1.0, -1.0, 1.0, -1.0, 1.0]])
    mask = torch.tensor([[1, 1, 1, 1, 0]])  # the last token would be clipped but is padding
    loss, fraction = clipped_surrogate_loss(ratios.log(), torch.zeros(1, 5), advantages, mask)
    assert fraction.item() == pytest.approx(0.5)
    assert loss.item() == pytest.approx((-1.2 + 1.5 - 0.5 + 0.8) / 4)


def test_value_loss_uses_the_larger_of_clipped_and_unclipped_errors():
    old, returns = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 1.0]])
    new = torch.tensor([[1.0, 0.1]])  # first moved past the 0.2 clip: clipped error (0.8^2) is larger
    assert value_loss(new, old, returns, torch.ones(1, 2)).item() == pytest.approx(0.5 * (0.64 + 0.81) / 2)


def test_reinforce_gradient_raises_log_prob_of_responses_above_the_baseline():
    logp = torch.tensor([-3.0, -3.0], requires_grad=True)
    reinforce_loss(logp, [1.0, 0.0], baseline=0.5).backward()
    assert logp.grad.tolist() == [-0.25, 0.25]  # descent raises the first and lowers the second


# ---------------------------------------------------------------- GRPO and KL
def test_group_relative_advantages_on_a_hand_computed_group_and_a_constant_group():
    advantages = group_relative_advantages([1.0, 2.0, 3.0, 0.5, 0.5, 0.5], group_size=3)
    # group 1: mean 2, unbiased std 1; group 2: all equal, nothing to learn
    assert torch.allclose(advantages, torch.tensor([-1 / 1.0001, 0.0, 1 / 1.0001, 0.0, 0.0, 0.0]))
    assert torch.allclose(group_relative_advantages([1.0, 2.0, 3.0, 5.0], 2, scale=False), torch.tensor([-0.5, 0.5, -1.0, 1.0]))


# Known rewards for 3 prompts x 4 replies: groups with different spreads (so scaling by the group's own std
# matters, and a batch-wide std would give other numbers) and one group of equal rewards (nothing to learn).
GRPO_REWARDS = [0.0, 1.0, 2.0, 5.0, 0.5, 0.5, 0.5, 0.5, 3.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("scale_rewards, scale", [(None, True), ("none", False)])  # None: TRL's default
def test_group_relative_advantages_equal_the_advantages_trl_grpo_trains_on(tmp_path, scale_rewards, scale):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    num_generations = 4
    returned = []  # what our reward function handed to TRL, in the order TRL asked for it

    def known_rewards(prompts, completions, **kwargs):
        rewards = GRPO_REWARDS[len(returned):len(returned) + len(completions)]
        returned.extend(rewards)
        return rewards

    computed = []  # the advantages TRL computed from them, in the same order

    class RecordingGRPOTrainer(GRPOTrainer):
        # read here, before TRL shuffles the batch into minibatches: still in the reward function's order
        def _generate_and_score_completions(self, inputs):
            batch = super()._generate_and_score_completions(inputs)
            computed.append(batch["advantages"].detach().cpu())
            return batch

    config = GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=1,  # one generation round: one batch of advantages
        per_device_train_batch_size=len(GRPO_REWARDS),  # all 3 groups in one generation batch
        num_generations=num_generations,
        max_completion_length=4,
        learning_rate=1e-3,
        use_cpu=True,
        report_to=[],
        save_strategy="no",
        activation_checkpointing=False,  # nothing to save on a tiny model (and TRL's default uses a deprecated name)
        seed=0,
        **({} if scale_rewards is None else {"scale_rewards": scale_rewards}),
    )
    # the two settings group_relative_advantages mirrors; other values of either mean another formula
    assert config.scale_rewards == ("group" if scale else "none")
    assert config.multi_objective_aggregation == "sum_then_normalize"
    prompts = Dataset.from_list([{"prompt": p} for p in ["w5 w9 w12", "w3 w4", "w20 w21 w22"]])
    trainer = RecordingGRPOTrainer(model=tiny_llama(), reward_funcs=known_rewards, args=config,
                                   train_dataset=prompts, processing_class=tiny_tokenizer())
    trainer.train()

    assert returned == GRPO_REWARDS and len(computed) == 1
    ours = group_relative_advantages(returned, num_generations, scale=scale)
    assert torch.allclose(ours, computed[0].float(), atol=1e-6)


def test_kl_estimators_are_zero_for_identical_policies_and_k3_is_never_negative():
    logp = torch.randn(4, 7)
    assert kl_estimate(logp, logp, "k1").abs().max() == 0 and kl_estimate(logp, logp, "k3").abs().max() == 0
    assert (kl_estimate(logp, torch.randn(4, 7), "k3") >= 0).all()


def test_kl_estimators_average_to_the_true_kl_on_samples_from_the_policy():
    torch.manual_seed(0)
    p, q = torch.softmax(torch.randn(6), 0), torch.softmax(torch.randn(6), 0)
    true_kl = (p * (p / q).log()).sum().item()
    samples = torch.multinomial(p, 50_000, replacement=True)
    for kind in ("k1", "k3"):
        estimate = kl_estimate(p.log()[samples], q.log()[samples], kind).mean().item()
        assert estimate == pytest.approx(true_kl, rel=0.1, abs=0.01), kind


# ---------------------------------------------------------------- log-probs of a real (tiny) model
def test_token_logprobs_match_a_log_softmax_gather_and_ignore_left_padding():
    model = tiny_llama()
    full, short = [5, 9, 12, 30, 41, 7], [12, 30, 41, 7]
    input_ids = torch.tensor([full, [PAD, PAD, *short]])
    attention_mask = torch.tensor([[1] * 6, [0, 0, 1, 1, 1, 1]])
    response_mask = torch.tensor([[0, 0, 0, 1, 1, 1]] * 2)
    got = token_logprobs(model, input_ids, attention_mask, response_mask)
    with torch.no_grad():
        for row, ids in enumerate((full, short)):
            logits = model(torch.tensor([ids])).logits[0]  # unpadded, alone
            expected = torch.log_softmax(logits[:-1], -1).gather(-1, torch.tensor(ids[1:])[:, None]).squeeze(-1)
            assert torch.allclose(got[row, 3:], expected[-3:], atol=1e-5)
    assert got[:, :3].abs().sum() == 0
    assert torch.allclose(sequence_logprobs(model, input_ids, attention_mask, response_mask), got.sum(-1))


def test_value_of_a_token_is_read_from_the_hidden_state_before_it():
    head = ValueHead(4)
    torch.nn.init.ones_(head.linear.weight)
    hidden = torch.arange(12.0).view(1, 3, 4)
    assert head(hidden).tolist() == [[0.0, 6.0, 22.0]]


def test_response_mask_keeps_tokens_through_the_first_eos_only():
    responses = torch.tensor([[5, EOS, 7, EOS], [5, 6, 7, 8], [EOS, PAD, PAD, PAD]])
    assert response_mask_until_eos(responses, [EOS]).tolist() == [[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]]


# ---------------------------------------------------------------- the PPO loop
def test_ppo_smoke_run_updates_the_adapter_and_leaves_the_reference_alone():
    from peft import LoraConfig, get_peft_model

    tokenizer, model = tiny_tokenizer(), tiny_llama()
    probe = torch.tensor([[5, 9, 12, 30]])
    with torch.no_grad():
        base_logits = model(probe).logits
    policy = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], lora_dropout=0.0))
    lora_before = {n: p.detach().clone() for n, p in policy.named_parameters() if p.requires_grad}
    seen = []

    def fraction_of_low_words(messages, responses):  # w2..w20: about a third of what a random model says
        seen.append(list(messages))
        return [sum(int(w[1:]) <= 20 for w in r.split()) / max(len(r.split()), 1) for r in responses]

    prompts = ["w5 w9 w12", "w3 w4", "w20 w21 w22 w23", "w40"]
    value_head = ValueHead(policy.config.hidden_size)
    config = PPOConfig(steps=2, batch_size=4, max_new_tokens=6, ppo_epochs=2, minibatch_size=2, learning_rate=1e-2)
    history = ppo_train(
        policy, tokenizer, prompts, fraction_of_low_words, config,
        user_messages=["m0", "m1", "m2", "m3"], value_head=value_head, progress=False,
    )

    assert [h["step"] for h in history] == [0, 1]
    keys = {"step", "reward", "kl", "response_len", "clip_fraction", "policy_loss", "value_loss", "responses", "prompts"}
    assert all(keys <= set(h) for h in history)
    assert all(math.isfinite(h[k]) for h in history for k in ("reward", "kl", "policy_loss", "value_loss", "clip_fraction"))
    assert all(1 <= h["response_len"] <= 6 and len(h["responses"]) == 4 for h in history)
    assert seen[0] == ["m0", "m1", "m2", "m3"] and history[0]["prompts"] == seen[0]
    assert history[0]["kl"] == pytest.approx(0.0, abs=1e-5)  # the first rollout comes from the untouched adapter
    assert history[1]["kl"] != 0  # the second rollout comes from the updated adapter
    # lora_B starts at zero and AdamW has no weight decay here, so only a policy gradient can move it
    assert any(not torch.equal(lora_before[n], p) for n, p in policy.named_parameters() if "lora_B" in n)
    assert value_head.linear.weight.abs().sum() > 0  # the critic starts at zero: only its loss can move it
    with torch.no_grad(), policy.disable_adapter():
        assert torch.allclose(policy(probe).logits, base_logits)


def two_tiny_language_models(seed):
    """Two different tiny Llama models over a 64-token vocabulary, for exact_kl."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2)
    return LlamaForCausalLM(config).eval(), LlamaForCausalLM(config).eval()


def test_exact_kl_is_zero_against_itself_and_positive_against_another_model():
    from utils.rl import exact_kl

    a, b = two_tiny_language_models(seed=0)
    ids = torch.randint(0, 64, (2, 7))
    attention = torch.ones_like(ids)
    attention[1, :2] = 0  # left padding
    response = torch.zeros_like(ids)
    response[:, 4:] = 1
    assert exact_kl(a, a, ids, attention, response).abs().max() < 1e-5
    kl = exact_kl(a, b, ids, attention, response)
    assert (kl > 0).all()
    # by hand for row 0: sum over the 3 response tokens of KL(p || q) at the positions that predict them
    p = torch.log_softmax(a(ids[:1]).logits[0, 3:6], -1)
    q = torch.log_softmax(b(ids[:1]).logits[0, 3:6], -1)
    assert torch.allclose(kl[0], (p.exp() * (p - q)).sum(), atol=1e-4)


def test_exact_kl_reads_only_response_positions_wherever_they_sit():
    from utils.rl import exact_kl

    a, b = two_tiny_language_models(seed=1)
    ids = torch.randint(0, 64, (2, 9))
    attention = torch.ones_like(ids)
    response = torch.zeros_like(ids)
    response[0, 6:] = 1  # a reply that runs to the end
    response[1, 3:5] = 1  # a shorter one, followed by padding after EOS (as generate leaves it)
    kl = exact_kl(a, b, ids, attention, response, temperature=0.7)
    for row, (start, stop) in enumerate(((6, 9), (3, 5))):
        with torch.no_grad():  # all logits, then the positions start-1 .. stop-2 that predict the reply
            p = torch.log_softmax(a(ids[row : row + 1]).logits[0, start - 1 : stop - 1] / 0.7, -1)
            q = torch.log_softmax(b(ids[row : row + 1]).logits[0, start - 1 : stop - 1] / 0.7, -1)
        assert torch.allclose(kl[row], (p.exp() * (p - q)).sum(), atol=1e-4)
    assert exact_kl(a, b, ids, attention, torch.zeros_like(ids)).eq(0).all()
