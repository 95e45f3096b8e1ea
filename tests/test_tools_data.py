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
        real = [T.resolve_alias(t, r.get("aliases"))[0] for t in r["tools"]]
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
    assert not any("aliases" in r for r in heldout)  # the held-out rows show every tool under its real name
    renamed = [r for r in train if "aliases" in r]
    assert 0.4 <= len(renamed) / len(train) <= 0.6  # about half the training rows (RENAME_SHARE) are renamed
    assert Counter(r["kind"] for r in renamed).keys() == {"call", "direct", "error"}


def test_renamed_rows_use_no_held_out_name_and_no_real_tool_name(rows):
    train, _ = rows
    gen = _generator()
    held_out_words = set(T.HELDOUT_TOOLS) | {a for t in T.HELDOUT_TOOLS for a in T.schema(t)["function"]["parameters"]["properties"]}
    training_arguments = {a for t in T.TRAIN_TOOLS for a in T.schema(t)["function"]["parameters"]["properties"]}
    # the name bank: no held-out tool or argument name (those would leak the test), no real tool's name,
    # and no name shared by two tools
    names = [n for tool_names, _ in gen.OTHER_NAMES.values() for n in tool_names]
    assert len(names) == len(set(names)) and not set(names) & (set(T.TOOLS) | held_out_words)
    assert set(gen.OTHER_NAMES) == set(T.TRAIN_TOOLS)
    for r in train:
        for shown, alias in r.get("aliases", {}).items():
            assert shown not in T.TOOLS and shown in gen.OTHER_NAMES[alias["tool"]][0], r["id"]
            assert not set(alias["arguments"]) & (held_out_words - training_arguments), r["id"]
            params = T.schema(alias["tool"])["function"]["parameters"]["properties"]
            assert sorted(alias["arguments"].values()) == sorted(params), r["id"]  # every argument renamed
        if "aliases" in r and r["kind"] == "error":
            assert f"the {r['call']['name']} tool said" in r["answer"], r["id"]  # the answer names the tool as shown


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
            assert r["near_miss"] in r["tools"], r["id"]


def test_loader_names_file_line_and_field(tmp_path):
    good = (DATA_DIR / "tools_train.jsonl").read_text().splitlines()
    cases = {
        "unknown tool": ("tools", lambda d: {**{k: v for k, v in d.items() if k != "aliases"}, "tools": ["launch_rocket", *d["tools"][1:]]}),
        "call not offered": ("call", lambda d: {**{k: v for k, v in d.items() if k != "aliases"}, "tools": ["add_numbers", "capital_of", "gcd"],
                                                "kind": "call", "call": {"name": "reverse_word", "arguments": {"word": "x"}}, "result": '{"result": "x"}'}),
        "direct with call": ("call", lambda d: {**{k: v for k, v in d.items() if k != "aliases"}, "tools": ["add_numbers", "capital_of", "gcd"],
                                                "kind": "direct", "call": {"name": "gcd", "arguments": {}}}),
        "missing result": ("result", lambda d: {**{k: v for k, v in d.items() if k not in ("aliases", "result")}, "kind": "call",
                                                "tools": ["add_numbers", "capital_of", "gcd"], "call": {"name": "gcd", "arguments": {"a": 1, "b": 2}}}),
    }
    renamed = json.loads(next(line for line in good if '"aliases"' in line and '"kind": "call"' in line))
    shown = renamed["call"]["name"]
    cases.update({
        "alias not offered": ("aliases", lambda d: {**renamed, "aliases": {**renamed["aliases"], "ghost": "gcd"}}),
        "alias to nothing": ("aliases", lambda d: {**renamed, "aliases": {**renamed["aliases"], shown: {"arguments": {}}}}),
        "alias renames an argument the tool lacks": ("aliases", lambda d: {**renamed, "aliases": {
            **renamed["aliases"], shown: {**renamed["aliases"][shown], "arguments": {"zz": "no_such_argument"}}}}),
        "call uses the real argument names": ("call", lambda d: {**renamed, "call": {
            "name": shown, "arguments": {real: v for (_, real), v in zip(renamed["aliases"][shown]["arguments"].items(),
                                                                         renamed["call"]["arguments"].values())}}}),
    })
    for case, (field, edit) in cases.items():
        path = tmp_path / f"{case.replace(' ', '_')}.jsonl"
        lines = list(good[:3]) + [json.dumps(edit(json.loads(good[3])))]
        path.write_text("\n".join(lines) + "\n")
        with pytest.raises(DataError, match=rf"{path.name}:4: field '{field}'"):
            load_tool_traces(path)
