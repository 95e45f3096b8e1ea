"""Conversations as training data: the assistant-only loss mask and the masked cross-entropy.

Introduced in lesson 02 (SFT). A conversation is rendered with the model's own chat template;
only the tokens of assistant turns (their text and the end-of-turn marker that follows) get a
label, everything else gets -100 so the loss ignores it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = -100  # the label PyTorch's cross_entropy (and every HF trainer) skips


def assistant_spans(tokenizer, messages: list[dict], **template_kwargs) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans of its assistant turns.

    Each span runs from the end of the generation prompt before an assistant message to the end
    of that message's rendering, so it covers the reply and its end-of-turn marker. Works for any
    template that renders a conversation's prefix as a prefix of the whole. `template_kwargs` go to
    every `apply_chat_template` call (lesson 08 passes `tools=`).
    """
    text = tokenizer.apply_chat_template(messages, tokenize=False, **template_kwargs)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start = len(tokenizer.apply_chat_template(messages[:i], tokenize=False, add_generation_prompt=True, **template_kwargs))
        end = len(tokenizer.apply_chat_template(messages[: i + 1], tokenize=False, **template_kwargs))
        spans.append((start, end))
    return text, spans


def tokenize_with_assistant_mask(tokenizer, messages: list[dict], max_length: int | None = None, **template_kwargs) -> dict:
    """input_ids and labels (a copy of input_ids with every non-assistant token set to -100)."""
    text, spans = assistant_spans(tokenizer, messages, **template_kwargs)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = [
        token_id if any(s <= start and end <= e for s, e in spans) else IGNORE
        for token_id, (start, end) in zip(enc["input_ids"], enc["offset_mapping"])
    ]
    ids = enc["input_ids"][:max_length] if max_length else enc["input_ids"]
    return {"input_ids": ids, "labels": labels[: len(ids)]}


def collate(examples: list[dict], pad_id: int) -> dict:
    """Right-pad a list of tokenized examples into a batch (padding is masked and ignored)."""
    width = max(len(e["input_ids"]) for e in examples)

    def pad(seq, value):
        return seq + [value] * (width - len(seq))

    return {
        "input_ids": torch.tensor([pad(e["input_ids"], pad_id) for e in examples]),
        "attention_mask": torch.tensor([pad([1] * len(e["input_ids"]), 0) for e in examples]),
        "labels": torch.tensor([pad(e["labels"], IGNORE) for e in examples]),
    }


def masked_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token loss over labelled tokens: position t predicts token t+1."""
    predictions = logits[:, :-1].reshape(-1, logits.size(-1)).float()
    targets = labels[:, 1:].reshape(-1)
    return F.cross_entropy(predictions, targets, ignore_index=IGNORE)


@torch.no_grad()
def conversation_losses(model, tokenizer, conversations: list[list[dict]], batch_size: int = 16,
                        max_length: int | None = None) -> tuple[list[float], list[int]]:
    """Each held-out conversation's mean loss over its assistant tokens, and how many tokens that is."""
    losses, counts = [], []
    for start in range(0, len(conversations), batch_size):
        examples = [tokenize_with_assistant_mask(tokenizer, c, max_length) for c in conversations[start : start + batch_size]]
        batch = {k: v.to(model.device) for k, v in collate(examples, tokenizer.pad_token_id).items()}
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1].float()
        labels = batch["labels"][:, 1:]
        per_token = F.cross_entropy(logits.transpose(1, 2), labels, ignore_index=IGNORE, reduction="none")
        n = (labels != IGNORE).sum(1)
        losses += (per_token.sum(1) / n.clamp(min=1)).tolist()
        counts += n.tolist()
    return losses, counts


def heldout_loss(model, tokenizer, conversations: list[list[dict]], batch_size: int = 16, max_length: int | None = None) -> float:
    """Masked cross-entropy over the assistant tokens of held-out conversations, token-weighted."""
    losses, counts = conversation_losses(model, tokenizer, conversations, batch_size, max_length)
    return sum(loss * n for loss, n in zip(losses, counts)) / sum(counts)


def to_prompt_completion(messages: list[dict]) -> dict:
    """TRL's prompt-completion format: everything before the last assistant turn, and that turn."""
    if messages[-1]["role"] != "assistant":
        raise ValueError("the conversation must end with an assistant message to train on")
    return {"prompt": messages[:-1], "completion": messages[-1:]}


# A chat template for a pre-trained model that has none (lesson 02 gives it to Gemma 3 270M): Gemma's
# own turn markers, `<start_of_turn>role` ... `<end_of_turn>`, so each turn is fenced by tokens the
# vocabulary already has (an assistant turn ends at its `<end_of_turn>`, with no newline after it). The assistant speaks as `model`, as in Gemma's instruction-tuned format;
# `{% generation %}` marks what the assistant-only loss trains on (the reply and its end-of-turn).
TURN_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}<start_of_turn>model\n"
    "{% generation %}{{ message['content'] }}<end_of_turn>{% endgeneration %}"
    "{% else %}<start_of_turn>{{ message['role'] }}\n{{ message['content'] }}<end_of_turn>\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
END_OF_TURN = "<end_of_turn>"


def give_chat_template(tokenizer, model=None, template: str = TURN_TEMPLATE, end_of_turn: str = END_OF_TURN):
    """Give a tokenizer without a chat template one, and make `end_of_turn` stop generation.

    The end-of-turn token must already be in the vocabulary (no new embeddings to train). It joins the
    model's end-of-text token in `generation_config.eos_token_id`, so a reply ends at its turn's end.
    Returns the end-of-turn token's id."""
    if tokenizer.chat_template:
        raise ValueError("this tokenizer already has a chat template; give_chat_template is for pre-trained "
                         "models without one (pass a fresh tokenizer from load_tokenizer)")
    end_id = tokenizer.convert_tokens_to_ids(end_of_turn)
    if end_id is None or end_id == tokenizer.unk_token_id:
        raise ValueError(f"{end_of_turn!r} is not one token of this vocabulary: pick markers the tokenizer has")
    tokenizer.chat_template = template
    if model is not None:
        eos = model.generation_config.eos_token_id
        eos = list(eos) if isinstance(eos, (list, tuple)) else [eos]
        model.generation_config.eos_token_id = [*dict.fromkeys([*eos, end_id])]
    return end_id
