"""Lesson 08's generated tool-use traces: determinism, the held-out split, and every row's consistency."""

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from utils import tools as T
from utils.data import DATA_DIR, DataError, load_tool_traces

GENERATOR = Path(__file__).resolve().parents[1] / "data" / "generators" / "make_tools.py"


@pytest.fixture(scope="module")
def rows():
    return load_tool_traces("tools_train.jsonl"), load_tool_traces("tools_heldout.jsonl")


def _generator():
    spec = importlib.util.spec_from_file_location("make_tools", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_rebuilds_the_shipped_files_byte_for_byte(tmp_path):
    gen = _generator()
    train, heldout = gen.build()
    for rows_, name in ((train, "tools_train.jsonl"), (heldout, "tools_heldout.jsonl")):
        gen.write(rows_, tmp_path / name)
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), f"{name} differs from the generator's output"


def test_held_out_tools_never_appear_in_training(rows):
    train, heldout = rows
    for r in train:
        real = [r.get("aliases", {}).get(t, t) for t in r["tools"]]
        assert not set(real) & set(T.HELDOUT_TOOLS), r["id"]
    for r in heldout:  # held-out rows offer tools from one pool only, under their real names
        assert set(r["tools"]) <= set(T.HELDOUT_TOOLS if r["tool_split"] == "heldout" else T.TRAIN_TOOLS), r["id"]


def test_every_held_out_tool_is_tested_ten_times(rows):
    _, heldout = rows
    calls = Counter(r["call"]["name"] for r in heldout if r["kind"] == "call" and r["tool_split"] == "heldout")
    assert calls == {name: 10 for name in T.HELDOUT_TOOLS}


def test_held_out_queries_are_new(rows):
    train, heldout = rows
    assert not {r["query"] for r in train} & {r["query"] for r in heldout}
    gen = _generator()
    for tool, (_, train_templates, heldout_templates, _) in gen.SPECS.items():
        assert not set(train_templates or []) & set(heldout_templates), tool


def test_counts_and_kinds(rows):
    train, heldout = rows
    assert Counter(r["kind"] for r in train) == {"call": 176, "direct": 40, "error": 18}
    assert Counter((r["kind"], r["tool_split"]) for r in heldout) == {
        ("call", "heldout"): 80, ("call", "train"): 44, ("direct", "heldout"): 40, ("error", "heldout"): 16}
    assert not any("aliases" in r for r in train + heldout)  # renaming is exercise 5's experiment, not the shipped data


def test_every_call_validates_and_its_result_is_what_the_tool_returns(rows):
    for r in rows[0] + rows[1]:
        assert len(r["tools"]) == 3 == len(set(r["tools"]))
        if r["kind"] == "direct":
            assert "call" not in r
            continue
        offered = T.schemas(r["tools"], r.get("aliases"))
        call = T.ToolCall(r["call"]["name"], r["call"]["arguments"])
        T.validate_call(call, offered)
        assert T.execute(call, r.get("aliases")) == r["result"], r["id"]
        reply = json.loads(r["result"])
        if r["kind"] == "call":
            assert T.answer_has(r["answer"], reply["result"]), r["id"]
        else:
            assert "error" in reply and T.reports_error(r["answer"]), r["id"]


def test_direct_rows_offer_no_tool_that_answers_them_and_near_misses_offer_their_topic(rows):
    for r in rows[0] + rows[1]:
        if r["kind"] == "direct" and "near_miss" in r:
            real = [r.get("aliases", {}).get(t, t) for t in r["tools"]]
            assert r["near_miss"] in real, r["id"]


def test_loader_names_file_line_and_field(tmp_path):
    good = (DATA_DIR / "tools_train.jsonl").read_text().splitlines()
    cases = {
        "unknown tool": ("tools", lambda d: {**d, "tools": ["launch_rocket", *d["tools"][1:]]}),
        "call not offered": ("call", lambda d: {**{k: v for k, v in d.items() if k != "aliases"}, "tools": ["add_numbers", "capital_of", "gcd"],
                                                "kind": "call", "call": {"name": "reverse_word", "arguments": {"word": "x"}}, "result": '{"result": "x"}'}),
        "direct with call": ("call", lambda d: {**{k: v for k, v in d.items() if k != "aliases"}, "tools": ["add_numbers", "capital_of", "gcd"],
                                                "kind": "direct", "call": {"name": "gcd", "arguments": {}}}),
        "missing result": ("result", lambda d: {**{k: v for k, v in d.items() if k not in ("aliases", "result")}, "kind": "call",
                                                "tools": ["add_numbers", "capital_of", "gcd"], "call": {"name": "gcd", "arguments": {"a": 1, "b": 2}}}),
    }
    for case, (field, edit) in cases.items():
        path = tmp_path / f"{case.replace(' ', '_')}.jsonl"
        lines = list(good[:3]) + [json.dumps(edit(json.loads(good[3])))]
        path.write_text("\n".join(lines) + "\n")
        with pytest.raises(DataError, match=rf"{path.name}:4: field '{field}'"):
            load_tool_traces(path)
