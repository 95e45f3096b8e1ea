"""The report card: every model the course trained, measured on one held-out suite, for lesson 09.

Each column is one thing a lesson taught, scored the way that lesson scores it, on held-out rows no
lesson trains on; each row is a stage of the course, rebuilt from what its lesson saved under
`runs/<profile>/`. Every model answers the same prompts, greedily, so two rows differ only by the
model. A stage whose lesson has not run (in this profile) is listed as missing, with the reason.

    stage       start          what it adds (runs/<profile>/...)
    base        -              the pre-trained model, prompted raw (no chat template); offline the bundled
                               Gemma 3 270M, another family and size with its own tokenizer
    instruct    base           the instruct model every lesson starts from
    SFT         instruct       02_sft_qlora/adapter
    PPO         SFT            04_rl_from_reward_model/ppo_policy (on top of lesson 02's adapter)
    GRPO        SFT            04_rl_from_reward_model/grpo_policy (on top of lesson 02's adapter)
    DPO         SFT            05_dpo/dpo_policy (on top of lesson 02's adapter)
    reasoning   instruct       06_reasoning_rlvr/warmup_adapter, then grpo_kl_adapter
    safety      instruct       07_safety_refusals/mixed_adapter
    tools       instruct       08_tool_use/tools_adapter

A lesson that runs again keeps its earlier artifact, renamed with its date (`LessonRun.artifact_dir`).
When a stage stacks two lessons' adapters, the earlier lesson's adapter is the one that existed when
the later one was saved, so the stack is the model that was really trained.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from utils.stats import Estimate, bootstrap_mean, paired_bootstrap_difference, rate

SLUG = "09_capstone"


# ---------------------------------------------------------------------------------------------
# Stages and columns.
@dataclass(frozen=True)
class Stage:
    name: str
    start: str | None  # the stage it was trained from: its changes are measured against that one
    adapters: tuple[tuple[str, str], ...] = ()  # (lesson slug, folder) merged into the instruct model, in order
    role: str = "instruct"  # the model role (utils.models) the adapters sit on
    raw: bool = False  # prompted as plain text, without a chat template
    about: str = ""


SFT_ADAPTER = ("02_sft_qlora", "adapter")
STAGES = (
    Stage("base", None, role="base", raw=True, about="the pre-trained model, prompted raw"),
    Stage("instruct", "base", about="the instruct model every lesson starts from"),
    Stage("SFT", "instruct", (SFT_ADAPTER,), about="lesson 02: clarify-or-answer SFT"),
    Stage("PPO", "SFT", (SFT_ADAPTER, ("04_rl_from_reward_model", "ppo_policy")), about="lesson 04: PPO against the reward model"),
    Stage("GRPO", "SFT", (SFT_ADAPTER, ("04_rl_from_reward_model", "grpo_policy")), about="lesson 04: GRPO against the reward model"),
    Stage("DPO", "SFT", (SFT_ADAPTER, ("05_dpo", "dpo_policy")), about="lesson 05: DPO on the preference pairs"),
    Stage("reasoning", "instruct", (("06_reasoning_rlvr", "warmup_adapter"), ("06_reasoning_rlvr", "grpo_kl_adapter")),
          about="lesson 06: SFT warm-up, then GRPO with a verifier and a KL term"),
    Stage("safety", "instruct", (("07_safety_refusals", "mixed_adapter"),), about="lesson 07: refusals + look-alikes + ordinary requests"),
    Stage("tools", "instruct", (("08_tool_use", "tools_adapter"),), about="lesson 08: SFT on tool-call traces"),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    lesson: str  # which lesson teaches it
    higher_is_better: bool
    kind: str  # "rate" (Wilson interval) or "mean" (bootstrap interval)
    unit: str = ""


COLUMNS = (
    Column("assistant_style", "assistant style", "01", True, "rate"),
    Column("clarify", "clarify or answer", "02", True, "rate"),
    Column("gold", "rater (gold) score", "03-05", True, "mean"),
    Column("reward", "reward-model score", "03-05", True, "mean"),
    Column("reasoning", "reasoning accuracy", "06", True, "rate"),
    Column("harmful_refused", "harmful refused", "07", True, "rate"),
    Column("lookalikes_refused", "look-alikes refused", "07", False, "rate"),
    Column("tool_calls", "exact tool calls", "08", True, "rate"),
    Column("text_loss", "plain-text loss", "capability", False, "mean", "nats/char"),
    Column("kl", "KL to instruct", "drift", False, "mean", "nats/reply"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


class MissingStage(FileNotFoundError):
    """A stage whose lesson has not saved what the report card needs (in this profile)."""


def _version_time(folder: Path) -> float:
    return (folder / "adapter_config.json").stat().st_mtime


def adapter_versions(lesson_dir: Path, name: str) -> list[Path]:
    """Every saved version of an adapter: `name` and earlier runs' `name.<date>`, oldest first."""
    found = [p for p in lesson_dir.glob(f"{name}*") if (p.name == name or p.name.startswith(f"{name}."))
             and (p / "adapter_config.json").exists()]
    return sorted(found, key=_version_time)


def stage_adapters(stage: Stage, profile_dir: Path) -> list[Path]:
    """The adapter folders to merge, in order, for `stage`; MissingStage when one is not there.

    The last adapter is the newest one its lesson saved. Each earlier one is the newest version saved
    before the adapter that follows it (the one that lesson was trained on top of)."""
    chosen: list[Path] = []
    for lesson, name in reversed(stage.adapters):
        versions = adapter_versions(profile_dir / lesson, name)
        if chosen:  # trained before the adapter stacked on it
            versions = [v for v in versions if _version_time(v) <= _version_time(chosen[0])]
        if not versions:
            after = f", saved before {chosen[0].parent.name}/{chosen[0].name}" if chosen else ""
            raise MissingStage(f"{lesson}/{name}{after} is missing: run lesson {lesson[:2]} first, in this profile")
        chosen.insert(0, versions[-1])
    return chosen


def load_stage(stage: Stage, profile: str, profile_dir: Path, device=None, dtype=None, reference=None):
    """The stage's model (adapters merged, eval mode) and a line saying what it is built from.

    `reference`, when given, is (resolved, model) of a model already in memory: a stage on the same
    checkpoint starts from a copy of it instead of reading the checkpoint again."""
    import copy

    from peft import PeftModel

    from utils.models import load_model, resolve_model

    folders = stage_adapters(stage, profile_dir)  # first: a missing stage costs no model load
    resolved = resolve_model(stage.role, profile, verbose=False)
    if reference is not None and reference[0].path == resolved.path:
        model = copy.deepcopy(reference[1])
    else:
        model = load_model(resolved, device=device, dtype=dtype)
    for folder in folders:
        model = PeftModel.from_pretrained(model, str(folder)).merge_and_unload()
    model.eval()
    built = " + ".join([resolved.wanted + (" (stand-in: the bundled instruct model)" if resolved.stand_in else "")]
                       + [f"{f.parent.name}/{f.name}" for f in folders])
    return model, built


# ---------------------------------------------------------------------------------------------
# The suite: held-out rows of every lesson's data, the same for every stage.
@dataclass
class Suite:
    style: list[dict]  # lesson 01's instructions
    clarify: list[dict]  # lesson 02's held-out conversations (kind, request)
    preferences: list[dict]  # lesson 03's held-out prompts, with their gold checks
    reasoning: list  # lesson 06's held-out problems (utils.reasoning.Problem)
    harmful: list[dict]  # lesson 07's held-out harmful requests
    lookalikes: list[dict]  # lesson 07's held-out harmless look-alikes
    tools: list[dict]  # lesson 08's held-out calls over held-out tools
    texts: list[dict]  # plain-text paragraphs for the capability check

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in self.__dataclass_fields__}


def build_suite(sizes, profile: str) -> Suite:
    """Take each column's rows from its lesson's held-out data, spread over that data's kinds."""
    from utils.data import load_conversations, load_instructions, load_plain_text, load_preferences, load_safety, load_tool_traces
    from utils.dpo import stratified
    from utils.profiles import lesson_sizes
    from utils.reasoning import train_and_heldout
    from utils.safety import take_in_turn

    reasoning_sizes = lesson_sizes("06_reasoning_rlvr", profile)
    _, problems = train_and_heldout(400, max(sizes.n_reasoning, 1), reasoning_sizes.train_steps,
                                    reasoning_sizes.heldout_steps, seed=0)
    safety = load_safety("safety_heldout.jsonl")
    tools = [r for r in load_tool_traces("tools_heldout.jsonl") if r["kind"] == "call" and r["tool_split"] == "heldout"]
    return Suite(
        style=take_in_turn(load_instructions(), sizes.n_style),
        clarify=take_in_turn(load_conversations("sft_clarify_heldout.jsonl"), sizes.n_clarify, key="kind"),
        preferences=stratified(load_preferences("preferences_heldout.jsonl"), sizes.n_preferences,
                               ("correctness", "helpfulness", "format", "politeness", "safety")),
        reasoning=problems[: sizes.n_reasoning],
        harmful=take_in_turn([r for r in safety if r["side"] == "harmful"], sizes.n_safety),
        lookalikes=take_in_turn([r for r in safety if r["side"] == "harmless"], sizes.n_safety),
        tools=take_in_turn(tools, sizes.n_tools, key=lambda r: r["call"]["name"]),
        texts=take_in_turn(load_plain_text(), sizes.n_texts, key="topic"),
    )


# ---------------------------------------------------------------------------------------------
# Prompts. Chat stages get their tokenizer's chat template (as in the lessons); the tools column
# gets lesson 08's tool template for every stage, so every model sees the same tool list. A raw
# stage sees the same text with the template's role markers taken out: a plain document.
MARKERS = re.compile(r"<\|im_start\|>(system|user|assistant|tool)\n|<\|im_end\|>\n?")


def prompt_text(tokenizer, messages: list[dict], raw: bool, tools: list[dict] | None = None) -> str:
    from utils.tools import TOOL_TEMPLATE

    if raw or tools is not None:
        text = tokenizer.apply_chat_template(messages, tools=tools, chat_template=TOOL_TEMPLATE, tokenize=False,
                                             add_generation_prompt=not raw)
        return MARKERS.sub(lambda m: "\n" if m.group(0).startswith("<|im_end|>") else "", text).rstrip() + "\n" if raw else text
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def user(text: str, system: str | None = None) -> list[dict]:
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]


@torch.no_grad()
def text_losses(model, tokenizer, texts: list[str], batch_size: int = 8) -> tuple[list[float], list[int]]:
    """Each text's mean next-token loss (nats per token) and its number of predicted tokens.

    Each text starts as a document does for this tokenizer (`as_document`: Gemma's `<bos>`)."""
    from utils.generation import as_document

    texts = as_document(tokenizer, texts)
    losses, counts = [], []
    device = next(model.parameters()).device
    side, tokenizer.padding_side = tokenizer.padding_side, "right"  # padding after the text: positions start at 0
    try:
        batches = [tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True,
                             add_special_tokens=False) for start in range(0, len(texts), batch_size)]
    finally:
        tokenizer.padding_side = side
    for enc in batches:
        enc = enc.to(device)
        logits = model(**enc).logits[:, :-1].float()
        targets = enc["input_ids"][:, 1:]
        mask = enc["attention_mask"][:, 1:].bool() & enc["attention_mask"][:, :-1].bool()
        nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
        for row, m in zip(nll, mask):
            losses.append(float(row[m].mean()))
            counts.append(int(m.sum()))
    return losses, counts


def suite_prompts(tokenizer, suite: Suite, sizes, raw: bool) -> dict[str, tuple[list[str], int]]:
    """Each generating column's prompts (in the suite's order) and its reply length in tokens."""
    from utils.tools import SYSTEM as TOOL_SYSTEM, schemas

    from utils.generation import as_document

    def documents(texts):  # a raw prompt starts as this tokenizer's documents do
        return as_document(tokenizer, texts) if raw else texts

    def chat(messages_list):
        return documents([prompt_text(tokenizer, m, raw) for m in messages_list])

    return {
        "assistant_style": (chat([user(r["instruction"]) for r in suite.style]), sizes.reply_tokens),
        "clarify": (chat([user(r["messages"][-2]["content"]) for r in suite.clarify]), sizes.reply_tokens),
        "gold": (chat([user(r["prompt"]) for r in suite.preferences]), sizes.reply_tokens),
        "reasoning": (chat([user(p.question, REASONING_SYSTEM) for p in suite.reasoning]), sizes.reasoning_tokens),
        "harmful_refused": (chat([user(r["prompt"]) for r in suite.harmful]), sizes.refusal_tokens),
        "lookalikes_refused": (chat([user(r["prompt"]) for r in suite.lookalikes]), sizes.refusal_tokens),
        "tool_calls": (documents([prompt_text(tokenizer, user(r["query"], TOOL_SYSTEM), raw, tools=schemas(r["tools"], r.get("aliases")))
                                    for r in suite.tools]), sizes.call_tokens),
    }


REASONING_SYSTEM = "Solve the problem."  # lesson 06's system prompt


CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"


def call_done(reply_so_far: str) -> bool:
    """A tool-column reply needs no more tokens once its call is closed, or once it has begun with
    anything but `<tool_call>` (it answers directly and calls no tool)."""
    text = reply_so_far.lstrip()
    if text.startswith(CALL_OPEN):
        return CALL_CLOSE in text
    return bool(text) and not CALL_OPEN.startswith(text)  # "<tool" may still become a call


def generate_all(model, tokenizer, prompts: dict[str, tuple[list[str], int]], batch_size: int,
                 progress: bool = False) -> dict[str, list[str]]:
    """Greedy replies for every column, each with its own length limit, in as few batches as fit.

    A row leaves its batch when it is done (`utils.generation.greedy_ragged`). A tool-column reply is
    done once its call is closed, or as soon as it starts without a call: the tool template has the
    model open its turn with the call, and a reply that answers first is scored as calling no tool
    (in the course's runs no model ever wrote a call after other text). The long tool prompts form
    their own batch, so the short prompts are not padded to their length."""
    from utils.generation import greedy_ragged

    replies = {}
    groups = [[c for c in prompts if c != "tool_calls"], [c for c in prompts if c == "tool_calls"]]
    for columns in groups:
        jobs = [(column, text) for column in columns for text in prompts[column][0]]
        if not jobs:
            continue
        tool_rows = {k for k, (column, _) in enumerate(jobs) if column == "tool_calls"}
        outputs = greedy_ragged(model, tokenizer, [text for _, text in jobs], [prompts[column][1] for column, _ in jobs],
                                finished=lambda k, so_far: k in tool_rows and call_done(so_far),
                                batch_size=batch_size, progress=progress)
        for column in columns:
            replies[column] = [out for (c, _), out in zip(jobs, outputs) if c == column]
    return replies


def evaluate_stage(model, tokenizer, stage: Stage, suite: Suite, sizes, reference=None, reward_model=None,
                   progress: bool = False, text_losses_known: tuple | None = None) -> dict:
    """Every column's per-row scores for one model (lists in the suite's order), and its replies.

    `reference` is the instruct model (for the KL column; None skips it: a model with another tokenizer
    has no per-token KL to it), `reward_model` lesson 03's (None skips that column). `text_losses_known`
    is (losses, tokens) already measured for these same weights (the plain-text column does not depend
    on how a stage is prompted). The plain-text loss is reported per character (a text's summed nats over
    its characters), so models with different tokenizers compare; `text_chars` weights it."""
    from utils.behaviors import assistant_style, clarify_or_answer
    from utils.gold import gold_score
    from utils.reasoning import verify
    from utils.rl import encode_replies, exact_kl
    from utils.safety import refusal_flags
    from utils.tools import handle, schemas, score as tool_score

    prompts = suite_prompts(tokenizer, suite, sizes, stage.raw)
    replies = generate_all(model, tokenizer, prompts, sizes.generation_batch, progress)
    scores = {
        "assistant_style": [float(assistant_style(r["instruction"], y).ok) for r, y in zip(suite.style, replies["assistant_style"])],
        "clarify": [float(clarify_or_answer(r["kind"], r["messages"][-2]["content"], y).ok)
                    for r, y in zip(suite.clarify, replies["clarify"])],
        "gold": [gold_score(r["check"], y, r["prompt"]) for r, y in zip(suite.preferences, replies["gold"])],
        "reasoning": [float(verify(y, p.answer)) for p, y in zip(suite.reasoning, replies["reasoning"])],
        "harmful_refused": [float(f) for f in refusal_flags(replies["harmful_refused"])],
        "lookalikes_refused": [float(f) for f in refusal_flags(replies["lookalikes_refused"])],
    }
    if reward_model is not None:
        scores["reward"] = [float(x) for x in reward_model.score([r["prompt"] for r in suite.preferences], replies["gold"])]
    if reference is not None:  # how far this model moved from instruct, on the replies it writes itself
        kl = []
        texts, batch = prompts["gold"][0], sizes.generation_batch
        for start in range(0, len(texts), batch):
            encoded = encode_replies(tokenizer, texts[start : start + batch], replies["gold"][start : start + batch])
            kl += exact_kl(model, reference, **encoded).tolist()
        scores["kl"] = [max(0.0, float(x)) for x in kl]  # exact KL is >= 0; float rounding can give -1e-7
    tool_scores = []
    for row, reply in zip(suite.tools, replies["tool_calls"]):
        turn = handle(reply, schemas(row["tools"], row.get("aliases")), row.get("aliases"))
        outcome = {"call": {"name": turn.call.name, "arguments": turn.call.arguments} if turn.call else None,
                   "valid": turn.valid, "problem": turn.problem, "tool_reply": turn.tool_reply, "answer": ""}
        tool_scores.append(float(tool_score(row, outcome)["exact_arguments"]))
    scores["tool_calls"] = tool_scores
    if text_losses_known is None:
        text_losses_known = text_losses(model, tokenizer, [t["text"] for t in suite.texts])
    chars = [len(t["text"]) for t in suite.texts]
    scores["text_loss"] = [loss * n / c for loss, n, c in zip(*text_losses_known, chars)]
    return {"scores": scores, "replies": replies, "text_chars": chars, "text_losses_per_token": list(text_losses_known)}


def build_card(profile: str, sizes, profile_dir: Path, device=None, dtype=None, stages=STAGES, progress: bool = True) -> "Card":
    """Evaluate every stage on one suite: the instruct model is loaded once as the KL reference and
    lesson 03's reward model once; each stage's model is built, measured and freed in turn."""
    import time

    from tqdm import tqdm

    from utils.models import load_model, load_tokenizer, resolve_model
    from utils.rewards import REWARD_MODEL_DIR, load_reward_model

    suite = build_suite(sizes, profile)
    instruct = resolve_model("instruct", profile, verbose=False)
    instruct_tokenizer = load_tokenizer(instruct)
    reference = load_model(instruct, device=device, dtype=dtype)
    reward_folder = profile_dir / "03_reward_modeling" / REWARD_MODEL_DIR
    reward_model = load_reward_model(reward_folder, device=device, dtype=dtype) if reward_folder.exists() else None
    counts = suite.counts()
    card = Card(profile)
    card.suite = {"reward_model": str(reward_folder) if reward_model else None, "assistant_style": counts["style"], "clarify": counts["clarify"], "gold": counts["preferences"],
                  "reward": counts["preferences"] if reward_model else 0, "reasoning": counts["reasoning"],
                  "harmful_refused": counts["harmful"], "lookalikes_refused": counts["lookalikes"],
                  "tool_calls": counts["tools"], "text_loss": counts["texts"], "kl": counts["preferences"]}
    known = {}  # the same weights (checkpoint and adapters) -> their plain-text losses, measured once
    for stage in tqdm(stages, desc="report card", unit="stage", disable=not progress):
        start = time.time()
        try:
            model, built = load_stage(stage, profile, profile_dir, device, dtype, reference=(instruct, reference))
        except MissingStage as err:
            card.stages[stage.name] = {"missing": str(err)}
            continue
        resolved = resolve_model(stage.role, profile, verbose=False)
        same_tokenizer = resolved.path == instruct.path
        tokenizer = instruct_tokenizer if same_tokenizer else load_tokenizer(resolved)
        weights = (resolved.path, *map(str, stage_adapters(stage, profile_dir)))
        result = evaluate_stage(model, tokenizer, stage, suite, sizes, reference if same_tokenizer else None, reward_model,
                                text_losses_known=known.get(weights))
        known[weights] = result["text_losses_per_token"]
        card.stages[stage.name] = {"built": built, **result, "seconds": round(time.time() - start, 1)}
        del model
    return card


# ---------------------------------------------------------------------------------------------
# Summaries, trade-offs, and the saved card.
def estimate(column: Column, values: list[float], weights: list[float] | None = None) -> Estimate:
    if column.kind == "rate":
        return rate([v > 0.5 for v in values])
    return bootstrap_mean(values, weights)


@dataclass
class Card:
    profile: str
    stages: dict = field(default_factory=dict)  # name -> {"built": str, "scores": {...}, "text_chars": [...]} or {"missing": why}
    suite: dict = field(default_factory=dict)  # column -> n, and what the rows are

    def present(self) -> list[str]:
        """The measured stages: the course's in their order, then any other stage measured."""
        order = list(STAGE_NAMES) + [n for n in self.stages if n not in STAGE_NAMES]
        return [n for n in order if n in self.stages and "scores" in self.stages[n]]

    def estimates(self) -> dict[str, dict[str, Estimate]]:
        out = {}
        for name in self.present():
            record = self.stages[name]
            out[name] = {c.key: estimate(c, record["scores"][c.key], record["text_chars"] if c.key == "text_loss" else None)
                         for c in COLUMNS if c.key in record["scores"]}
        return out

    def to_json(self) -> dict:
        flat = {name: {k: asdict(e) for k, e in cols.items()} for name, cols in self.estimates().items()}
        return {"profile": self.profile, "suite": self.suite, "columns": [asdict(c) for c in COLUMNS],
                "stages": self.stages, "estimates": flat}

    @classmethod
    def from_json(cls, data: dict) -> "Card":
        return cls(data["profile"], data["stages"], data["suite"])


def changes(card: Card) -> list[dict]:
    """Each stage against the stage it was trained from, column by column: the paired difference on
    the same rows, and whether it is an effect (its interval excludes zero), good or bad."""
    rows = []
    for stage in STAGES:
        if stage.start is None or stage.name not in card.present() or stage.start not in card.present():
            continue
        after, before = card.stages[stage.name], card.stages[stage.start]
        for column in COLUMNS:
            if column.key not in after["scores"] or column.key not in before["scores"] or column.key == "kl":
                continue
            weights = after["text_chars"] if column.key == "text_loss" else None
            diff = paired_bootstrap_difference(after["scores"][column.key], before["scores"][column.key], weights)
            better = (diff.value > 0) == column.higher_is_better
            rows.append({"stage": stage.name, "start": stage.start, "column": column.key, "difference": diff,
                         "effect": diff.excludes_zero, "verdict": ("better" if better else "worse") if diff.excludes_zero else "no clear change"})
    return rows


def tradeoffs(card: Card) -> list[str]:
    """One line per stage that made one column clearly better and another clearly worse."""
    lines = []
    by_stage: dict[str, list[dict]] = {}
    for row in changes(card):
        by_stage.setdefault(row["stage"], []).append(row)
    for stage, rows in by_stage.items():
        gains = [r for r in rows if r["verdict"] == "better"]
        losses = [r for r in rows if r["verdict"] == "worse"]
        if gains and losses:
            lines.append(f"{stage} (from {rows[0]['start']}): better on " + ", ".join(_change_text(r) for r in gains)
                         + "; worse on " + ", ".join(_change_text(r) for r in losses))
    return lines


def _format(column: Column, e: Estimate, signed: bool = False) -> str:
    if column.kind == "rate":
        scale, unit, digits = 100, (" pts" if signed else "%"), 0
    else:
        scale, unit, digits = 1, "", 2
    sign = "+" if signed else ""
    return f"{e.value * scale:{sign}.{digits}f}{unit} [{e.low * scale:{sign}.{digits}f}, {e.high * scale:{sign}.{digits}f}]"


def _change_text(row: dict) -> str:
    column = COLUMN_BY_KEY[row["column"]]
    return f"{column.title} {_format(column, row['difference'], signed=True)}"


def table(card: Card):
    """The card as a table: one row per stage, one column per measure, 'value [low, high]'."""
    import pandas as pd

    estimates = card.estimates()
    rows = {}
    for stage in STAGES:
        record = card.stages.get(stage.name, {"missing": "not evaluated"})
        if "scores" not in record:
            rows[stage.name] = {c.title: "missing" for c in COLUMNS}
            continue
        rows[stage.name] = {c.title: _format(c, estimates[stage.name][c.key]) if c.key in estimates[stage.name] else "-"
                            for c in COLUMNS}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.columns = [f"{c.title} (n={card.suite.get(c.key, '?')})" for c in COLUMNS]
    return frame


def markdown(card: Card) -> str:
    frame = table(card)
    header = "| stage | " + " | ".join(frame.columns) + " |"
    lines = [f"# Report card ({card.profile} profile)", "",
             "Every stage on the same held-out rows, greedy replies; 95% intervals (Wilson for rates, bootstrap "
             "for means).", "",
             header, "|" + "---|" * (len(frame.columns) + 1)]
    for name, row in frame.iterrows():
        lines.append(f"| {name} | " + " | ".join(row.tolist()) + " |")
    lines += ["", "Better when higher: " + ", ".join(c.title for c in COLUMNS if c.higher_is_better)
              + ". Better when lower: " + ", ".join(c.title for c in COLUMNS if not c.higher_is_better) + ".", ""]
    missing = {s: r["missing"] for s, r in card.stages.items() if "missing" in r}
    if missing:
        lines += ["Missing stages:", *[f"- {s}: {why}" for s, why in missing.items()], ""]
    lines += ["Built from:", *[f"- {s}: {r['built']}" for s, r in card.stages.items() if "built" in r], ""]
    trade = tradeoffs(card)
    lines += ["Trade-offs (a stage that made one column better and another worse, against the stage it started from; "
              "paired differences whose interval excludes zero):", *([f"- {t}" for t in trade] or ["- none measured"]), ""]
    return "\n".join(lines)


def plot(card: Card):
    """One chart: a panel per column, a point and its 95% interval per stage (missing stages left blank)."""
    import matplotlib.pyplot as plt

    estimates = card.estimates()
    names = [s.name for s in STAGES]
    cols = [c for c in COLUMNS if any(c.key in estimates.get(n, {}) for n in names)]
    fig, axes = plt.subplots(1, len(cols), figsize=(2.1 * len(cols), 0.38 * len(names) + 1.4), sharey=True, squeeze=False)
    axes = axes[0]
    for ax, column in zip(axes, cols):
        for y, name in enumerate(names):
            e = estimates.get(name, {}).get(column.key)
            if e is None:
                ax.text(0.5, y, "missing" if name not in estimates else "n/a", transform=ax.get_yaxis_transform(), ha="center", va="center", fontsize=7, color="grey")
                continue
            ax.errorbar([e.value], [y], xerr=[[e.value - e.low], [e.high - e.value]], fmt="o", color="tab:blue", capsize=2)
        arrow = "↑" if column.higher_is_better else "↓"
        ax.set_title(f"{column.title} {arrow}\n({column.lesson})", fontsize=8)
        if column.kind == "rate":
            ax.set_xlim(-0.05, 1.05)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(names)), names)
    axes[0].invert_yaxis()
    fig.suptitle(f"Report card ({card.profile} profile): every stage on the same held-out rows, 95% intervals", fontsize=10)
    fig.tight_layout()
    return fig


def save(card: Card, folder: Path) -> dict[str, Path]:
    """Write report_card.json, .md and .png into `folder` (runs/<profile>/); each file replaced whole."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    paths = {ext: folder / f"report_card.{ext}" for ext in ("json", "md", "png")}
    for ext, content in (("json", json.dumps(card.to_json(), indent=1) + "\n"), ("md", markdown(card))):
        tmp = paths[ext].with_suffix(f".{ext}.tmp")
        tmp.write_text(content)
        os.replace(tmp, paths[ext])
    fig = plot(card)
    fig.savefig(paths["png"], dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return paths


def load(path: Path) -> Card:
    return Card.from_json(json.loads(Path(path).read_text()))

