"""Seeded, batched text generation: raw completion and chat-template prompting.

Introduced in lesson 01, where the same model is prompted both ways. Prompts are left-padded so
every row of a batch ends at the same position and generation continues right after its prompt.
"""

from __future__ import annotations

import torch
from tqdm import tqdm  # plain text bars: readable in terminals, notebooks and saved outputs


def chat_prompt(tokenizer, user_message: str, system: str | None = None) -> str:
    """The text the chat template builds for one user turn, ending with the assistant's header."""
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user_message}
    ]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def document_start(tokenizer) -> str:
    """What a plain document starts with for this tokenizer: its beginning-of-text token where the
    tokenizer adds one by default (Gemma's `<bos>`, which it was pre-trained with), else nothing
    (SmolLM2). The course tokenizes with `add_special_tokens=False`, so raw prompts carry it as text."""
    bos = tokenizer.bos_token
    if bos and tokenizer("a").input_ids[:1] == [tokenizer.bos_token_id]:
        return bos
    return ""


def as_document(tokenizer, texts: list[str]) -> list[str]:
    """Each text as the start of a document: `document_start` prefixed where it is not there yet."""
    start = document_start(tokenizer)
    return [t if t.startswith(start) else start + t for t in texts]


def truncate_at(text: str, stops: list[str]) -> str:
    """Cut `text` at the first of `stops` (a few-shot prompt would otherwise run on to the next item)."""
    cut = min((text.find(s) for s in stops if s in text), default=len(text))
    return text[:cut]


@torch.no_grad()
def generate(
    model,
    tokenizer,
    prompts: list[str],
    max_new_tokens: int = 64,
    *,
    temperature: float = 0.0,
    top_p: float = 1.0,
    seed: int = 0,
    batch_size: int = 8,
    stops: list[str] | None = None,
    progress: bool = True,
) -> list[str]:
    """Continue each prompt text exactly as given; temperature 0 means greedy decoding.

    Special tokens are not added, so a chat prompt must already contain its template tokens
    (see `chat_prompt`) and a raw prompt is seen as plain document text.
    """
    if not prompts:
        return []
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    outputs: list[str] = []
    batches = range(0, len(prompts), batch_size)
    try:
        for start in tqdm(batches, desc="generating", unit="batch", disable=not progress or len(batches) < 2):
            torch.manual_seed(seed + start)
            enc = tokenizer(
                prompts[start : start + batch_size], return_tensors="pt", padding=True, add_special_tokens=False
            ).to(model.device)
            sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p} if temperature > 0 else {"do_sample": False}
            out = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id,
                # a batch ends once every row has written a stop (the text is cut there below anyway)
                **({"stop_strings": stops, "tokenizer": tokenizer} if stops else {}),
                **sampling,
            )
            new_tokens = out[:, enc["input_ids"].shape[1] :]
            outputs += tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
    finally:
        tokenizer.padding_side = side
    return [truncate_at(o, stops).strip() if stops else o.strip() for o in outputs]


def complete_raw(model, tokenizer, texts: list[str], **kwargs) -> list[str]:
    """Document completion: the model continues the text, with no chat template around it.

    Greedy completion with `stops` (a few-shot prompt) lets each row leave the batch at its first stop."""
    texts = as_document(tokenizer, texts)
    stops = kwargs.get("stops")
    if stops and not kwargs.get("temperature"):
        limit = kwargs.get("max_new_tokens", 64)
        replies = greedy_ragged(model, tokenizer, texts, [limit] * len(texts), batch_size=kwargs.get("batch_size", 64),
                                finished=lambda i, so_far: any(s in so_far for s in stops))
        return [truncate_at(r, stops).strip() for r in replies]
    return generate(model, tokenizer, texts, **kwargs)


def chat(model, tokenizer, user_messages: list[str], system: str | None = None, **kwargs) -> list[str]:
    """Assistant replies: each message is wrapped in the model's chat template first."""
    prompts = [chat_prompt(tokenizer, m, system) for m in user_messages]
    return generate(model, tokenizer, prompts, **kwargs)


def greedy_chat(model, tokenizer, user_messages: list[str], max_new_tokens: int = 64, *, system: str | None = None,
                batch_size: int = 128, progress: bool = True) -> list[str]:
    """Greedy assistant replies, as `chat` gives at temperature 0, with each row leaving the batch at its
    end of turn (`greedy_ragged`): on a CPU, a lesson's whole evaluation set in one or two batches."""
    prompts = [chat_prompt(tokenizer, m, system) for m in user_messages]
    return greedy_ragged(model, tokenizer, prompts, [max_new_tokens] * len(prompts), batch_size=batch_size,
                         progress=progress)


@torch.no_grad()
def greedy_ragged(model, tokenizer, prompts: list[str], limits: list[int], *, finished=None, batch_size: int = 64,
                  progress: bool = False) -> list[str]:
    """Greedy replies where every prompt has its own length limit, and a row leaves the batch as soon
    as it is done: its end-of-turn token, its limit, or `finished(i, reply_so_far)` returning True.

    `generate` keeps every row in the batch until the longest is done; on a CPU each decoding step
    reads all the weights (memory-bound), so one batch of mixed limits with finished rows dropped
    costs far fewer steps and rows than one batch per limit. The replies are `generate`'s greedy
    replies, up to float rounding (a batch of other rows can flip a near-tie).
    Prompts are sorted by length into batches, so little padding is computed.
    """
    if len(prompts) != len(limits):
        raise ValueError(f"{len(prompts)} prompts but {len(limits)} limits: give one limit per prompt")
    eos = model.generation_config.eos_token_id
    stop_ids = {*(eos if isinstance(eos, list) else [eos]), tokenizer.eos_token_id}
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    tokens: list[list[int]] = [[] for _ in prompts]
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        batches = [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
        for rows in tqdm(batches, desc="generating", unit="batch", disable=not progress or len(batches) < 2):
            enc = tokenizer([prompts[i] for i in rows], return_tensors="pt", padding=True,
                            add_special_tokens=False).to(model.device)
            mask = enc["attention_mask"]
            position = (mask.cumsum(-1) - 1).clamp(min=0)
            out = model(input_ids=enc["input_ids"], attention_mask=mask, position_ids=position, use_cache=True,
                        logits_to_keep=1)
            cache, position = out.past_key_values, position[:, -1:]
            rows = list(rows)
            while rows:
                chosen = out.logits[:, -1].argmax(-1)
                keep = []
                for j, i in enumerate(rows):
                    token = int(chosen[j])
                    if token in stop_ids:
                        continue
                    tokens[i].append(token)
                    if len(tokens[i]) >= limits[i] or (finished is not None and finished(i, tokenizer.decode(tokens[i], skip_special_tokens=True))):
                        continue
                    keep.append(j)
                if not keep:
                    break
                if len(keep) < len(rows):  # drop the finished rows from the batch and from the cache
                    index = torch.tensor(keep, device=mask.device)
                    cache.batch_select_indices(index)
                    mask, chosen, position = mask[index], chosen[index], position[index]
                    rows = [rows[j] for j in keep]
                mask = torch.cat([mask, mask.new_ones(len(rows), 1)], dim=1)
                position = position + 1
                out = model(input_ids=chosen[:, None], attention_mask=mask, position_ids=position, past_key_values=cache,
                            use_cache=True)
                cache = out.past_key_values
    finally:
        tokenizer.padding_side = side
    return [tokenizer.decode(t, skip_special_tokens=True).strip() for t in tokens]
