"""Run profiles (`ci`, `cpu`, `gpu`) and every lesson's sizes, in one place.

Introduced in lesson 01. `COURSE_PROFILE` overrides detection; lessons only change sizes by
profile, never their teaching. Read a lesson's sizes with `lesson_sizes("01_pretrained_behavior")`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

PROFILES = ("ci", "cpu", "gpu")


class ProfileError(ValueError):
    """A requested profile that is unknown or cannot run on this machine."""


def detect_profile(env: dict | None = None, cuda_available: bool | None = None) -> tuple[str, str]:
    """Return (profile, reason). Order: COURSE_PROFILE, then CI=true, then whether CUDA is present."""
    env = os.environ if env is None else env
    if cuda_available is None:
        import torch

        cuda_available = torch.cuda.is_available()
    requested = env.get("COURSE_PROFILE", "").strip().lower()
    if requested:
        if requested not in PROFILES:
            raise ProfileError(
                f"COURSE_PROFILE={requested!r} is not one of {', '.join(PROFILES)}. "
                "Unset it to let the course detect the profile."
            )
        if requested == "gpu" and not cuda_available:
            raise ProfileError(
                "COURSE_PROFILE=gpu needs a CUDA GPU and none is visible. "
                "Unset COURSE_PROFILE (or set it to cpu) on this machine."
            )
        return requested, "set by COURSE_PROFILE"
    if env.get("CI", "").strip().lower() in ("1", "true", "yes"):
        return "ci", "CI environment variable is set"
    if cuda_available:
        return "gpu", "a CUDA GPU is available"
    return "cpu", "no CUDA GPU found"


@dataclass(frozen=True)
class PretrainedBehaviorSizes:
    """Lesson 01 sizes."""

    n_eval_instructions: int  # held-out instructions scored for assistant style
    max_new_tokens: int  # tokens generated per response; enough to see whether it answers
    batch_size: int  # prompts generated together (left-padded)
    n_samples: int  # samples drawn per temperature in the sampling demo
    load_in_4bit: bool  # NF4 weights: on a GPU this is how bigger models fit a T4


@dataclass(frozen=True)
class SFTSizes:
    """Lesson 02 sizes."""

    max_steps: int  # optimizer steps; the effect must show within them
    batch_size: int  # conversations per step
    learning_rate: float  # 3e-4 learns these templates in tens of steps; 1e-3 diverged on the 135M model
    lora_r: int  # LoRA rank: adapter capacity
    lora_alpha: int  # LoRA scale numerator (the update is scaled by alpha / r)
    n_eval: int  # held-out conversations scored before and after
    max_new_tokens: int  # enough for one question or one sentence, and to see rambling
    eval_batch_size: int
    load_in_4bit: bool  # QLoRA: frozen base in NF4, adapters in higher precision (a CPU without native 4-bit kernels trains faster in fp32)
    gradient_checkpointing: bool = False  # recompute activations in backward: saves memory, costs time
    base_sft_steps: int = 0  # SFT steps that teach the pre-trained base model to converse (section 11)
    base_eval: int = 0  # lesson 01 instructions both SFT models are measured on (section 10 adds half as many held-out requests)
    n_ood: int = 48  # held-out requests phrased outside the training templates (half vague, half clear)
    generation_batch_size: int = 128  # greedy replies per batch; a reply leaves the batch at its end of turn
    timing_steps: int = 1  # timed training steps per precision/checkpointing setting (after one warm-up step)
    timing_rows: int = 8  # conversations in the timed batch
    hub_sft_steps: int = 0  # optional gpu-only run: SFT of the real base model on a public chat dataset
    hub_conversations: int = 0  # conversations taken from that dataset


@dataclass(frozen=True)
class RewardModelSizes:
    """Lesson 03 sizes."""

    n_train_pairs: int  # preference pairs used for training (the file has 720)
    n_feature_pairs: int  # train pairs whose frozen features train the tiny linear head
    n_heldout: int  # held-out pairs evaluated, the same number per axis (the file has 150)
    tiny_epochs: int  # full-batch epochs of the from-scratch linear reward head
    max_steps: int  # RewardTrainer optimizer steps
    batch_size: int  # pairs per step (each pair is two sequences)
    learning_rate: float
    lora_r: int
    lora_alpha: int
    center_rewards: float  # weight of the reward-centring term (mean of (r_c + r_r)^2)
    n_onpolicy_heldout: int  # held-out prompts (the same number per axis) whose sampled replies the rater compares
    n_onpolicy_train: int  # train prompts (the same number per axis) sampled for the second round of comparisons
    samples_per_prompt: int  # replies sampled per prompt: k replies give up to k(k-1)/2 decided pairs
    onpolicy_steps: int  # RewardTrainer steps of the second round (on-policy pairs mixed with half as many template pairs)
    max_new_tokens: int  # longest sampled reply
    generation_batch: int  # replies generated together
    load_in_4bit: bool  # QLoRA on GPUs; on CPUs the 135M model trains faster unquantised


@dataclass(frozen=True)
class RLSizes:
    """Lesson 04 sizes."""

    n_eval: int  # held-out prompts (the same number per axis) scored before and after each method
    max_new_tokens: int  # longest reply sampled during RL and at evaluation
    reinforce_steps: int  # steps of the plain REINFORCE demo
    ppo_steps: int  # rollout + update rounds of each PPO run, with the KL penalty and without it
    eval_every: int  # PPO steps between held-out measurements during training (one sample per prompt)
    ppo_batch: int  # prompts per PPO step, one reply each
    ppo_lr: float  # LoRA learning rate for REINFORCE and PPO
    kl_coef: float  # PPO's price per nat of KL to the reference, paid token by token
    grpo_rounds: int  # GRPO generation rounds; each gives 4 optimizer steps (2 minibatches x 2 passes), like a PPO step
    grpo_prompts: int  # prompts per GRPO step
    num_generations: int  # replies per prompt: the group whose mean is the baseline
    grpo_lr: float
    grpo_beta: float  # GRPO's KL coefficient (TRL's default is 0: no reference model)
    lora_r: int
    lora_alpha: int
    temperature: float = 0.7  # sampling temperature in training: at 1.0 a 135M model's samples are often word salad


@dataclass(frozen=True)
class DPOSizes:
    """Lesson 05 sizes."""

    max_steps: int  # optimizer steps of each DPO run: one pass over max_steps x batch_size pairs, none seen twice
    batch_size: int  # preference pairs per step (each pair is two sequences, for the policy and the reference)
    learning_rate: float  # LoRA rate; 5e-4 for 30 steps of 8 pairs drove the 135M policy 53 nats from its reference
    beta: float  # the main run's beta: the price of drifting from the reference
    sweep_betas: tuple  # the other betas of the sweep, each trained the same way from the same start
    lora_r: int
    lora_alpha: int
    n_heldout_pairs: int  # held-out pairs of each kind (template, on-policy), taken from each axis in turn
    n_eval: int  # held-out prompts (the same number per axis) each policy answers, one sampled reply each
    max_new_tokens: int  # longest sampled reply at evaluation
    generation_batch: int  # replies generated together
    gradient_checkpointing: bool = False  # TRL's default is on: it saves GPU memory and costs CPU time
    temperature: float = 0.7  # lesson 04's sampling temperature, so every policy is measured the same way


@dataclass(frozen=True)
class SafetySizes:
    """Lesson 07 sizes."""

    n_heldout: int  # held-out prompts per side (harmful, harmless), taken from each held-out category in turn
    n_probes: int  # wrapped held-out harmful requests ("for a story...", role-play) of the robustness probe
    n_instructions: int  # lesson 01's held-out instructions, for the capability check
    refusal_only_steps: int  # SFT steps on refusals alone
    mixed_steps: int  # SFT steps on refusals, look-alike answers and ordinary requests together
    n_ordinary: int  # ordinary requests (lesson 02's clear ones) in the mixed run
    batch_size: int
    learning_rate: float
    lora_r: int
    lora_alpha: int
    max_new_tokens: int  # reply length when measuring refusals: a refusal shows in its first sentence
    instruction_tokens: int  # reply length for lesson 01's instructions
    generation_batch: int  # replies generated together


@dataclass(frozen=True)
class ToolSizes:
    """Lesson 08 sizes."""

    n_heldout_tools: int  # held-out queries over the held-out tools (the main test), taken from each tool in turn
    n_seen_tools: int  # held-out phrasings over the training tools
    n_direct: int  # held-out queries that no offered tool fits
    n_errors: int  # held-out calls whose tool reports an error
    steps: int  # SFT steps
    batch_size: int
    learning_rate: float
    repeat_rare: int  # direct and error rows are shown this many times per pass (they are 1 in 4 rows)
    lora_r: int
    lora_alpha: int
    call_tokens: int  # first reply: a call takes up to 57 tokens (a date is one token per digit)
    answer_tokens: int  # reply after the tool's result
    generation_batch: int  # conversations generated together


@dataclass(frozen=True)
class ReportCardSizes:
    """Lesson 09 sizes: held-out rows per column of the report card, and reply lengths."""

    n_style: int  # lesson 01's instructions (assistant style)
    n_clarify: int  # lesson 02's held-out requests (clarify or answer), vague and clear in turn
    n_preferences: int  # lesson 03's held-out prompts (gold and reward-model scores, KL), every axis in turn
    n_reasoning: int  # lesson 06's held-out problems
    n_safety: int  # lesson 07's held-out requests per side (harmful, look-alikes)
    n_tools: int  # lesson 08's held-out calls over held-out tools
    n_texts: int  # plain-text paragraphs (capability)
    reply_tokens: int  # reply length for the style, clarify and rater columns
    reasoning_tokens: int  # as lesson 06
    refusal_tokens: int  # as lesson 07: a refusal shows in its first sentence
    call_tokens: int  # as lesson 08: a call takes up to 57 tokens
    generation_batch: int  # prompts generated together
    recipe_steps: int  # steps of the recipe launched as one and as two processes (section 7)


@dataclass(frozen=True)
class ReasoningSizes:
    """Lesson 06 sizes."""

    n_eval: int  # held-out problems answered greedily by every policy
    n_pass_k: int  # held-out problems (the first n_pass_k of them) sampled k times for pass@k
    k: int  # samples per problem for pass@k
    warmup_steps: int  # SFT steps of the format warm-up, 8 worked solutions each, none seen twice
    warmup_lr: float
    grpo_rounds: int  # GRPO generation rounds of each run; each gives 2 optimizer steps (2 minibatches)
    grpo_prompts: int  # problems per round
    num_generations: int  # replies per problem: the group whose mean is the baseline
    grpo_lr: float  # LoRA learning rate of every GRPO run
    kl_beta: float  # beta of the run with a KL term (the main run has TRL's default, 0: no reference model)
    max_new_tokens: int  # longest reply, in training and at evaluation: three steps take ~35 tokens
    generation_batch: int  # replies generated together at evaluation
    lora_r: int
    lora_alpha: int
    temperature: float = 0.7  # sampling temperature in training and for pass@k
    train_steps: tuple = (1, 2)  # steps per training problem, in turn
    heldout_steps: tuple = (1, 2, 1, 2, 3)  # steps per held-out problem, in turn: three steps are never trained on


LESSON_SIZES = {
    "01_pretrained_behavior": {
        # ci: 40 of the 60 instructions, one batch each, and shorter responses (the 12-minute `make test` budget)
        "ci": PretrainedBehaviorSizes(
            n_eval_instructions=40, max_new_tokens=32, batch_size=40, n_samples=3, load_in_4bit=False),
        "cpu": PretrainedBehaviorSizes(
            n_eval_instructions=60, max_new_tokens=64, batch_size=30, n_samples=5, load_in_4bit=False),
        "gpu": PretrainedBehaviorSizes(
            n_eval_instructions=60, max_new_tokens=96, batch_size=30, n_samples=5, load_in_4bit=True),
    },
    "02_sft_qlora": {
        # ci: 24 of cpu's 48 steps already move compliance and loss beyond noise; 32 held-out conversations, one batch;
        # section 10 runs 2 steps on the pre-trained model in ci (its code path only: its effect is asserted in cpu and gpu).
        # ci is cpu with fewer steps (lessons 03 and 04 in ci start from this adapter). cpu and ci train an fp32 base without checkpointing: measured on a 2-core AVX2 Xeon (batch 8, r=16), a step
        # took 2.9 s in fp32, 3.9 s fp32 + checkpointing, 4.1 s 4-bit, 4.6 s 4-bit + checkpointing (the lesson
        # measures it again wherever it runs); on a CPU the 135M model fits either way.
        "ci": SFTSizes(
            max_steps=24, batch_size=8, learning_rate=0.0003, lora_r=16, lora_alpha=32, n_eval=32,
            max_new_tokens=40, eval_batch_size=32, load_in_4bit=False, base_sft_steps=2, base_eval=8, n_ood=16, timing_rows=2),
        "cpu": SFTSizes(
            max_steps=48, batch_size=8, learning_rate=0.0003, lora_r=16, lora_alpha=32, n_eval=122,
            max_new_tokens=48, eval_batch_size=20, load_in_4bit=False, base_sft_steps=20, base_eval=60, timing_rows=4),
        "gpu": SFTSizes(
            max_steps=150, batch_size=16, learning_rate=0.0002, lora_r=16, lora_alpha=32, n_eval=122,
            max_new_tokens=64, eval_batch_size=32, load_in_4bit=True, gradient_checkpointing=True,
            base_sft_steps=60, base_eval=60, timing_steps=3, hub_sft_steps=100, hub_conversations=2000),
    },
    "03_reward_modeling": {
        # ci: 10 steps already separate most held-out pairs; fewer pairs evaluated, short samples (3-minute CI budget).
        # cpu: 8 prompts per axis x 8 samples give over 200 decided held-out pairs
        "ci": RewardModelSizes(
            n_train_pairs=720, n_feature_pairs=16, n_heldout=30, tiny_epochs=150, max_steps=10, batch_size=8,
            learning_rate=0.0003, lora_r=16, lora_alpha=32, center_rewards=0.01, n_onpolicy_heldout=10,
            n_onpolicy_train=10, samples_per_prompt=4, onpolicy_steps=4, max_new_tokens=12, generation_batch=40,
            load_in_4bit=False),
        "cpu": RewardModelSizes(
            n_train_pairs=720, n_feature_pairs=100, n_heldout=150, tiny_epochs=300, max_steps=24, batch_size=8,
            learning_rate=0.0003, lora_r=16, lora_alpha=32, center_rewards=0.01, n_onpolicy_heldout=40,
            n_onpolicy_train=40, samples_per_prompt=8, onpolicy_steps=30, max_new_tokens=32, generation_batch=64,
            load_in_4bit=False),
        "gpu": RewardModelSizes(
            n_train_pairs=720, n_feature_pairs=720, n_heldout=150, tiny_epochs=300, max_steps=120,
            batch_size=16, learning_rate=0.0002, lora_r=16, lora_alpha=32, center_rewards=0.01, n_onpolicy_heldout=150,
            n_onpolicy_train=300, samples_per_prompt=6, onpolicy_steps=60, max_new_tokens=48, generation_batch=150,
            load_in_4bit=True),
    },
    "04_rl_from_reward_model": {
        # GRPO's lr is twice PPO's: per reply it takes half as many optimizer steps (its minibatches are twice as big)
        # ci: shorter replies, fewer prompts and steps (3-minute CI budget); PPO and GRPO still sample as many replies (16).
        # PPO's rate is tripled for its 4 short steps (at 0.002 neither its reward gain nor the KL brake showed in 4 steps);
        # GRPO's is not (at 0.004 it drifted to a KL of 50 nats)
        "ci": RLSizes(
            n_eval=10, max_new_tokens=14, reinforce_steps=1, ppo_steps=4, eval_every=2, ppo_batch=4,
            ppo_lr=0.003, kl_coef=0.2, grpo_rounds=2, grpo_prompts=2, num_generations=4, grpo_lr=0.002,
            grpo_beta=0.1, lora_r=16, lora_alpha=32),
        "cpu": RLSizes(
            n_eval=30, max_new_tokens=40, reinforce_steps=3, ppo_steps=12, eval_every=4, ppo_batch=8,
            ppo_lr=0.001, kl_coef=0.2, grpo_rounds=6, grpo_prompts=4, num_generations=4, grpo_lr=0.002,
            grpo_beta=0.1, lora_r=16, lora_alpha=32),
        "gpu": RLSizes(
            n_eval=150, max_new_tokens=64, reinforce_steps=5, ppo_steps=40, eval_every=10, ppo_batch=16,
            ppo_lr=0.0005, kl_coef=0.2, grpo_rounds=20, grpo_prompts=8, num_generations=8, grpo_lr=0.001,
            grpo_beta=0.1, lora_r=16, lora_alpha=32),
    },
    "05_dpo": {
        # ci: 3 steps of 4 pairs per run (3-minute CI budget); its asserts check direction only
        "ci": DPOSizes(
            max_steps=3, batch_size=4, learning_rate=0.0005, beta=0.1, sweep_betas=(0.03, 0.5), lora_r=16,
            lora_alpha=32, n_heldout_pairs=6, n_eval=10, max_new_tokens=10, generation_batch=10),
        "cpu": DPOSizes(
            max_steps=10, batch_size=8, learning_rate=0.001, beta=0.1, sweep_betas=(0.03, 0.5), lora_r=16,
            lora_alpha=32, n_heldout_pairs=30, n_eval=100, max_new_tokens=32, generation_batch=50),
        "gpu": DPOSizes(
            max_steps=60, batch_size=8, learning_rate=0.0002, beta=0.1, sweep_betas=(0.03, 0.5), lora_r=16,
            lora_alpha=32, n_heldout_pairs=150, n_eval=150, max_new_tokens=64, generation_batch=150,
            gradient_checkpointing=True),
    },
    "06_reasoning_rlvr": {
        # ci: 2 GRPO rounds of 2 problems x 4 replies per run, 15 held-out problems, 20-token replies
        # (3-minute CI budget); its asserts check direction only.
        # cpu: in trial runs of 10 rounds, a rate of 0.001 (4 problems x 8 replies, T=1.0) collapsed the policy into
        # loops of "4 - 4 = 0."; 0.0003 (8 x 4, T=0.7) gained 5.5 points on these 200 held-out problems; 0.0005 (used
        # here) lost 12.5 points without a KL term and was within noise of the start with beta=0.1 (the lesson shows both)
        "ci": ReasoningSizes(
            n_eval=15, n_pass_k=3, k=8, warmup_steps=4, warmup_lr=0.0003, grpo_rounds=2, grpo_prompts=2,
            num_generations=4, grpo_lr=0.0005, kl_beta=0.1, max_new_tokens=20, generation_batch=24, lora_r=16,
            lora_alpha=32),
        "cpu": ReasoningSizes(
            n_eval=200, n_pass_k=40, k=8, warmup_steps=8, warmup_lr=0.0003, grpo_rounds=10, grpo_prompts=8,
            num_generations=4, grpo_lr=0.0005, kl_beta=0.1, max_new_tokens=40, generation_batch=100, lora_r=16,
            lora_alpha=32),
        "gpu": ReasoningSizes(
            n_eval=300, n_pass_k=100, k=8, warmup_steps=16, warmup_lr=0.0002, grpo_rounds=40, grpo_prompts=8,
            num_generations=8, grpo_lr=0.0005, kl_beta=0.1, max_new_tokens=64, generation_batch=150, lora_r=16,
            lora_alpha=32, train_steps=(2, 3), heldout_steps=(2, 3, 2, 3, 4)),  # the 1.7B model: harder problems
    },
    "07_safety_refusals": {
        # ci: 8 + 8 SFT steps, 24 held-out prompts per side, 20-token replies (3-minute CI budget); its asserts
        # check direction only. cpu: one pass over the training rows in each run (13 x 8 refusals; 41 x 8 mixed rows)
        "ci": SafetySizes(
            n_heldout=24, n_probes=12, n_instructions=20, refusal_only_steps=8, mixed_steps=8, n_ordinary=125,
            batch_size=8, learning_rate=0.0003, lora_r=16, lora_alpha=32, max_new_tokens=20, instruction_tokens=32,
            generation_batch=48),
        "cpu": SafetySizes(
            n_heldout=75, n_probes=75, n_instructions=60, refusal_only_steps=13, mixed_steps=41, n_ordinary=125,
            batch_size=8, learning_rate=0.0003, lora_r=16, lora_alpha=32, max_new_tokens=32, instruction_tokens=48,
            generation_batch=75),
        "gpu": SafetySizes(
            n_heldout=75, n_probes=75, n_instructions=60, refusal_only_steps=13, mixed_steps=41, n_ordinary=125,
            batch_size=8, learning_rate=0.0002, lora_r=16, lora_alpha=32, max_new_tokens=40, instruction_tokens=64,
            generation_batch=75),
    },
    "08_tool_use": {
        # ci: 5 SFT steps, a fifth of the held-out queries (3-minute CI budget); its asserts check direction only (after
        # 5 steps it still calls a tool for most queries that no tool fits, so abstention is checked in `cpu` only)
        # cpu: one pass over the training rows with direct and error rows shown twice (292 rows, 36 x 8). A call
        # takes up to 57 tokens (dates are one token per digit), an answer up to 40
        # (trial runs outside the lesson, 36 steps: lr 1e-3 and 72 steps of 4 at 5e-4 gave alike held-out results)
        "ci": ToolSizes(
            n_heldout_tools=16, n_seen_tools=4, n_direct=12, n_errors=4, steps=5, batch_size=8, learning_rate=0.001,
            repeat_rare=2, lora_r=16, lora_alpha=32, call_tokens=64, answer_tokens=32, generation_batch=48),
        "cpu": ToolSizes(
            n_heldout_tools=80, n_seen_tools=22, n_direct=40, n_errors=16, steps=36, batch_size=8, learning_rate=0.001,
            repeat_rare=2, lora_r=16, lora_alpha=32, call_tokens=64, answer_tokens=40, generation_batch=80),
        "gpu": ToolSizes(
            n_heldout_tools=80, n_seen_tools=44, n_direct=40, n_errors=16, steps=72, batch_size=8, learning_rate=0.0005,
            repeat_rare=2, lora_r=16, lora_alpha=32, call_tokens=64, answer_tokens=48, generation_batch=90),
    },
    "09_capstone": {
        # Every stage answers every row: 9 models x 7 generating columns. ci: a few rows per column (3-minute CI
        # budget), direction-only checks
        "ci": ReportCardSizes(
            n_style=6, n_clarify=6, n_preferences=5, n_reasoning=6, n_safety=4, n_tools=6, n_texts=8,
            reply_tokens=16, reasoning_tokens=16, refusal_tokens=12, call_tokens=48, generation_batch=64,
            recipe_steps=2),
        # cpu: 12 rows where lessons 02, 07 and 08 gained 50+ points, 16-20 where the gains are smaller (03-05, 06),
        # 8 paragraphs (one per topic). On 2 cores every token through the model costs ~2.5 ms (prompts, replies,
        # texts, the KL's and the reward model's passes) and each decoding step ~0.3 s more (reading the weights):
        # rows are the lever
        "cpu": ReportCardSizes(
            n_style=12, n_clarify=12, n_preferences=16, n_reasoning=20, n_safety=12, n_tools=12, n_texts=8,
            reply_tokens=32, reasoning_tokens=40, refusal_tokens=16, call_tokens=64, generation_batch=128,
            recipe_steps=4),
        "gpu": ReportCardSizes(
            n_style=60, n_clarify=80, n_preferences=100, n_reasoning=100, n_safety=75, n_tools=80, n_texts=48,
            reply_tokens=64, reasoning_tokens=64, refusal_tokens=40, call_tokens=64, generation_batch=100,
            recipe_steps=8),
    },
}


def lesson_sizes(lesson: str, profile: str | None = None):
    """The sizes dataclass for `lesson` under `profile` (detected when None)."""
    if lesson not in LESSON_SIZES:
        raise KeyError(f"No sizes for lesson {lesson!r}; known: {sorted(LESSON_SIZES)}")
    profile = profile or detect_profile()[0]
    return LESSON_SIZES[lesson][profile]
