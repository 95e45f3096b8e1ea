"""Reinforcement learning for a language model: log-probs, KL, advantages, the PPO and GRPO losses.

Introduced in lesson 04 (RL from a reward model). Every piece is a few lines of torch; `ppo_train`
puts them together into PPO for a causal LM with a LoRA adapter (TRL no longer ships PPO, so ours
is written out here). Tensors are [batch, tokens], aligned with `input_ids`, and a response mask
marks the tokens the policy wrote; everything outside it is zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm import tqdm


# ---------------------------------------------------------------- log-probabilities and KL
def _forward(model, input_ids, attention_mask, response_mask, temperature=1.0):
    """Per-token log-probs (zero outside the response) and the last hidden states, from one forward pass."""
    # Left padding shifts every row; positions must count real tokens only, exactly as `generate` did.
    position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
    # Only positions that predict a response token need logits, and the vocabulary is large.
    first = int(response_mask.any(0).float().argmax())
    keep = input_ids.shape[1] - first + 1
    out = model(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=position_ids,
        logits_to_keep=keep,
        output_hidden_states=True,
    )
    logits = out.logits[:, :-1].float() / temperature  # position t-1 predicts token t
    picked = torch.log_softmax(logits, -1).gather(-1, input_ids[:, first:, None]).squeeze(-1)
    logp = torch.zeros(input_ids.shape, dtype=picked.dtype, device=picked.device)
    logp[:, first:] = picked
    return logp * response_mask, out.hidden_states[-1]


def token_logprobs(model, input_ids, attention_mask, response_mask, temperature: float = 1.0) -> torch.Tensor:
    """log p(token_t | tokens before t) for each token present, [B, T]; zero outside `response_mask`.

    `temperature` must be the sampling temperature: the policy that wrote the tokens is
    softmax(logits / temperature).
    """
    return _forward(model, input_ids, attention_mask, response_mask, temperature)[0]


def sequence_logprobs(model, input_ids, attention_mask, response_mask, temperature: float = 1.0) -> torch.Tensor:
    """log p(response | prompt) = the sum of its token log-probs, [B]."""
    return token_logprobs(model, input_ids, attention_mask, response_mask, temperature).sum(-1)


def kl_estimate(logp: torch.Tensor, ref_logp: torch.Tensor, kind: str = "k1") -> torch.Tensor:
    """Per-token estimate of KL(policy || reference) from the log-probs of tokens the policy sampled.

    k1 = logp - ref_logp: unbiased, but single tokens can be negative.
    k3 = exp(ref_logp - logp) - (ref_logp - logp) - 1: unbiased and never negative (Schulman's
    estimator; TRL's GRPOTrainer uses it). Both are zero where the policies agree.
    """
    log_ratio = ref_logp - logp
    if kind == "k1":
        return -log_ratio
    if kind == "k3":
        return torch.exp(log_ratio) - log_ratio - 1
    raise ValueError(f"kind must be 'k1' or 'k3', not {kind!r}")


# ---------------------------------------------------------------- advantages
def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of `x` over the positions where `mask` is 1."""
    return (x * mask).sum() / mask.sum().clamp(min=1)


def whiten(x: torch.Tensor, mask: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """(x - mean) / std over the masked positions; zero elsewhere."""
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    return (x - mean) * torch.rsqrt(var + eps) * mask


def gae(rewards, values, mask, gamma: float = 1.0, lam: float = 0.95) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over each row's (contiguous) response: (advantages, returns).

    delta_t = r_t + gamma * V_{t+1} - V_t,   A_t = delta_t + gamma * lam * A_{t+1},   returns = A + V.
    After the last response token the episode is over: V and A there count as 0, so padding adds nothing.
    """
    mask = mask.to(rewards.dtype)
    advantages = torch.zeros_like(rewards)
    next_value = next_advantage = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        next_advantage = (delta + gamma * lam * next_advantage) * mask[:, t]
        next_value = values[:, t] * mask[:, t]
        advantages[:, t] = next_advantage
    return advantages, (advantages + values) * mask


def group_relative_advantages(rewards, group_size: int, scale: bool = True, eps: float = 1e-4) -> torch.Tensor:
    """GRPO's advantage: (r - mean of its group) / (std of its group + eps), one number per completion.

    `rewards` holds `group_size` consecutive completions per prompt. The std is the unbiased one
    (Bessel's correction), as in TRL's GRPOTrainer with scale_rewards="group" (its default, also
    `True`); scale=False is scale_rewards="none" (Dr. GRPO: no division). Equal rewards give zeros.
    """
    if group_size < 2:
        raise ValueError("group_size must be at least 2: a group of one has nothing to compare with")
    groups = torch.as_tensor(rewards, dtype=torch.float32).view(-1, group_size)
    advantages = groups - groups.mean(1, keepdim=True)
    if scale:
        advantages = advantages / (groups.std(1, keepdim=True) + eps)
    return advantages.flatten()


# ---------------------------------------------------------------- losses
def reinforce_loss(seq_logprob_sums: torch.Tensor, rewards, baseline=0.0) -> torch.Tensor:
    """REINFORCE with a baseline: -mean((r - b) * log p(response)). Its gradient raises the
    probability of responses that scored above the baseline and lowers the others."""
    advantages = (torch.as_tensor(rewards, dtype=torch.float32) - baseline).to(seq_logprob_sums.device)
    return -(advantages.detach() * seq_logprob_sums).mean()


def clipped_surrogate_loss(logp_new, logp_old, advantages, mask, clip_eps: float = 0.2) -> tuple[torch.Tensor, ...]:
    """PPO's policy loss and the fraction of tokens where clipping was active.

    ratio = exp(logp_new - logp_old),  loss = masked mean of -min(ratio * A, clip(ratio, 1-eps, 1+eps) * A).
    Taking the minimum means a token earns nothing for moving its ratio beyond the clip range.
    """
    ratio = torch.exp(logp_new - logp_old)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * advantages
    loss = masked_mean(-torch.min(unclipped, clipped), mask)
    clip_fraction = masked_mean((clipped < unclipped).float(), mask)
    return loss, clip_fraction.detach()


def value_loss(values_new, values_old, returns, mask, clip_eps: float = 0.2) -> torch.Tensor:
    """The critic's clipped loss: masked mean of 0.5 * max((V - R)^2, (V_clipped - R)^2),
    with V_clipped = V_old + clip(V - V_old, -eps, eps), so one update cannot move a value far."""
    values_clipped = values_old + torch.clamp(values_new - values_old, -clip_eps, clip_eps)
    return 0.5 * masked_mean(torch.max((values_new - returns) ** 2, (values_clipped - returns) ** 2), mask)


# ---------------------------------------------------------------- PPO for a causal LM with LoRA
class ValueHead(nn.Module):
    """The critic: one linear layer on the policy's last hidden states, a value per token, [B, T].

    The value at token t is that of the state the policy chose token t in, so it is read from the
    hidden state at t-1 (the same position whose logits gave token t).
    """

    def __init__(self, hidden_size: int):
        super().__init__()
        self.linear = nn.Linear(hidden_size, 1)
        nn.init.zeros_(self.linear.weight)  # start from V = 0: no opinion before seeing any reward
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        # Detached: the critic learns from the policy's features but does not pull on the LoRA weights.
        values = self.linear(hidden.detach().float()).squeeze(-1)
        return F.pad(values[:, :-1], (1, 0))


@dataclass
class PPOConfig:
    steps: int = 20  # rollout + update rounds
    batch_size: int = 8  # prompts per step, one sampled response each
    max_new_tokens: int = 48  # longest response; one without EOS is cut here and still scored
    temperature: float = 1.0  # sampling temperature; the log-probs use the same one
    kl_coef: float = 0.05  # price per nat of KL to the reference, paid token by token
    gamma: float = 1.0  # no discount: only the final score matters, wherever it lands
    lam: float = 0.95  # GAE: 1 = Monte-Carlo returns (noisy), 0 = one-step TD (biased by the critic)
    clip_eps: float = 0.2  # how far a ratio (and a value) may move in one rollout's updates
    vf_coef: float = 0.1  # weight of the value loss next to the policy loss
    ppo_epochs: int = 2  # passes over each rollout batch
    minibatch_size: int = 4  # responses per gradient step
    learning_rate: float = 1e-4  # AdamW, for the LoRA weights and the value head
    seed: int = 0


def response_mask_until_eos(response_ids: torch.Tensor, eos_ids: list[int]) -> torch.Tensor:
    """1 for every generated token up to and including the first EOS, 0 after it.

    The EOS stays in the mask so the policy is also trained on when to stop.
    """
    is_eos = torch.isin(response_ids, torch.tensor(eos_ids, device=response_ids.device)).long()
    return ((is_eos.cumsum(1) - is_eos) == 0).long()


def _eos_ids(model, tokenizer) -> list[int]:
    configured = model.generation_config.eos_token_id
    configured = configured if isinstance(configured, list) else [configured]
    return sorted({i for i in [tokenizer.eos_token_id, *configured] if i is not None})


@torch.no_grad()
def rollout(policy, tokenizer, prompts: list[str], config: PPOConfig) -> dict:
    """Sample one response per prompt (chat template already applied) and mask it up to its first EOS."""
    side, tokenizer.padding_side = tokenizer.padding_side, "left"  # every prompt then ends at the same column
    try:
        enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(policy.device)
    finally:
        tokenizer.padding_side = side
    eos_ids = _eos_ids(policy, tokenizer)
    out = policy.generate(
        **enc,
        do_sample=True,
        temperature=config.temperature,
        top_k=0,  # pure sampling: the log-probs we train on must be those of the distribution sampled from
        top_p=1.0,
        max_new_tokens=config.max_new_tokens,
        eos_token_id=eos_ids,
        pad_token_id=tokenizer.pad_token_id,
    )
    prompt_len = enc["input_ids"].shape[1]
    mask = response_mask_until_eos(out[:, prompt_len:], eos_ids)
    responses = [
        tokenizer.decode(ids[m.bool()], skip_special_tokens=True).strip() for ids, m in zip(out[:, prompt_len:], mask)
    ]
    return {
        "input_ids": out,
        "attention_mask": torch.cat([enc["attention_mask"], mask], 1),  # tokens after EOS are not looked at
        "response_mask": torch.cat([torch.zeros_like(enc["attention_mask"]), mask], 1),
        "responses": responses,
    }


def ppo_train(
    policy,
    tokenizer,
    prompts: list[str],
    reward_fn,
    config: PPOConfig,
    *,
    user_messages: list[str] | None = None,
    value_head: ValueHead | None = None,
    on_step=None,
    progress: bool = True,
) -> list[dict]:
    """PPO on a PEFT model's LoRA adapter; the reference policy is the same model with the adapter off.

    Each step: sample `batch_size` prompts' responses, score them with
    `reward_fn(user_messages, responses) -> list[float]` (user_messages default to the prompt texts),
    reward each token with -kl_coef * KL to the reference and add the score on the last token, compute
    GAE advantages with the critic, then run `ppo_epochs` epochs of clipped updates over minibatches.
    Pass your own `value_head` to keep the critic. Returns one record per step; `on_step(record)` sees each.
    """
    shown = user_messages if user_messages is not None else prompts
    if len(shown) != len(prompts):
        raise ValueError(f"user_messages ({len(shown)}) and prompts ({len(prompts)}) must be parallel lists")
    device = policy.device
    value_head = (value_head or ValueHead(policy.config.hidden_size)).to(device)
    params = [p for p in policy.parameters() if p.requires_grad] + list(value_head.parameters())
    # No weight decay: the KL penalty alone holds the policy near the reference, visibly, in the reward.
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.0)
    was_training = policy.training
    # Dropout off throughout: sampling, scoring and updates see the same policy, so ratios start at exactly 1.
    policy.eval()
    history = []
    for step in tqdm(range(config.steps), desc="PPO", unit="step", disable=not progress):
        torch.manual_seed(config.seed + step)
        picked = [(step * config.batch_size + i) % len(prompts) for i in range(config.batch_size)]
        batch = rollout(policy, tokenizer, [prompts[i] for i in picked], config)
        ids, attn, mask = batch["input_ids"], batch["attention_mask"], batch["response_mask"].float()
        scores = reward_fn([shown[i] for i in picked], batch["responses"])
        scores = torch.tensor(scores, dtype=torch.float32, device=device)

        with torch.no_grad():
            old_logp, hidden = _forward(policy, ids, attn, mask, config.temperature)
            old_values = value_head(hidden) * mask
            with policy.disable_adapter():
                ref_logp = token_logprobs(policy, ids, attn, mask, config.temperature)
            kl = kl_estimate(old_logp, ref_logp, "k1") * mask
            rewards = -config.kl_coef * kl
            last = mask.shape[1] - 1 - mask.flip(1).argmax(1)  # each row's last response token
            rewards[torch.arange(len(last)), last] += scores
            advantages, returns = gae(rewards, old_values, mask, config.gamma, config.lam)
            advantages = whiten(advantages, mask)

        if getattr(policy, "is_loaded_in_4bit", False):
            from utils.models import restore_4bit_training_layout

            restore_4bit_training_layout(policy)  # generation repacked the 4-bit weights for inference only
        stats = []
        for _ in range(config.ppo_epochs):
            for mb in torch.randperm(len(picked)).split(config.minibatch_size):
                logp, hidden = _forward(policy, ids[mb], attn[mb], mask[mb], config.temperature)
                m, eps = mask[mb], config.clip_eps
                policy_loss, clip_fraction = clipped_surrogate_loss(logp, old_logp[mb], advantages[mb], m, eps)
                critic_loss = value_loss(value_head(hidden) * m, old_values[mb], returns[mb], m, eps)
                optimizer.zero_grad()
                (policy_loss + config.vf_coef * critic_loss).backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimizer.step()
                stats.append((policy_loss.item(), critic_loss.item(), clip_fraction.item()))

        losses = torch.tensor(stats).mean(0).tolist()
        record = {
            "step": step,
            "reward": scores.mean().item(),
            "kl": kl.sum(1).mean().item(),
            "response_len": mask.sum(1).mean().item(),
            "clip_fraction": losses[2],
            "policy_loss": losses[0],
            "value_loss": losses[1],
            "responses": batch["responses"],
            "prompts": [shown[i] for i in picked],
        }
        history.append(record)
        if on_step:
            on_step(record)
    policy.train(was_training)
    return history


@torch.no_grad()
def exact_kl(policy, reference, input_ids, attention_mask, response_mask, temperature: float = 1.0) -> torch.Tensor:
    """KL(policy || reference) summed over each response's tokens, computed over the whole vocabulary.

    At every response position both models give a next-token distribution; their exact KL is
    sum_v p(v) (log p(v) - log q(v)). Summed over the response, it measures how far the policy has
    moved from the reference on the replies it actually writes. `reference` is a callable model, or
    None to use `policy` with its adapter disabled. `temperature` scales both models' logits, as
    sampling at that temperature does. Returns [batch], on the inputs' device.
    """
    out_device = input_ids.device
    device = next(policy.parameters()).device
    input_ids, attention_mask, response_mask = input_ids.to(device), attention_mask.to(device), response_mask.to(device)
    position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)  # left padding, as in generate

    # Only positions that predict a response token matter. Their logits are all in the last `keep`
    # columns, so the model computes its vocabulary-wide output there only (the prompt can be 4x longer).
    columns = response_mask.any(0).nonzero()
    if len(columns) == 0:
        return torch.zeros(len(input_ids), device=out_device)
    keep = input_ids.shape[1] - int(columns[0]) + 1

    def log_probs(model):
        logits = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                       logits_to_keep=keep).logits[:, :-1].float()
        logits = logits / temperature
        return torch.log_softmax(logits, -1)

    logp = log_probs(policy)
    if reference is None:
        with policy.disable_adapter():
            ref_logp = log_probs(policy)
    else:
        ref_logp = log_probs(reference)
    per_token = (logp.exp() * (logp - ref_logp)).sum(-1)  # column t predicts token t + 1
    return (per_token * response_mask[:, -(keep - 1):].float()).sum(1).to(out_device)


def sft_adapter_folder(profile: str) -> Path | None:
    """Lesson 02's SFT adapter in `profile`'s run folder, or None when lesson 02 has not run in that profile."""
    from utils.metrics import runs_root

    folder = runs_root() / profile / "02_sft_qlora" / "adapter"
    return folder if (folder / "adapter_config.json").exists() else None


def describe_start_policy(sft_adapter: Path | None) -> str:
    """One line saying which policy RL starts from (and so which policy's replies are compared)."""
    if sft_adapter is None:
        return "instruct model (no lesson 02 adapter found in this profile: run lesson 02 first to start from its SFT model)"
    return f"instruct + lesson 02 adapter ({sft_adapter.parent.parent.name}/02_sft_qlora/adapter)"


def load_start_policy(resolved, sft_adapter: str | Path | None = None, device=None, dtype=None):
    """The policy RL starts from: the model `resolved`, with lesson 02's SFT adapter merged in when given.

    Loaded unquantised so each RL run can add its own LoRA adapter on top; the frozen weights
    (adapter disabled) are then the reference policy.
    """
    from utils.models import load_model

    model = load_model(resolved, device=device, dtype=dtype)
    if sft_adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(sft_adapter)).merge_and_unload()
    model.eval()
    return model


def encode_replies(tokenizer, prompts: list[str], replies: list[str]) -> dict:
    """Left-padded token ids of each chat prompt followed by its reply and EOS, the reply's tokens marked.

    What `exact_kl` reads to measure how far a policy moved on replies it already wrote.
    """
    rows, marks = [], []
    for prompt, reply in zip(prompts, replies):
        prompt_ids = tokenizer(prompt, add_special_tokens=False).input_ids
        reply_ids = tokenizer(reply, add_special_tokens=False).input_ids + [tokenizer.eos_token_id]
        rows.append(prompt_ids + reply_ids)
        marks.append([0] * len(prompt_ids) + [1] * len(reply_ids))
    width = max(len(r) for r in rows)
    input_ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    response_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (row, mark) in enumerate(zip(rows, marks)):
        input_ids[i, width - len(row):] = torch.tensor(row)
        attention_mask[i, width - len(row):] = 1
        response_mask[i, width - len(row):] = torch.tensor(mark)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "response_mask": response_mask}
