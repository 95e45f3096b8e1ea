"""Reward models: the Bradley-Terry loss, a reward model you can score replies with, and its biases.

Introduced in lesson 03 (trained there with TRL's RewardTrainer) and used by lesson 04 as the
reward that reinforcement learning maximises. A reward model is a language model whose output is
one number per (prompt, reply): the reward read at the reply's last token.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

REWARD_MODEL_DIR = "reward_model"  # folder name inside a lesson run: adapter + score head + tokenizer
FILLER = " I hope this helps, and please let me know if you have any other questions about it."
# The same number of words, neither polite nor informative: appended, it measures what length alone earns.
NEUTRAL_FILLER = " This sentence adds no information and is only here to make the reply a little bit longer."


def bradley_terry_loss(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> torch.Tensor:
    """Mean of -log P(chosen beats rejected), with P = sigmoid(r_chosen - r_rejected).

    softplus(-x) equals -log(sigmoid(x)) and stays finite for any margin x, where computing
    sigmoid first would underflow to log(0) once the rejected reply scores far above the chosen one.
    """
    return F.softplus(-(r_chosen - r_rejected)).mean()


def preference_probability(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> torch.Tensor:
    """Bradley-Terry: the probability that a rater prefers the chosen reply."""
    return torch.sigmoid(r_chosen - r_rejected)


def conversation(prompt: str, reply: str) -> list[dict]:
    """The two-turn chat a reward model reads: the user's prompt and the assistant's reply."""
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}]


def to_trl_rows(pairs: list[dict]) -> list[dict]:
    """Preference pairs in TRL's conversational format: prompt, chosen and rejected as messages."""
    return [
        {
            "prompt": [{"role": "user", "content": p["prompt"]}],
            "chosen": [{"role": "assistant", "content": p["chosen"]}],
            "rejected": [{"role": "assistant", "content": p["rejected"]}],
        }
        for p in pairs
    ]


def load_reward_backbone(resolved, load_in_4bit: bool = False, device=None, dtype=None):
    """The `resolved` checkpoint with a fresh one-output score head, ready for a LoRA adapter."""
    from transformers import AutoModelForSequenceClassification

    from utils.models import load_model

    return load_model(resolved, load_in_4bit=load_in_4bit, device=device, dtype=dtype,
                      auto_class=AutoModelForSequenceClassification, num_labels=1)


class RewardModel:
    """Score (prompt, reply) pairs with a sequence-classification model and its tokenizer."""

    def __init__(self, model, tokenizer):
        self.model = model
        self.tokenizer = tokenizer
        if model.config.pad_token_id is None:
            model.config.pad_token_id = tokenizer.pad_token_id

    def token_ids(self, prompt: str, reply: str) -> list[int]:
        """The tokens the model reads: the chat template around the two turns, as TRL tokenizes them."""
        ids = self.tokenizer.apply_chat_template(conversation(prompt, reply), tokenize=True)
        return list(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)

    @torch.no_grad()
    def score(self, prompts: list[str], replies: list[str], batch_size: int = 16, progress: bool = False) -> list[float]:
        """One reward per (prompt, reply)."""
        if len(prompts) != len(replies):
            raise ValueError(f"score() needs one reply per prompt; got {len(prompts)} prompts and {len(replies)} replies")
        was_training = self.model.training
        self.model.eval()
        device = next(self.model.parameters()).device
        pad = self.tokenizer.pad_token_id
        scores: list[float] = []
        starts = range(0, len(prompts), batch_size)
        for start in tqdm(starts, desc="scoring", unit="batch", disable=not progress or len(starts) < 2):
            rows = [torch.tensor(self.token_ids(p, r)) for p, r in zip(prompts[start : start + batch_size], replies[start : start + batch_size])]
            width = max(len(r) for r in rows)
            input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
            attention = torch.zeros((len(rows), width), dtype=torch.long)
            for i, row in enumerate(rows):  # right padding, as TRL's preference collator does
                input_ids[i, : len(row)] = row
                attention[i, : len(row)] = 1
            logits = self.model(input_ids=input_ids.to(device), attention_mask=attention.to(device)).logits
            scores += logits.squeeze(-1).float().cpu().tolist()
        self.model.train(was_training)
        return scores

    def save(self, folder: str | Path, info: dict | None = None, backbone=None) -> Path:
        """Save the adapter (with its score head) and tokenizer, plus `reward_model.json` describing them.

        `reward_model.json` records the backbone the adapter was trained on (`backbone`, by default the
        ResolvedModel that `load_model` attached to the model), so a reload can check it gets the same one.
        """
        folder = Path(folder)
        self.model.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)
        backbone = backbone or getattr(self.model, "loaded_from", None)
        info = {**(info or {}), "load_in_4bit": bool(getattr(self.model, "is_loaded_in_4bit", False))}
        if backbone is not None:
            info["backbone"] = backbone.record()
        (folder / "reward_model.json").write_text(json.dumps(info, indent=2) + "\n")
        return folder


def _describe_backbone(record: dict) -> str:
    return (f"{record.get('checkpoint')} from {record.get('source')} "
            f"(revision {record.get('revision')}, {record.get('identity')})")


def check_backbone(recorded: dict, resolved) -> None:
    """Refuse a backbone other than the recorded one: an adapter and score head fit only the weights they were trained on."""
    from utils.models import ModelError

    if recorded.get("identity") == resolved.identity():
        return
    raise ModelError(
        f"This reward model was trained on {_describe_backbone(recorded)}, but the backbone available now is "
        f"{_describe_backbone(resolved.record())}. Its adapter and score head would score nonsense on other weights. "
        "Either retrain it in this setup (run lesson 03), or make the recorded backbone available again "
        "(the bundled model: `make setup`; a Hub checkpoint: `make prefetch` with the Hub reachable) and reload."
    )


def _checked_backbone(folder: Path, info: dict, resolved=None):
    """The backbone to load under the adapter in `folder`: the recorded one if it is here, checked either way."""
    from utils.models import find_recorded_checkpoint, resolve_model

    role, recorded = info.get("role", "reward_backbone"), info.get("backbone")
    if resolved is None and recorded:
        resolved = find_recorded_checkpoint(recorded, role)
    resolved = resolved or resolve_model(role, info.get("profile"), verbose=False)
    if recorded:
        check_backbone(recorded, resolved)
    else:
        print(f"warning: {folder.name} does not record the backbone it was trained on (saved before backbones "
              f"were recorded); loading it on {resolved.wanted} from {resolved.source} unchecked.")
    return resolved


def load_reward_model(folder: str | Path, resolved=None, device=None, dtype=None) -> RewardModel:
    """Reload a reward model saved by `RewardModel.save`: its backbone, then the LoRA adapter and score head.

    The backbone is the one recorded at save time when it is on this machine, else the one the
    recorded role resolves to; a backbone other than the recorded one is refused (`check_backbone`).
    It is loaded the way it was trained: unquantised (then the adapter is merged in, exactly), or in
    4-bit (then the adapter stays separate: merging into 4-bit weights would round it away).
    """
    from peft import PeftModel
    from transformers import AutoTokenizer

    from utils.models import ModelError

    folder = Path(folder)
    if not (folder / "adapter_config.json").exists():
        raise ModelError(
            f"No reward model in {folder} (adapter_config.json missing). Run lesson 03 to train one, "
            "or point to the `reward_model` folder inside a lesson 03 run."
        )
    info = json.loads((folder / "reward_model.json").read_text()) if (folder / "reward_model.json").exists() else {}
    four_bit = bool(info.get("load_in_4bit", False))
    resolved = _checked_backbone(folder, info, resolved)
    from transformers.utils import logging as transformers_logging

    level = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()  # the load report would list the score head as "missing": the adapter brings it
    try:
        backbone = load_reward_backbone(resolved, load_in_4bit=four_bit, device=device, dtype=dtype)
    finally:
        transformers_logging.set_verbosity(level)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    backbone.config.pad_token_id = tokenizer.pad_token_id
    # autocast_adapter_dtype=False: the adapter keeps the dtype it was trained and saved in (PEFT would
    # otherwise upcast a bf16 adapter to fp32 and the reloaded model would not compute what was trained)
    model = PeftModel.from_pretrained(backbone, folder, autocast_adapter_dtype=False)
    model = model if four_bit else model.merge_and_unload()
    model.eval()
    return RewardModel(model, tokenizer)


def length_bias(reward_model: RewardModel, prompts: list[str], replies: list[str], filler: str = FILLER,
                plain: list[float] | None = None) -> dict:
    """How much the reward moves when a reply gets a content-free sentence (`filler`) appended.

    A reward model that judges quality should not pay for words that add nothing. A positive mean
    change is a bias that reinforcement learning will find and exploit by padding its replies.
    """
    plain = torch.tensor(plain if plain is not None else reward_model.score(prompts, replies))
    padded = torch.tensor(reward_model.score(prompts, [r + filler for r in replies]))
    change = padded - plain
    return {
        "mean_change": change.mean().item(),
        "fraction_up": (change > 0).float().mean().item(),
        "plain": plain.tolist(),
        "padded": padded.tolist(),
    }


@torch.no_grad()
def last_token_features(model, tokenizer, prompts: list[str], replies: list[str], batch_size: int = 16,
                        progress: bool = True) -> torch.Tensor:
    """The final hidden state at each conversation's last token: what a reward model's score head reads.

    `model` is a causal LM; its weights stay frozen. Returns a float32 tensor [n, hidden_size].
    """
    reader = RewardModel.__new__(RewardModel)  # reuse its tokenization without a score head
    reader.tokenizer = tokenizer
    device = next(model.parameters()).device
    features = []
    starts = range(0, len(prompts), batch_size)
    for start in tqdm(starts, desc="features", unit="batch", disable=not progress or len(starts) < 2):
        rows = [reader.token_ids(p, r) for p, r in zip(prompts[start : start + batch_size], replies[start : start + batch_size])]
        width = max(len(r) for r in rows)
        input_ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            input_ids[i, : len(row)] = torch.tensor(row)
            attention[i, : len(row)] = 1
        with torch.no_grad():  # logits_to_keep=1: the vocabulary projection is only needed at one column, not all
            out = model(input_ids=input_ids.to(device), attention_mask=attention.to(device), output_hidden_states=True,
                        logits_to_keep=1)
        last = attention.sum(1) - 1  # index of each row's last real token (right padding)
        features.append(out.hidden_states[-1][torch.arange(len(rows)), last.to(device)].float().cpu())
    return torch.cat(features)


def train_reward_model(pairs: list[dict], resolved, output_dir: str | Path, steps: int = 24, batch_size: int = 8,
                       learning_rate: float = 3e-4, lora_r: int = 16, center_rewards: float = 0.01) -> RewardModel:
    """Lesson 03's reward model in one call: LoRA + score head trained with TRL's RewardTrainer.

    The fallback for lessons that need a reward model when lesson 03's is missing; lesson 03 itself
    shows every step of this. CPU-only here (float32), for the bundled-size models.
    """
    from datasets import Dataset
    from peft import LoraConfig
    from trl import RewardConfig, RewardTrainer

    from utils.models import load_tokenizer

    tokenizer = load_tokenizer(resolved)
    config = RewardConfig(
        output_dir=str(output_dir), max_steps=steps, per_device_train_batch_size=batch_size,
        learning_rate=learning_rate, lr_scheduler_type="constant_with_warmup", warmup_steps=3,
        center_rewards_coefficient=center_rewards, logging_steps=max(1, steps // 5), max_length=256,
        gradient_checkpointing=False, save_strategy="no", report_to=[], use_cpu=not torch.cuda.is_available(),
        bf16=False, fp16=False, seed=0,
    )
    lora = LoraConfig(r=lora_r, lora_alpha=2 * lora_r, lora_dropout=0.0, target_modules="all-linear",
                      modules_to_save=["score"], task_type="SEQ_CLS")
    trainer = RewardTrainer(model=load_reward_backbone(resolved, dtype=torch.float32), args=config,
                            processing_class=tokenizer, peft_config=lora,
                            train_dataset=Dataset.from_list(to_trl_rows(pairs)))
    trainer.train()
    trainer.model.eval()
    return RewardModel(trainer.model, tokenizer)
