"""JSONL datasets checked row by row against a schema.

Introduced in lesson 01. A bad row stops loading with `file:line: field 'x': what is wrong`, so a
learner editing the data knows exactly where to look. Schemas are dicts of `Field`s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from utils import REPO_ROOT
from utils.gold import AXES, AXIS_KINDS, KINDS

DATA_DIR = REPO_ROOT / "data"


class DataError(ValueError):
    """A dataset row that does not match its schema; the message names file, line and field."""


@dataclass(frozen=True)
class Field:
    type: type = str
    choices: tuple | None = None  # allowed values, when the field is a label
    check: Callable[[object], str | None] | None = None  # returns a problem description, or None
    required: bool = True


def _problem(value, field: Field) -> str | None:
    if not isinstance(value, field.type) or isinstance(value, bool) and field.type is not bool:
        return f"expected {field.type.__name__}, got {type(value).__name__} {value!r:.40}"
    if isinstance(value, str) and not value.strip():
        return "is empty"
    if field.choices is not None and value not in field.choices:
        return f"{value!r} is not one of {list(field.choices)}"
    return field.check(value) if field.check else None


def _restore_hint(path: Path) -> str:
    if path.resolve().parent == DATA_DIR.resolve():
        return f". To restore the shipped file: git checkout -- data/{path.name}"
    return ""


def _numbered_lines(path: Path):
    """(line number, text) for each non-blank line. Each line is decoded on its own, so a byte that
    is not UTF-8 is reported at its own line instead of as a bare UnicodeDecodeError."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataError(
                    f"{path}:{lineno}: not valid UTF-8 (byte {raw[err.start]:#04x} at position {err.start + 1} of the line). "
                    f"Save the file as UTF-8 (in most editors: Save As, encoding UTF-8){_restore_hint(path)}"
                ) from None
            if line.strip():
                yield lineno, line


def load_jsonl(path: str | Path, schema: dict[str, Field], unique: tuple[str, ...] = ()) -> list[dict]:
    """Read a JSONL file, validating every row; `unique` names fields whose values may not repeat."""
    path = Path(path)
    if not path.is_absolute() and not path.exists():
        path = DATA_DIR / path
    if not path.exists():
        raise DataError(f"{path}: file not found (shipped data lives in {DATA_DIR})")
    rows: list[dict] = []
    seen: dict[str, dict] = {name: {} for name in unique}
    for lineno, line in _numbered_lines(path):
        where = f"{path}:{lineno}"
        try:
            row = json.loads(line.strip())
        except json.JSONDecodeError as err:
            raise DataError(f"{where}: not valid JSON ({err.msg} at column {err.colno}){_restore_hint(path)}") from None
        if not isinstance(row, dict):
            raise DataError(f"{where}: expected a JSON object, got {type(row).__name__}")
        extra = sorted(row.keys() - schema.keys())
        if extra:
            raise DataError(f"{where}: field {extra[0]!r}: unexpected (schema fields: {sorted(schema)})")
        for name, field in schema.items():
            if name not in row:
                if field.required:
                    raise DataError(f"{where}: field {name!r}: missing")
                continue
            problem = _problem(row[name], field)
            if problem:
                raise DataError(f"{where}: field {name!r}: {problem}{_restore_hint(path)}")
        for name in unique:
            if row[name] in seen[name]:
                raise DataError(f"{where}: field {name!r}: {row[name]!r} repeats line {seen[name][row[name]]}")
            seen[name][row[name]] = lineno
        rows.append(row)
    if not rows:
        raise DataError(f"{path}: no rows")
    return rows


INSTRUCTION_CATEGORIES = ("how_to", "factual", "creative", "advice", "explain", "list", "rewrite", "math")
INSTRUCTION_SCHEMA = {
    "id": Field(str),
    "instruction": Field(str),
    "category": Field(str, choices=INSTRUCTION_CATEGORIES),
}


def load_instructions(path: str | Path = "instructions_heldout.jsonl") -> list[dict]:
    """Lesson 01's held-out instructions (see data/DATASHEET.md)."""
    return load_jsonl(path, INSTRUCTION_SCHEMA, unique=("id", "instruction"))


def check_messages(messages) -> str | None:
    """A conversation: optional system message, then user/assistant turns alternating, ending with the assistant."""
    if not messages:
        return "is empty"
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            return f"messages[{i}] must be an object with exactly 'role' and 'content'"
        if not isinstance(message["content"], str) or not message["content"].strip():
            return f"messages[{i}].content is empty or not a string"
    roles = [m["role"] for m in messages]
    turns = roles[1:] if roles[0] == "system" else roles
    for i, role in enumerate(turns):
        expected = "user" if i % 2 == 0 else "assistant"
        if role != expected:
            return f"messages[{i + len(roles) - len(turns)}].role: expected {expected!r}, got {role!r} (turns must alternate user/assistant)"
    if turns[-1:] != ["assistant"]:
        return "the last message must be the assistant's (it is what SFT trains on)"
    return None


CONVERSATION_SCHEMA = {
    "id": Field(str),
    "kind": Field(str, choices=("vague", "clear")),
    "topic": Field(str),
    "messages": Field(list, check=check_messages),
}


def load_conversations(path: str | Path) -> list[dict]:
    """Lesson 02's SFT conversations (see data/DATASHEET.md)."""
    return load_jsonl(path, CONVERSATION_SCHEMA, unique=("id",))


# A public chat dataset for the `gpu` profile's optional run (lesson 02): everyday multi-turn chats.
HUB_CHAT_DATASET = ("HuggingFaceTB/smoltalk", "everyday-conversations")


def hub_chat_conversations(rows, limit: int) -> tuple[list[list[dict]], int]:
    """The first `limit` rows of a Hub chat dataset whose `messages` pass `check_messages`, and how
    many rows were skipped. Only `role` and `content` are kept from each message."""
    kept, skipped = [], 0
    for row in rows:
        messages = [{"role": m.get("role"), "content": m.get("content")} for m in row.get("messages") or []]
        if check_messages(messages) is None:
            kept.append(messages)
        else:
            skipped += 1
        if len(kept) == limit:
            break
    return kept, skipped


def check_preference_check(check) -> str | None:
    """A preference row's `check`: what `utils.gold` needs to score any reply (see utils/gold.py)."""
    kind = check.get("kind")
    if kind not in KINDS:
        return f"'kind' must be one of {list(KINDS)}, got {kind!r}"
    need = {"answer": {"answer": str, "distractors": list}, "helpful": {"keywords": list}, "polite": {"keywords": list},
            "one_word": {"answer": str}, "sentence": {"answer": str}, "yes_no": {"answer": str}, "bullets": {"n": int},
            "refuse": {}}[kind]
    extra = sorted(check.keys() - need.keys() - {"kind"})
    if extra:
        return f"{extra[0]!r} is not used by kind {kind!r} (it uses {sorted(need)})"
    for key, typ in need.items():
        value = check.get(key)
        if not isinstance(value, typ) or isinstance(value, bool) or not value:
            return f"kind {kind!r} needs {key!r}: a non-empty {typ.__name__}, got {value!r:.40}"
        if typ is list and not all(isinstance(v, str) and v.strip() for v in value):
            return f"{key!r} must be a list of non-empty strings"
    if kind == "yes_no" and check["answer"] not in ("yes", "no"):
        return f"'answer' must be 'yes' or 'no', got {check['answer']!r}"
    return None


PREFERENCE_SCHEMA = {
    "id": Field(str),
    "axis": Field(str, choices=AXES),
    "prompt": Field(str),
    "chosen": Field(str),
    "rejected": Field(str),
    "check": Field(dict, check=check_preference_check),
}


def load_preferences(path: str | Path = "preferences_train.jsonl") -> list[dict]:
    """Lesson 03's preference pairs (see data/DATASHEET.md). Beyond the schema, each row's check kind
    must belong to its axis and its two replies must differ."""
    rows = load_jsonl(path, PREFERENCE_SCHEMA, unique=("id",))
    resolved = Path(path) if Path(path).is_absolute() or Path(path).exists() else DATA_DIR / path
    linenos = [n for n, _ in _numbered_lines(resolved)]  # load_jsonl keeps every non-blank line, in order
    for row, lineno in zip(rows, linenos):
        where = f"{resolved}:{lineno}"
        if row["check"]["kind"] not in AXIS_KINDS[row["axis"]]:
            raise DataError(f"{where}: field 'check': kind {row['check']['kind']!r} does not belong to axis "
                            f"{row['axis']!r} (expected one of {list(AXIS_KINDS[row['axis']])})")
        if row["chosen"].strip() == row["rejected"].strip():
            raise DataError(f"{where}: field 'rejected': same text as 'chosen'")
    return rows


# Lesson 07: refusing harmful requests without refusing harmless look-alikes. Eight categories per
# side; the last three of each side are held out whole (no row of theirs is in the training file).
SAFETY_CATEGORIES = {
    "harmful": ("weapons", "hacking", "fraud", "drugs", "violence", "theft", "stalking", "harassment"),
    "harmless": ("homonyms", "safe_targets", "definitions", "history", "safety_info",
                 "figurative", "safe_contexts", "privacy_public"),
}
SAFETY_HELDOUT_CATEGORIES = {
    "harmful": ("theft", "stalking", "harassment"),
    "harmless": ("figurative", "safe_contexts", "privacy_public"),
}
# How a probe wraps a held-out harmful request (a story, a role-play, ...), see data/DATASHEET.md.
SAFETY_WRAPPERS = ("story", "roleplay", "hypothetical", "research", "paraphrase")
SAFETY_SCHEMA = {
    "id": Field(str),
    "side": Field(str, choices=tuple(SAFETY_CATEGORIES)),
    "category": Field(str, choices=tuple(c for cats in SAFETY_CATEGORIES.values() for c in cats)),
    "prompt": Field(str),
    "chosen": Field(str),
    "rejected": Field(str),
    "wrapper": Field(str, choices=SAFETY_WRAPPERS, required=False),  # probes only
    "source_id": Field(str, required=False),  # probes only: the held-out harmful row it wraps
}


def load_safety(path: str | Path = "safety_train.jsonl") -> list[dict]:
    """Lesson 07's safety rows (see data/DATASHEET.md): train, held-out or probes. Beyond the schema,
    each row's category must belong to its side, its two replies must differ, and a probe (a row
    with `wrapper`) must also name its `source_id` and be harmful."""
    rows = load_jsonl(path, SAFETY_SCHEMA, unique=("id", "prompt"))
    resolved = Path(path) if Path(path).is_absolute() or Path(path).exists() else DATA_DIR / path
    linenos = [n for n, _ in _numbered_lines(resolved)]  # load_jsonl keeps every non-blank line, in order
    for row, lineno in zip(rows, linenos):
        where = f"{resolved}:{lineno}"
        if row["category"] not in SAFETY_CATEGORIES[row["side"]]:
            raise DataError(f"{where}: field 'category': {row['category']!r} is not a {row['side']} category "
                            f"(expected one of {list(SAFETY_CATEGORIES[row['side']])})")
        if row["chosen"].strip() == row["rejected"].strip():
            raise DataError(f"{where}: field 'rejected': same text as 'chosen'")
        if ("wrapper" in row) != ("source_id" in row):
            missing = "source_id" if "wrapper" in row else "wrapper"
            raise DataError(f"{where}: field {missing!r}: missing (a probe row needs both 'wrapper' and 'source_id')")
        if "wrapper" in row and row["side"] != "harmful":
            raise DataError(f"{where}: field 'side': a probe wraps a harmful request, got {row['side']!r}")
    return rows


# Lesson 08: tool use. Each row offers three tools (by name, from utils.tools) and a query; see data/DATASHEET.md.
TOOL_KINDS = ("call", "direct", "error")


def _check_tools(value) -> str | None:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        return "expected a non-empty list of tool names"
    return None


def _check_call(value) -> str | None:
    if set(value) != {"name", "arguments"} or not isinstance(value["name"], str) or not isinstance(value["arguments"], dict):
        return 'expected {"name": <tool>, "arguments": {...}}'
    return None


TOOL_TRACE_SCHEMA = {
    "id": Field(str),
    "kind": Field(str, choices=TOOL_KINDS),
    "tool_split": Field(str, choices=("train", "heldout")),
    "tools": Field(list, check=_check_tools),
    "aliases": Field(dict, required=False),  # tools shown renamed: shown name -> real tool, or -> {"tool", "arguments"}
    "query": Field(str),
    "call": Field(dict, check=_check_call, required=False),  # call and error rows
    "result": Field(str, required=False),  # call and error rows: the tool's reply (JSON text)
    "answer": Field(str),
    "near_miss": Field(str, required=False),  # direct rows about an offered tool's topic that it cannot answer
}


def load_tool_traces(path: str | Path = "tools_train.jsonl") -> list[dict]:
    """Lesson 08's tool-use rows (see data/DATASHEET.md). Beyond the schema: every offered tool exists in
    utils.tools, a call or error row has a call to an offered tool and its result, a direct row has
    neither, and the tool split says which pool the offered tools come from."""
    from utils import tools as T

    rows = load_jsonl(path, TOOL_TRACE_SCHEMA, unique=("id",))
    resolved = Path(path) if Path(path).is_absolute() or Path(path).exists() else DATA_DIR / path
    linenos = [n for n, _ in _numbered_lines(resolved)]
    for row, lineno in zip(rows, linenos):
        where = f"{resolved}:{lineno}"
        pool = T.TRAIN_TOOLS if row["tool_split"] == "train" else T.HELDOUT_TOOLS
        aliases = row.get("aliases", {})
        strays = [a for a in aliases if a not in row["tools"]]
        if strays:
            raise DataError(f"{where}: field 'aliases': {strays[0]!r} is not an offered tool {row['tools']}")
        try:
            real = {t: T.resolve_alias(t, aliases) for t in row["tools"]}
        except (KeyError, TypeError):
            raise DataError(f"{where}: field 'aliases': expected shown name -> real tool, or -> "
                            '{"tool": real tool, "arguments": {shown argument: real argument}}') from None
        unknown = [t for t in row["tools"] if real[t][0] not in pool]
        if unknown:
            raise DataError(f"{where}: field 'tools': {unknown[0]!r} is not one of the {row['tool_split']} tools "
                            f"({', '.join(pool)})")
        for t, (tool, renamed) in real.items():
            params = T.schema(tool)["function"]["parameters"]["properties"]
            if sorted(renamed.values()) != sorted(set(renamed.values())) or any(a not in params for a in renamed.values()):
                raise DataError(f"{where}: field 'aliases': {t!r} renames arguments {sorted(renamed.values())}; "
                                f"{tool} takes {', '.join(params)}")
        has_call = "call" in row and "result" in row
        if row["kind"] == "direct" and ("call" in row or "result" in row):
            raise DataError(f"{where}: field 'call': a direct row calls no tool")
        if row["kind"] != "direct":
            if not has_call:
                raise DataError(f"{where}: field {'call' if 'call' not in row else 'result'!r}: missing (a {row['kind']} row needs both)")
            if row["call"]["name"] not in row["tools"]:
                raise DataError(f"{where}: field 'call': {row['call']['name']!r} is not among the offered tools {row['tools']}")
            try:
                T.validate_call(T.ToolCall(**row["call"]), T.schemas(row["tools"], aliases))
            except T.ToolCallError as err:
                raise DataError(f"{where}: field 'call': {err}") from None
            try:
                reply = json.loads(row["result"])
            except json.JSONDecodeError:
                raise DataError(f"{where}: field 'result': not JSON") from None
            if not isinstance(reply, dict) or ("error" if row["kind"] == "error" else "result") not in reply:
                raise DataError(f"{where}: field 'result': a {row['kind']} row's result needs an "
                                f"{'error' if row['kind'] == 'error' else 'result'!r} key")
    return rows


PLAIN_TEXT_TOPICS = ("science", "history", "geography", "nature", "technology", "everyday", "arts", "health")
PLAIN_TEXT_SCHEMA = {
    "id": Field(str),
    "topic": Field(str, choices=PLAIN_TEXT_TOPICS),
    "text": Field(str),
}


def load_plain_text(path: str | Path = "plain_text_heldout.jsonl") -> list[dict]:
    """Plain encyclopedic paragraphs no lesson trains on: lesson 09's capability check (see data/DATASHEET.md)."""
    return load_jsonl(path, PLAIN_TEXT_SCHEMA, unique=("id", "text"))
