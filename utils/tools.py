"""Tool use: real Python tools, their JSON schemas, the chat template that shows them to the model,
and the parser, validator and loop that turn a model's reply into a tool call and its result.

Introduced in lesson 08. A tool is a typed Python function with a Google-style docstring;
transformers' `get_json_schema` turns it into the JSON schema that `apply_chat_template(tools=...)`
renders into the prompt. The model answers either directly or with

    <tool_call>
    {"name": "capital_of", "arguments": {"country": "Peru"}}
    </tool_call>

which `parse_call` reads, `validate_call` checks against the offered schemas, and `execute` runs.
Every problem becomes a `ToolCallError` whose message goes back into the conversation as the tool's
reply, so a malformed call never stops the loop.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import operator
import re
from dataclasses import dataclass
from importlib import resources

from transformers.utils import get_json_schema

# ---------------------------------------------------------------------------------------------
# Small local tables the lookup tools read (the course's own tables, not a live source).
CAPITALS = {
    "France": "Paris", "Japan": "Tokyo", "Peru": "Lima", "Kenya": "Nairobi", "Canada": "Ottawa",
    "Egypt": "Cairo", "Norway": "Oslo", "Chile": "Santiago", "Vietnam": "Hanoi", "Ghana": "Accra",
    "Austria": "Vienna", "Portugal": "Lisbon", "Thailand": "Bangkok", "Morocco": "Rabat", "Ireland": "Dublin",
    "Argentina": "Buenos Aires", "Poland": "Warsaw", "Greece": "Athens", "Cuba": "Havana", "Nepal": "Kathmandu",
}
CURRENCIES = {
    "Japan": "yen", "Mexico": "peso", "India": "rupee", "Sweden": "krona", "Brazil": "real", "Poland": "zloty",
    "Thailand": "baht", "Kenya": "shilling", "Vietnam": "dong", "Switzerland": "franc", "South Korea": "won",
    "Israel": "shekel", "Turkey": "lira", "Russia": "ruble", "China": "yuan", "Ghana": "cedi",
}
ELEMENT_SYMBOLS = {
    "hydrogen": "H", "helium": "He", "carbon": "C", "nitrogen": "N", "oxygen": "O", "sodium": "Na", "iron": "Fe",
    "gold": "Au", "silver": "Ag", "copper": "Cu", "lead": "Pb", "tin": "Sn", "potassium": "K", "mercury": "Hg",
    "zinc": "Zn", "neon": "Ne",
}
PLANET_MOONS = {"Mercury": 0, "Venus": 0, "Earth": 1, "Mars": 2, "Jupiter": 95, "Saturn": 146, "Uranus": 28, "Neptune": 16}
BOOK_AUTHORS = {
    "Pride and Prejudice": "Jane Austen", "Moby-Dick": "Herman Melville", "Hamlet": "William Shakespeare",
    "War and Peace": "Leo Tolstoy", "The Odyssey": "Homer", "Don Quixote": "Miguel de Cervantes",
    "Frankenstein": "Mary Shelley", "Dracula": "Bram Stoker", "Beloved": "Toni Morrison", "Ulysses": "James Joyce",
    "Emma": "Jane Austen", "Middlemarch": "George Eliot", "Jane Eyre": "Charlotte Bronte", "Walden": "Henry David Thoreau",
}
# held-out tools' tables
ATOMIC_NUMBERS = {
    "hydrogen": 1, "helium": 2, "lithium": 3, "carbon": 6, "nitrogen": 7, "oxygen": 8, "neon": 10, "sodium": 11,
    "aluminium": 13, "silicon": 14, "sulfur": 16, "calcium": 20, "iron": 26, "copper": 29, "silver": 47, "gold": 79,
}
LANGUAGES = {
    "Brazil": "Portuguese", "Austria": "German", "Mexico": "Spanish", "Egypt": "Arabic", "Iran": "Persian",
    "Kenya": "Swahili", "Japan": "Japanese", "Greece": "Greek", "Poland": "Polish", "Vietnam": "Vietnamese",
    "Turkey": "Turkish", "Finland": "Finnish", "Hungary": "Hungarian", "Netherlands": "Dutch",
}
MOUNTAIN_HEIGHTS = {  # metres
    "Everest": 8849, "K2": 8611, "Kilimanjaro": 5895, "Mont Blanc": 4808, "Denali": 6190, "Aconcagua": 6961,
    "Elbrus": 5642, "Fuji": 3776, "Matterhorn": 4478, "Olympus": 2917, "Vinson": 4892, "Etna": 3403,
}

LENGTH_M = {"kilometers": 1000.0, "miles": 1609.344, "meters": 1.0, "feet": 0.3048}
WEIGHT_G = {"kilograms": 1000.0, "pounds": 453.59237, "grams": 1.0, "ounces": 28.349523125}
VOLUME_L = {"liters": 1.0, "gallons": 3.785411784, "cups": 0.2365882365, "milliliters": 0.001}


class ToolError(Exception):
    """A tool could not answer (an unknown key, a bad date): its message is the tool's reply."""


def _lookup(table: dict, key: str, what: str):
    for name, value in table.items():
        if name.casefold() == key.strip().casefold():
            return value
    raise ToolError(f"unknown {what}: {key!r}")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ToolError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _num(x: float) -> float | int:
    """Round to 2 decimals; whole numbers come back as int (42, not 42.0)."""
    x = round(float(x), 2)
    return int(x) if x == int(x) else x


def _convert(value: float, from_unit: str, to_unit: str, table: dict) -> float | int:
    for unit in (from_unit, to_unit):
        if unit not in table:
            raise ToolError(f"unknown unit: {unit!r} (known: {', '.join(table)})")
    return _num(value * table[from_unit] / table[to_unit])


# ---------------------------------------------------------------------------------------------
# The tools. Training offers TRAIN_TOOLS; the held-out set offers HELDOUT_TOOLS, never trained on.
def add_numbers(a: float, b: float) -> float:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return _num(a + b)


def multiply_numbers(a: float, b: float) -> float:
    """Multiply two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return _num(a * b)


def percent_of(percent: float, value: float) -> float:
    """Work out a percentage of a value.

    Args:
        percent: The percentage, e.g. 15 for 15%.
        value: The value to take the percentage of.
    """
    return _num(percent * value / 100)


def square_root(value: float) -> float:
    """The square root of a number.

    Args:
        value: A number that is not negative.
    """
    if value < 0:
        raise ToolError(f"no real square root of a negative number: {value}")
    return _num(math.sqrt(value))


def gcd(a: int, b: int) -> int:
    """The greatest common divisor of two whole numbers.

    Args:
        a: The first whole number.
        b: The second whole number.
    """
    return math.gcd(int(a), int(b))


def next_prime(number: int) -> int:
    """The smallest prime number greater than a given whole number.

    Args:
        number: The whole number to start from.
    """
    n = int(number) + 1
    while n < 2 or any(n % d == 0 for d in range(2, math.isqrt(n) + 1)):
        n += 1
    return n


def area_of_circle(radius: float) -> float:
    """The area of a circle.

    Args:
        radius: The circle's radius.
    """
    return _num(math.pi * radius**2)


def tip_amount(bill: float, percent: float) -> float:
    """How much to tip on a bill.

    Args:
        bill: The amount of the bill.
        percent: The tip percentage, e.g. 18 for 18%.
    """
    return _num(bill * percent / 100)


def convert_length(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a length from one unit to another.

    Args:
        value: The length to convert.
        from_unit: The unit of the length. (choices: ["kilometers", "miles", "meters", "feet"])
        to_unit: The unit to convert to. (choices: ["kilometers", "miles", "meters", "feet"])
    """
    return _convert(value, from_unit, to_unit, LENGTH_M)


def convert_weight(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a weight from one unit to another.

    Args:
        value: The weight to convert.
        from_unit: The unit of the weight. (choices: ["kilograms", "pounds", "grams", "ounces"])
        to_unit: The unit to convert to. (choices: ["kilograms", "pounds", "grams", "ounces"])
    """
    return _convert(value, from_unit, to_unit, WEIGHT_G)


def convert_temperature(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a temperature from one scale to another.

    Args:
        value: The temperature to convert.
        from_unit: The scale of the temperature. (choices: ["celsius", "fahrenheit", "kelvin"])
        to_unit: The scale to convert to. (choices: ["celsius", "fahrenheit", "kelvin"])
    """
    to_c = {"celsius": lambda v: v, "fahrenheit": lambda v: (v - 32) * 5 / 9, "kelvin": lambda v: v - 273.15}
    from_c = {"celsius": lambda c: c, "fahrenheit": lambda c: c * 9 / 5 + 32, "kelvin": lambda c: c + 273.15}
    for unit in (from_unit, to_unit):
        if unit not in to_c:
            raise ToolError(f"unknown scale: {unit!r} (known: celsius, fahrenheit, kelvin)")
    return _num(from_c[to_unit](to_c[from_unit](value)))


def days_between(start_date: str, end_date: str) -> int:
    """The number of days from one date to another.

    Args:
        start_date: The first date, as YYYY-MM-DD.
        end_date: The second date, as YYYY-MM-DD.
    """
    return (_date(end_date) - _date(start_date)).days


def weekday_of(date: str) -> str:
    """The day of the week of a date.

    Args:
        date: The date, as YYYY-MM-DD.
    """
    return _date(date).strftime("%A")


def capital_of(country: str) -> str:
    """The capital city of a country.

    Args:
        country: The country's name in English.
    """
    return _lookup(CAPITALS, country, "country")


def currency_of(country: str) -> str:
    """The currency used in a country.

    Args:
        country: The country's name in English.
    """
    return _lookup(CURRENCIES, country, "country")


def element_symbol(element: str) -> str:
    """The chemical symbol of an element.

    Args:
        element: The element's name in English, e.g. "iron".
    """
    return _lookup(ELEMENT_SYMBOLS, element, "element")


def planet_moons(planet: str) -> int:
    """How many known moons a planet of the solar system has.

    Args:
        planet: The planet's name, e.g. "Mars".
    """
    return _lookup(PLANET_MOONS, planet, "planet")


def book_author(title: str) -> str:
    """The author of a well-known book.

    Args:
        title: The book's title.
    """
    return _lookup(BOOK_AUTHORS, title, "book")


def count_letter(word: str, letter: str) -> int:
    """How many times a letter appears in a word.

    Args:
        word: The word to look in.
        letter: The single letter to count.
    """
    if len(letter) != 1:
        raise ToolError(f"letter must be a single character, got {letter!r}")
    return word.casefold().count(letter.casefold())


def reverse_word(word: str) -> str:
    """A word spelled backwards.

    Args:
        word: The word to reverse.
    """
    return word[::-1]


def word_length(word: str) -> int:
    """How many letters a word has.

    Args:
        word: The word to measure.
    """
    return len(word)


def calculate(expression: str) -> float:
    """Evaluate an arithmetic expression with + - * / ** and parentheses.

    Args:
        expression: The expression, e.g. "(3 + 4) * 2".
    """
    return _num(safe_eval(expression))


# held-out tools: other names, other argument names, other tables
def subtract_numbers(minuend: float, subtrahend: float) -> float:
    """Subtract one number from another.

    Args:
        minuend: The number to subtract from.
        subtrahend: The number to subtract.
    """
    return _num(minuend - subtrahend)


def rectangle_area(width: float, height: float) -> float:
    """The area of a rectangle.

    Args:
        width: The rectangle's width.
        height: The rectangle's height.
    """
    return _num(width * height)


def convert_volume(amount: float, source_unit: str, target_unit: str) -> float:
    """Convert a volume from one unit to another.

    Args:
        amount: The volume to convert.
        source_unit: The unit of the volume. (choices: ["liters", "gallons", "cups", "milliliters"])
        target_unit: The unit to convert to. (choices: ["liters", "gallons", "cups", "milliliters"])
    """
    return _convert(amount, source_unit, target_unit, VOLUME_L)


def add_days(date: str, days: int) -> str:
    """The date a number of days after a given date.

    Args:
        date: The starting date, as YYYY-MM-DD.
        days: How many days to add (negative to go back).
    """
    return (_date(date) + dt.timedelta(days=int(days))).isoformat()


def atomic_number(element: str) -> int:
    """The atomic number of a chemical element.

    Args:
        element: The element's name in English, e.g. "carbon".
    """
    return _lookup(ATOMIC_NUMBERS, element, "element")


def official_language(country: str) -> str:
    """The main official language of a country.

    Args:
        country: The country's name in English.
    """
    return _lookup(LANGUAGES, country, "country")


def mountain_height(mountain: str) -> int:
    """The height of a mountain in metres.

    Args:
        mountain: The mountain's name, e.g. "Everest".
    """
    return _lookup(MOUNTAIN_HEIGHTS, mountain, "mountain")


def count_vowels(text: str) -> int:
    """How many vowels (a, e, i, o, u) a text contains.

    Args:
        text: The text to count in.
    """
    return sum(ch in "aeiou" for ch in text.casefold())


TRAIN_TOOLS = {f.__name__: f for f in (
    add_numbers, multiply_numbers, percent_of, square_root, gcd, next_prime, area_of_circle, tip_amount,
    convert_length, convert_weight, convert_temperature, days_between, weekday_of, capital_of, currency_of,
    element_symbol, planet_moons, book_author, count_letter, reverse_word, word_length, calculate)}
HELDOUT_TOOLS = {f.__name__: f for f in (
    subtract_numbers, rectangle_area, convert_volume, add_days, atomic_number, official_language,
    mountain_height, count_vowels)}
TOOLS = {**TRAIN_TOOLS, **HELDOUT_TOOLS}


def schema(name: str) -> dict:
    """The JSON schema of a tool, as `apply_chat_template(tools=...)` takes it (without the return type,
    which the model does not need and which costs prompt tokens)."""
    if name not in TOOLS:
        raise KeyError(f"unknown tool {name!r}; known: {sorted(TOOLS)}")
    full = get_json_schema(TOOLS[name])
    full["function"].pop("return", None)
    return full


def resolve_alias(name: str, aliases: dict | None = None) -> tuple[str, dict]:
    """The real tool behind a shown name, and its argument renames (shown argument -> real argument).

    `aliases` maps a name shown to the model either to the real tool's name (the arguments keep their
    names) or to {"tool": real name, "arguments": {shown argument: real argument}}."""
    target = (aliases or {}).get(name, name)
    if isinstance(target, str):
        return target, {}
    return target["tool"], dict(target.get("arguments", {}))


def schemas(names, aliases: dict | None = None) -> list[dict]:
    """The schemas of the named tools; `aliases` renames tools and their arguments (see `resolve_alias`)."""
    out = []
    for n in names:
        real, renamed = resolve_alias(n, aliases)
        s = schema(real)
        if n != real or renamed:
            shown = {r: a for a, r in renamed.items()}  # real argument -> shown argument
            params = s["function"]["parameters"]
            params = {**params, "properties": {shown.get(k, k): v for k, v in params["properties"].items()},
                      "required": [shown.get(k, k) for k in params.get("required", [])]}
            s = {**s, "function": {**s["function"], "name": n, "parameters": params}}
        out.append(s)
    return out


# ---------------------------------------------------------------------------------------------
# The arithmetic the calculate tool allows: numbers, + - * / ** and parentheses, nothing else.
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}


def safe_eval(expression: str) -> float:
    """Evaluate arithmetic without `eval`: anything but numbers and + - * / ** ( ) is a ToolError."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise ToolError(f"not an arithmetic expression: {expression!r}") from None

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 100:
                raise ToolError("exponent too large")
            if isinstance(node.op, ast.Div) and right == 0:
                raise ToolError("division by zero")
            return _OPS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.operand))
        raise ToolError(f"only numbers and + - * / ** ( ) are allowed: {expression!r}")

    return walk(tree)


# ---------------------------------------------------------------------------------------------
# The chat template. SmolLM2 speaks ChatML (<|im_start|> ... <|im_end|>) but its own template ignores
# `tools`. TRL ships Qwen2.5's ChatML template with tools (`qwen2_5_training.jinja`): it renders every
# schema as full JSON, ~100-160 tokens a tool. On a CPU every prompt token costs training time, so the
# course's template gives each tool one line: its description, then the call it takes written as a
# skeleton of the call itself ({"name": ..., "arguments": {"arg": <type>, "unit": "<a|b|c>"}}), so a
# small model writes a call by copying the line and filling in the values. The call format is the same.
# Assistant turns sit inside {% generation %} markers, end-of-turn included, so
# `return_assistant_tokens_mask` and TRL's assistant-only loss find them.
TOOL_TEMPLATE = (
    "{%- macro skeleton(t) -%}"
    "{%- set f = t.function if t.function is defined else t -%}"
    "{{ f.description }} {{ '{\"name\": \"' + f.name + '\", \"arguments\": {' }}"
    "{%- for pname, p in f.parameters.properties.items() -%}"
    "{{ '\"' + pname + '\": ' }}"
    "{%- if p.type == 'string' -%}{{ '\"<' + (p.enum | join('|') if p.enum is defined else 'string') + '>\"' }}"
    "{%- else -%}{{ '<' + p.type + '>' }}{%- endif -%}"
    "{%- if not loop.last %}, {% endif -%}"
    "{%- endfor -%}"
    "{{ '}}' }}"
    "{%- endmacro -%}"
    "{%- if messages[0].role == 'system' -%}{%- set system = messages[0].content -%}{%- set rest = messages[1:] -%}"
    "{%- else -%}{%- set system = 'You are a helpful assistant.' -%}{%- set rest = messages -%}{%- endif -%}"
    "{{ '<|im_start|>system\n' + system }}"
    "{%- if tools -%}"
    "{{ '\nTools:' }}{%- for t in tools %}{{ '\n- ' + skeleton(t) }}{%- endfor -%}"
    "{{ '\nTo call a tool, reply with <tool_call>{\"name\": ..., \"arguments\": {...}}</tool_call>' }}"
    "{%- endif -%}"
    "{{ '<|im_end|>\n' }}"
    "{%- for m in rest -%}"
    "{%- if m.role == 'assistant' -%}"
    "{{ '<|im_start|>assistant\n' }}"
    "{%- generation -%}"
    "{%- if m.tool_calls -%}"
    "{%- for c in m.tool_calls -%}{%- set c = c.function if c.function is defined else c -%}"
    "{%- set args = c.arguments if c.arguments is string else (c.arguments | tojson) -%}"
    "{{ '<tool_call>{\"name\": \"' + c.name + '\", \"arguments\": ' + args + '}</tool_call>' }}"
    "{%- endfor -%}"
    "{%- else -%}{{ m.content }}{%- endif -%}"
    "{{ '<|im_end|>\n' }}"
    "{%- endgeneration -%}"
    "{%- else -%}"
    "{{ '<|im_start|>' + m.role + '\n' + m.content + '<|im_end|>\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
)
TRL_TEMPLATE_NAME = "qwen2_5_training.jinja"  # shown beside ours in lesson 08
SYSTEM = "You are a helpful assistant. Call a tool only when one of the tools answers the request; otherwise answer directly."


def trl_tool_template() -> str:
    """The text of TRL's tool-aware ChatML training template (Qwen2.5's), for comparison."""
    return (resources.files("trl") / "chat_templates" / TRL_TEMPLATE_NAME).read_text()


def conversation(query: str, system: str = SYSTEM) -> list[dict]:
    return [{"role": "system", "content": system}, {"role": "user", "content": query}]


def call_message(name: str, arguments: dict) -> dict:
    """An assistant turn that calls a tool, in the `tool_calls` form chat templates read."""
    return {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": name, "arguments": arguments}}]}


def tool_message(content: str) -> dict:
    return {"role": "tool", "content": content}


def result_text(value) -> str:
    """What the tool turn says: a JSON object with the result."""
    return json.dumps({"result": value})


def error_text(message: str) -> str:
    return json.dumps({"error": message})


# ---------------------------------------------------------------------------------------------
# Parsing and validating a model's reply.
class ToolCallError(ValueError):
    """A reply's tool call that cannot run: bad JSON, unknown tool, wrong arguments. The message is
    written for the model: it goes back into the conversation as the tool's reply."""


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict


CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)


def parse_call(reply: str) -> ToolCall | None:
    """The tool call in a reply, or None when the reply calls no tool (a direct answer).

    Raises ToolCallError when the reply opens a <tool_call> block that does not hold a JSON object
    with a string "name" and an object "arguments". Only the first call is read.
    """
    match = CALL.search(reply)
    if match is None:
        return None
    body = match.group(1).strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as err:
        raise ToolCallError(f"the tool call is not valid JSON ({err.msg} at character {err.pos}): {body[:80]!r}") from None
    if not isinstance(data, dict):
        raise ToolCallError(f"the tool call must be a JSON object, got {type(data).__name__}")
    name, arguments = data.get("name"), data.get("arguments", {})
    if not isinstance(name, str) or not name:
        raise ToolCallError('the tool call has no "name" string')
    if not isinstance(arguments, dict):
        raise ToolCallError(f'"arguments" must be a JSON object, got {type(arguments).__name__}')
    return ToolCall(name, arguments)


_JSON_TYPES = {"string": (str,), "number": (int, float), "integer": (int, float), "boolean": (bool,),
               "array": (list,), "object": (dict,)}


def _type_problem(value, spec: dict) -> str | None:
    kind = spec.get("type")
    if kind is None:
        return None
    kinds = kind if isinstance(kind, list) else [kind]
    for k in kinds:
        allowed = _JSON_TYPES.get(k, ())
        if isinstance(value, bool) and k != "boolean":
            continue
        if isinstance(value, allowed) and not (k == "integer" and isinstance(value, float) and not value.is_integer()):
            return None
    return f"expected {' or '.join(kinds)}, got {type(value).__name__} {value!r}"


def validate_call(call: ToolCall, offered: list[dict]) -> None:
    """Check a call against the schemas offered in the prompt: the tool exists, every required argument
    is there, no unknown argument, each value has its type and is one of its choices. Raises ToolCallError."""
    by_name = {s["function"]["name"]: s["function"] for s in offered}
    if call.name not in by_name:
        raise ToolCallError(f"unknown tool {call.name!r}; the tools offered are: {', '.join(by_name)}")
    params = by_name[call.name].get("parameters", {})
    properties = params.get("properties", {})
    missing = [p for p in params.get("required", []) if p not in call.arguments]
    if missing:
        raise ToolCallError(f"{call.name}: missing argument {missing[0]!r}")
    unknown = [a for a in call.arguments if a not in properties]
    if unknown:
        raise ToolCallError(f"{call.name}: unknown argument {unknown[0]!r}; it takes {', '.join(properties)}")
    for arg, value in call.arguments.items():
        problem = _type_problem(value, properties[arg])
        if problem:
            raise ToolCallError(f"{call.name}: argument {arg!r}: {problem}")
        choices = properties[arg].get("enum")
        if choices is not None and value not in choices:
            raise ToolCallError(f"{call.name}: argument {arg!r}: {value!r} is not one of {choices}")


def execute(call: ToolCall, aliases: dict | None = None) -> str:
    """Run a validated call; the tool's result (or its ToolError) as the tool turn's text."""
    real, renamed = resolve_alias(call.name, aliases)
    try:
        return result_text(TOOLS[real](**{renamed.get(k, k): v for k, v in call.arguments.items()}))
    except ToolError as err:
        return error_text(str(err))


@dataclass
class Turn:
    """What one assistant reply led to: the call (None for a direct answer), whether it was valid, and
    the text the tool turn carries back (None when no tool was called)."""

    reply: str
    call: ToolCall | None
    valid: bool
    tool_reply: str | None
    problem: str | None = None


def handle(reply: str, offered: list[dict], aliases: dict | None = None) -> Turn:
    """Parse, validate and run the call in `reply`. Never raises: a bad call's error becomes the tool's reply."""
    try:
        call = parse_call(reply)
    except ToolCallError as err:
        return Turn(reply, None, False, error_text(str(err)), str(err))
    if call is None:
        return Turn(reply, None, True, None)
    try:
        validate_call(call, offered)
    except ToolCallError as err:
        return Turn(reply, call, False, error_text(str(err)), str(err))
    return Turn(reply, call, True, execute(call, aliases))


# ---------------------------------------------------------------------------------------------
# Scoring.
def _same(expected, got) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, str) and isinstance(got, str):
        return expected.strip().casefold() == got.strip().casefold()
    return expected == got


def arguments_match(expected: dict, got: dict) -> bool:
    """The same argument names with the same parsed values: 12 == 12.0, "Peru" == "peru"."""
    return expected.keys() == got.keys() and all(_same(expected[k], got[k]) for k in expected)


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def answer_has(answer: str, value) -> bool:
    """Does a final answer state the tool's result? Numbers are compared as numbers (1,500 == 1500.0),
    text as a case-insensitive whole word or phrase ("German" is not found in "Germany")."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        found = [float(m.replace(",", "")) for m in NUMBER.findall(answer) if m.replace(",", "").strip("-")]
        return any(math.isclose(x, value, rel_tol=1e-9, abs_tol=0.005) for x in found)
    return re.search(rf"(?<!\w){re.escape(str(value).casefold())}(?!\w)", answer.casefold()) is not None


ERROR_WORDS = ("couldn't", "could not", "can't", "cannot", "unable", "unknown", "error", "not a date", "no real", "sorry")


def reports_error(answer: str) -> bool:
    """Does a final answer say the tool failed, instead of inventing a result?"""
    return any(w in answer.casefold() for w in ERROR_WORDS)


# ---------------------------------------------------------------------------------------------
# The loop: user -> reply -> (call -> tool result -> reply)*, batched over many conversations.
def prompt_text(tokenizer, messages: list[dict], offered: list[dict]) -> str:
    return tokenizer.apply_chat_template(messages, tools=offered, tokenize=False, add_generation_prompt=True)


def run_loop(model, tokenizer, rows: list[dict], *, max_calls: int = 1, max_new_tokens: int = 64,
             answer_tokens: int | None = None, batch_size: int = 32, system: str = SYSTEM,
             progress: bool = False) -> list[dict]:
    """Answer each row's `query` with its offered `tools`: generate, run any tool call, feed its result
    back, generate again, up to `max_calls` calls (`answer_tokens` caps the replies after a tool's
    result, `max_new_tokens` the first). Returns per row the first reply, the call it made
    (None for a direct answer), whether the call was valid, what the tool said, and the final answer."""
    from utils.generation import greedy_ragged

    offered = [schemas(r["tools"], r.get("aliases")) for r in rows]
    messages = [conversation(r["query"], system) for r in rows]
    out = [{"first": None, "call": None, "valid": None, "problem": None, "tool_reply": None, "answer": None, "calls": 0}
           for _ in rows]
    active = list(range(len(rows)))
    for round_ in range(max_calls + 1):
        if not active:
            break
        limit = max_new_tokens if round_ == 0 else (answer_tokens or max_new_tokens)
        replies = greedy_ragged(model, tokenizer, [prompt_text(tokenizer, messages[i], offered[i]) for i in active],
                                [limit] * len(active), batch_size=batch_size, progress=progress)
        still = []
        for i, reply in zip(active, replies):
            turn = handle(reply, offered[i], rows[i].get("aliases"))
            if out[i]["first"] is None:
                out[i].update(first=reply, valid=turn.valid, problem=turn.problem,
                              call={"name": turn.call.name, "arguments": turn.call.arguments} if turn.call else None,
                              tool_reply=turn.tool_reply)
            if turn.tool_reply is None or round_ == max_calls:
                out[i]["answer"] = reply
                continue
            out[i]["calls"] += 1
            messages[i] = messages[i] + [{"role": "assistant", "content": reply}, tool_message(turn.tool_reply)]
            still.append(i)
        active = still
    return out


def score(row: dict, outcome: dict) -> dict:
    """The lesson's measures for one row. Call rows: a valid call, the right tool, exact arguments, and
    (end to end) the right tool with a final answer that states the true result. Direct rows: no call
    (abstained). Error rows: the call that meets the error (exact arguments), then an answer that
    reports the error the tool returned instead of stating a result."""
    call = outcome["call"]
    called = call is not None or outcome["problem"] is not None
    s = {"called": called}
    if row["kind"] == "direct":
        s["abstained"] = not called
        return s
    expected = row["call"]
    s["valid"] = called and bool(outcome["valid"])
    s["right_tool"] = s["valid"] and call["name"] == expected["name"]
    s["exact_arguments"] = s["right_tool"] and arguments_match(expected["arguments"], call["arguments"])
    reply = json.loads(row["result"])
    answer = outcome["answer"] or ""
    if row["kind"] == "call":
        s["end_to_end"] = s["right_tool"] and answer_has(answer, reply["result"])
    else:
        got_error = outcome["tool_reply"] is not None and "error" in json.loads(outcome["tool_reply"])
        s["reports_error"] = s["exact_arguments"] and got_error and reports_error(answer)
    return s


def trace_messages(row: dict, system: str = SYSTEM, arguments_as_text: bool = False) -> list[dict]:
    """A data row as the whole conversation a good assistant has: the call, the tool's reply and the
    answer, or just the answer. `arguments_as_text` stores the call's arguments as JSON text, which
    `datasets` keeps intact (a column of dicts with different keys is padded with nulls)."""
    messages = conversation(row["query"], system)
    if row["kind"] != "direct":
        args = row["call"]["arguments"]
        messages += [call_message(row["call"]["name"], json.dumps(args) if arguments_as_text else args), tool_message(row["result"])]
    return messages + [{"role": "assistant", "content": row["answer"]}]
