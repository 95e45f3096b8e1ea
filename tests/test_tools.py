"""Lesson 08's tools, schemas, chat template, call parser, validator, loop and scoring."""

import json

import pytest

from utils import tools as T


def test_every_tool_has_a_schema_and_the_two_groups_do_not_overlap():
    assert not set(T.TRAIN_TOOLS) & set(T.HELDOUT_TOOLS)
    for name in T.TOOLS:
        s = T.schema(name)["function"]
        assert s["name"] == name and s["description"] and "return" not in s
        assert set(s["parameters"]["required"]) == set(s["parameters"]["properties"])
    assert T.schema("convert_length")["function"]["parameters"]["properties"]["to_unit"]["enum"] == ["kilometers", "miles", "meters", "feet"]
    with pytest.raises(KeyError, match="unknown tool"):
        T.schema("launch_rocket")


def test_tools_compute_real_results():
    assert T.add_numbers(2, 3) == 5 and T.subtract_numbers(10, 4.5) == 5.5
    assert T.convert_length(1, "miles", "kilometers") == 1.61
    assert T.convert_temperature(100, "celsius", "fahrenheit") == 212
    assert T.convert_volume(1, "gallons", "liters") == 3.79
    assert T.days_between("2024-02-28", "2024-03-01") == 2  # a leap year
    assert T.add_days("2024-02-20", 10) == "2024-03-01"
    assert T.weekday_of("2025-12-25") == "Thursday"
    assert T.capital_of("peru") == "Lima"  # lookups ignore case
    assert T.gcd(84, 36) == 12 and T.next_prime(13) == 17 and T.next_prime(1) == 2
    assert T.count_letter("Mississippi", "s") == 4 and T.count_vowels("Banana") == 3
    assert T.calculate("(3 + 4) * 2") == 14 and T.calculate("7 / 2") == 3.5


@pytest.mark.parametrize("call", [
    lambda: T.capital_of("Atlantis"), lambda: T.weekday_of("2025-02-30"), lambda: T.square_root(-4),
    lambda: T.convert_length(3, "km", "miles"), lambda: T.count_letter("word", "wo"),
])
def test_a_tool_that_cannot_answer_raises_a_tool_error(call):
    with pytest.raises(T.ToolError):
        call()


@pytest.mark.parametrize("expression", ["__import__('os').system('ls')", "open('x')", "2 ** 1000", "1 / 0", "x + 1", "[1, 2]", "True + 1"])
def test_the_calculator_evaluates_arithmetic_only(expression):
    with pytest.raises(T.ToolError):
        T.safe_eval(expression)


def test_parse_call_reads_the_first_call_or_none():
    assert T.parse_call("Paris is the capital.") is None
    call = T.parse_call('<tool_call>{"name": "gcd", "arguments": {"a": 4, "b": 6}}</tool_call>')
    assert call == T.ToolCall("gcd", {"a": 4, "b": 6})
    unclosed = T.parse_call('Let me check. <tool_call>{"name": "capital_of", "arguments": {"country": "Peru"}}')
    assert unclosed.name == "capital_of"
    assert T.parse_call('<tool_call>{"name": "reverse_word"}</tool_call>').arguments == {}


@pytest.mark.parametrize("reply, message", [
    ('<tool_call>{"name": "gcd", "arguments": {"a": 4, b: 6}}</tool_call>', "not valid JSON"),
    ("<tool_call>[1, 2]</tool_call>", "JSON object"),
    ('<tool_call>{"arguments": {}}</tool_call>', '"name"'),
    ('<tool_call>{"name": "gcd", "arguments": [4, 6]}</tool_call>', '"arguments" must be'),
])
def test_malformed_calls_raise_a_clear_error(reply, message):
    with pytest.raises(T.ToolCallError, match=message):
        T.parse_call(reply)


OFFERED = T.schemas(["gcd", "convert_length", "capital_of"])


@pytest.mark.parametrize("call, message", [
    (T.ToolCall("get_capital", {"country": "Peru"}), "unknown tool 'get_capital'; the tools offered are: gcd, convert_length, capital_of"),
    (T.ToolCall("atomic_number", {"element": "gold"}), "unknown tool"),  # exists, but was not offered
    (T.ToolCall("gcd", {"a": 4}), "missing argument 'b'"),
    (T.ToolCall("gcd", {"a": 4, "b": 6, "c": 8}), "unknown argument 'c'"),
    (T.ToolCall("gcd", {"a": 4, "b": "six"}), "expected integer, got str"),
    (T.ToolCall("gcd", {"a": 4, "b": 6.5}), "expected integer"),
    (T.ToolCall("gcd", {"a": True, "b": 6}), "expected integer, got bool"),
    (T.ToolCall("convert_length", {"value": 3, "from_unit": "km", "to_unit": "miles"}), "is not one of"),
])
def test_validate_call_checks_against_the_offered_schemas(call, message):
    with pytest.raises(T.ToolCallError, match=message.replace("(", r"\(")):
        T.validate_call(call, OFFERED)


def test_validate_accepts_good_calls_including_whole_floats_for_integers():
    T.validate_call(T.ToolCall("gcd", {"a": 4, "b": 6.0}), OFFERED)
    T.validate_call(T.ToolCall("convert_length", {"value": 2.5, "from_unit": "feet", "to_unit": "meters"}), OFFERED)


def test_handle_never_raises_and_puts_every_problem_in_the_tool_reply():
    ok = T.handle('<tool_call>{"name": "capital_of", "arguments": {"country": "Peru"}}</tool_call>', OFFERED)
    assert ok.valid and json.loads(ok.tool_reply) == {"result": "Lima"}
    failed = T.handle('<tool_call>{"name": "capital_of", "arguments": {"country": "Atlantis"}}</tool_call>', OFFERED)
    assert failed.valid and "unknown country" in json.loads(failed.tool_reply)["error"]  # the tool ran and said no
    for bad in ["<tool_call>{oops</tool_call>", '<tool_call>{"name": "nope", "arguments": {}}</tool_call>',
                '<tool_call>{"name": "gcd", "arguments": {"a": "x", "b": 1}}</tool_call>']:
        turn = T.handle(bad, OFFERED)
        assert not turn.valid and turn.problem and json.loads(turn.tool_reply)["error"] == turn.problem
    direct = T.handle("Lima.", OFFERED)
    assert direct.valid and direct.call is None and direct.tool_reply is None


def test_aliases_rename_the_shown_tool_and_still_run_the_real_one():
    offered = T.schemas(["my_gcd"], aliases={"my_gcd": "gcd"})
    assert offered[0]["function"]["name"] == "my_gcd"
    turn = T.handle('<tool_call>{"name": "my_gcd", "arguments": {"a": 8, "b": 12}}</tool_call>', offered, {"my_gcd": "gcd"})
    assert turn.valid and json.loads(turn.tool_reply) == {"result": 4}


def test_aliases_can_rename_the_arguments_too():
    aliases = {"gratuity": {"tool": "tip_amount", "arguments": {"total_bill": "bill", "pct": "percent"}}}
    offered = T.schemas(["gratuity", "gcd"], aliases)
    params = offered[0]["function"]["parameters"]
    assert offered[0]["function"]["name"] == "gratuity" and list(params["properties"]) == ["total_bill", "pct"]
    assert params["required"] == ["total_bill", "pct"] and offered[1] == T.schema("gcd")
    assert T.resolve_alias("gratuity", aliases) == ("tip_amount", {"total_bill": "bill", "pct": "percent"})
    assert T.resolve_alias("gcd", aliases) == ("gcd", {})
    turn = T.handle('<tool_call>{"name": "gratuity", "arguments": {"total_bill": 80, "pct": 15}}</tool_call>', offered, aliases)
    assert turn.valid and json.loads(turn.tool_reply) == {"result": T.tip_amount(80, 15)}
    real_names = T.handle('<tool_call>{"name": "gratuity", "arguments": {"bill": 80, "percent": 15}}</tool_call>', offered, aliases)
    assert not real_names.valid and "missing argument 'total_bill'" in real_names.problem  # the shown names are the ones that count


def test_arguments_match_compares_parsed_values():
    assert T.arguments_match({"value": 12, "unit": "Miles"}, {"value": 12.0, "unit": "miles "})
    assert not T.arguments_match({"value": 12}, {"value": 12.5})
    assert not T.arguments_match({"value": 12}, {"value": "12"})  # a string is not a number
    assert not T.arguments_match({"a": 1, "b": 2}, {"a": 1})
    assert not T.arguments_match({"flag": True}, {"flag": 1})


def test_answer_has_finds_the_result_as_a_value():
    assert T.answer_has("That is 1,500 metres.", 1500)
    assert T.answer_has("About 7.46 miles.", 7.46) and not T.answer_has("About 7.5 miles.", 7.46)
    assert T.answer_has("It is -40 degrees.", -40)
    assert T.answer_has("The capital of Peru is Lima.", "Lima") and not T.answer_has("It is Cusco.", "Lima")
    assert T.answer_has("They speak german.", "German") and not T.answer_has("It is spoken in Germany.", "German")
    assert T.reports_error("I couldn't get that: unknown mountain.") and not T.reports_error("It is 8849 metres high.")


def _tokenizer():
    from utils.models import load_tokenizer, resolve_model

    tokenizer = load_tokenizer(resolve_model("instruct", "ci"))
    tokenizer.chat_template = T.TOOL_TEMPLATE
    return tokenizer


def test_template_renders_tools_calls_and_results_and_marks_assistant_turns():
    tokenizer = _tokenizer()
    row = {"kind": "call", "query": "What is the gcd of 8 and 12?", "call": {"name": "gcd", "arguments": {"a": 8, "b": 12}},
           "result": T.result_text(4), "answer": "The gcd of 8 and 12 is 4."}
    text = tokenizer.apply_chat_template(T.trace_messages(row), tools=OFFERED, tokenize=False)
    # each tool: its description, then the call it takes as a skeleton to copy
    assert '- The greatest common divisor of two whole numbers. {"name": "gcd", "arguments": {"a": <integer>, "b": <integer>}}' in text
    assert '"from_unit": "<kilometers|miles|meters|feet>"' in text
    assert '<|im_start|>assistant\n<tool_call>{"name": "gcd", "arguments": {"a": 8, "b": 12}}</tool_call><|im_end|>' in text
    assert '<|im_start|>tool\n{"result": 4}<|im_end|>' in text
    as_text = tokenizer.apply_chat_template(T.trace_messages(row, arguments_as_text=True), tools=OFFERED, tokenize=False)
    assert as_text == text  # arguments stored as JSON text render the same
    enc = tokenizer.apply_chat_template(T.trace_messages(row), tools=OFFERED, tokenize=True, return_dict=True,
                                        return_assistant_tokens_mask=True)
    trained = tokenizer.decode([t for t, m in zip(enc["input_ids"], enc["assistant_masks"]) if m])
    assert trained == ('<tool_call>{"name": "gcd", "arguments": {"a": 8, "b": 12}}</tool_call><|im_end|>\n'
                       "The gcd of 8 and 12 is 4.<|im_end|>\n")
    # the prompt for the next reply is a prefix of the whole conversation (what the loop and the mask rely on)
    prefix = tokenizer.apply_chat_template(T.trace_messages(row)[:4], tools=OFFERED, tokenize=False, add_generation_prompt=True)
    assert text.startswith(prefix)


def test_score_counts_each_measure():
    row = {"kind": "call", "call": {"name": "gcd", "arguments": {"a": 8, "b": 12}}, "result": T.result_text(4)}
    good = {"call": {"name": "gcd", "arguments": {"a": 8, "b": 12}}, "valid": True, "problem": None, "answer": "It is 4.",
            "tool_reply": T.result_text(4)}
    assert T.score(row, good) == {"called": True, "valid": True, "right_tool": True, "exact_arguments": True, "end_to_end": True}
    wrong_args = {**good, "call": {"name": "gcd", "arguments": {"a": 8, "b": 10}}, "answer": "It is 2."}
    assert T.score(row, wrong_args)["exact_arguments"] is False and T.score(row, wrong_args)["right_tool"] is True
    lucky = {**good, "call": {"name": "add_numbers", "arguments": {"a": 2, "b": 2}}}  # wrong tool, right number in the answer
    assert T.score(row, lucky)["end_to_end"] is False
    invalid = {"call": None, "valid": False, "problem": "not valid JSON", "answer": "...", "tool_reply": T.error_text("not valid JSON")}
    assert T.score(row, invalid) == {"called": True, "valid": False, "right_tool": False, "exact_arguments": False, "end_to_end": False}
    direct = {"kind": "direct"}
    assert T.score(direct, {"call": None, "problem": None})["abstained"] is True
    assert T.score(direct, invalid)["abstained"] is False  # a broken call is still a call


def test_an_error_counts_as_reported_only_after_the_call_that_meets_it():
    row = {"kind": "error", "call": {"name": "capital_of", "arguments": {"country": "Atlantis"}},
           "result": T.error_text("unknown country: 'Atlantis'")}
    reported = {"call": row["call"], "valid": True, "problem": None, "tool_reply": row["result"],
                "answer": "I couldn't get that: the capital_of tool said unknown country: 'Atlantis'."}
    assert T.score(row, reported)["reports_error"] is True
    invented = {**reported, "answer": "The capital of Atlantis is Poseidonia."}
    assert T.score(row, invented)["reports_error"] is False
    other_error = {**reported, "call": {"name": "capital_of", "arguments": {"country": "10"}},
                   "tool_reply": T.error_text("unknown country: '10'")}  # an error the model caused itself
    assert T.score(row, other_error)["reports_error"] is False
    invalid = {"call": None, "valid": False, "problem": "not valid JSON", "tool_reply": T.error_text("not valid JSON"),
               "answer": "I couldn't get that."}
    assert T.score(row, invalid)["reports_error"] is False
