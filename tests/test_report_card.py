"""Lesson 09's report card: which adapters make each stage, prompts, scoring, paired changes, saved files."""

import json
import os
import time

import pytest

from utils import report_card as RC
from utils.data import load_plain_text


def make_adapter(folder, mtime):
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    os.utime(folder / "adapter_config.json", (mtime, mtime))
    return folder


def stage(name):
    return next(s for s in RC.STAGES if s.name == name)


def test_a_stacked_stage_uses_the_earlier_adapter_that_existed_when_the_later_one_was_saved(tmp_path):
    now = time.time()
    old_sft = make_adapter(tmp_path / "02_sft_qlora" / "adapter.20261101-100000", now - 300)
    make_adapter(tmp_path / "02_sft_qlora" / "adapter", now - 100)  # lesson 02 ran again after lesson 04
    ppo = make_adapter(tmp_path / "04_rl_from_reward_model" / "ppo_policy", now - 200)
    assert RC.stage_adapters(stage("PPO"), tmp_path) == [old_sft, ppo]
    assert RC.stage_adapters(stage("SFT"), tmp_path) == [tmp_path / "02_sft_qlora" / "adapter"]  # the newest


def test_a_missing_stage_says_which_lesson_to_run(tmp_path):
    with pytest.raises(RC.MissingStage, match="run lesson 07 first"):
        RC.stage_adapters(stage("safety"), tmp_path)
    make_adapter(tmp_path / "04_rl_from_reward_model" / "grpo_policy", time.time() - 100)
    make_adapter(tmp_path / "02_sft_qlora" / "adapter", time.time())  # only a newer SFT than the policy
    with pytest.raises(RC.MissingStage, match="02_sft_qlora/adapter, saved before 04_rl_from_reward_model/grpo_policy"):
        RC.stage_adapters(stage("GRPO"), tmp_path)
    assert RC.stage_adapters(stage("instruct"), tmp_path) == []  # nothing to merge


def test_every_stage_starts_from_an_earlier_stage_and_every_column_is_unique():
    seen = set()
    for s in RC.STAGES:
        assert s.start is None or s.start in seen, s
        seen.add(s.name)
    assert len({c.key for c in RC.COLUMNS}) == len(RC.COLUMNS)


def test_raw_prompts_drop_the_role_markers_and_tool_prompts_list_the_tools():
    from utils.models import load_tokenizer, resolve_model
    from utils.tools import schemas

    tokenizer = load_tokenizer(resolve_model("instruct", "ci", verbose=False))
    messages = RC.user("How do I fix my car?", "Solve the problem.")
    raw = RC.prompt_text(tokenizer, messages, raw=True)
    assert raw == "Solve the problem.\nHow do I fix my car?\n"
    chat = RC.prompt_text(tokenizer, messages, raw=False)
    assert chat.startswith("<|im_start|>system\nSolve the problem.") and chat.endswith("<|im_start|>assistant\n")
    offered = schemas(["add_numbers", "capital_of"])
    tool_prompt = RC.prompt_text(tokenizer, RC.user("Add 2 and 3."), raw=False, tools=offered)
    skeleton = '{"name": "add_numbers", "arguments": {"a": <number>, "b": <number>}}'
    assert skeleton in tool_prompt and "<tool_call>" in tool_prompt
    raw_tools = RC.prompt_text(tokenizer, RC.user("Add 2 and 3."), raw=True, tools=offered)
    assert "<|im_start|>" not in raw_tools and skeleton in raw_tools


def fake_card():
    """instruct -> safety: refuses far more harmful requests (an effect), and far more look-alikes too."""
    card = RC.Card("ci", suite={"harmful_refused": 40, "lookalikes_refused": 40, "text_loss": 4})
    base = {"harmful_refused": [0.0] * 40, "lookalikes_refused": [0.0] * 40, "text_loss": [2.0, 2.1, 2.2, 2.3]}
    safety = {"harmful_refused": [1.0] * 36 + [0.0] * 4, "lookalikes_refused": [1.0] * 20 + [0.0] * 20,
              "text_loss": [2.0, 2.2, 2.1, 2.3]}
    card.stages["instruct"] = {"built": "instruct", "scores": base, "text_chars": [10, 10, 10, 10], "replies": {}}
    card.stages["safety"] = {"built": "instruct + 07", "scores": safety, "text_chars": [10, 10, 10, 10], "replies": {}}
    card.stages["tools"] = {"missing": "08_tool_use/tools_adapter is missing: run lesson 08 first, in this profile"}
    return card


def test_changes_are_paired_and_a_tradeoff_needs_an_effect_on_both_sides():
    card = fake_card()
    by_column = {r["column"]: r for r in RC.changes(card)}
    assert by_column["harmful_refused"]["verdict"] == "better"
    assert by_column["lookalikes_refused"]["verdict"] == "worse"  # lower is better there
    assert by_column["text_loss"]["verdict"] == "no clear change"
    assert by_column["harmful_refused"]["difference"].value == pytest.approx(0.9)
    (line,) = RC.tradeoffs(card)
    assert line.startswith("safety (from instruct): better on harmful refused +90 pts")
    assert "worse on look-alikes refused +50 pts" in line
    card.stages["safety"]["scores"]["lookalikes_refused"] = [1.0] + [0.0] * 39  # one row: no clear change
    assert RC.tradeoffs(card) == []


def test_the_saved_card_lists_missing_stages_and_loads_back(tmp_path):
    card = fake_card()
    paths = RC.save(card, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report_card.json", "report_card.md", "report_card.png"]
    text = paths["md"].read_text()
    assert "- tools: 08_tool_use/tools_adapter is missing" in text and "| safety | " in text and "| tools | missing |" in text
    data = json.loads(paths["json"].read_text())
    assert data["estimates"]["safety"]["harmful_refused"]["value"] == pytest.approx(0.9)
    again = RC.load(paths["json"])
    assert again.present() == ["instruct", "safety"] and RC.tradeoffs(again) == RC.tradeoffs(card)


def test_plain_text_is_held_out_prose():
    rows = load_plain_text()
    assert len(rows) == 48
    topics = {}
    for r in rows:
        topics[r["topic"]] = topics.get(r["topic"], 0) + 1
        assert 70 <= len(r["text"].split()) <= 110 and r["text"].isascii() and "\n" not in r["text"]
    assert set(topics.values()) == {6} and len(topics) == 8


def test_one_stage_is_scored_on_every_column_and_instruct_does_not_drift_from_itself():
    import torch

    from utils.models import load_model, load_tokenizer, resolve_model
    from utils.profiles import ReportCardSizes

    sizes = ReportCardSizes(n_style=2, n_clarify=2, n_preferences=2, n_reasoning=2, n_safety=1, n_tools=2, n_texts=2,
                            reply_tokens=6, reasoning_tokens=6, refusal_tokens=6, call_tokens=8, generation_batch=16,
                            recipe_steps=1)
    suite = RC.build_suite(sizes, "ci")
    resolved = resolve_model("instruct", "ci", verbose=False)
    tokenizer, model = load_tokenizer(resolved), load_model(resolved, device=torch.device("cpu"))
    result = RC.evaluate_stage(model, tokenizer, stage("instruct"), suite, sizes, reference=model)
    expected = {c.key for c in RC.COLUMNS} - {"reward"}  # no reward model given
    assert set(result["scores"]) == expected
    assert [len(result["scores"][k]) for k in ("assistant_style", "harmful_refused", "tool_calls", "text_loss")] == [2, 1, 2, 2]
    assert max(result["scores"]["kl"]) < 1e-4
    # the plain-text loss is the model's own summed next-token loss on each text alone (the shorter one was
    # padded), per character of the text
    assert result["text_chars"] == [len(t["text"]) for t in suite.texts]
    for text, loss in zip(suite.texts, result["scores"]["text_loss"]):
        ids = tokenizer(text["text"], return_tensors="pt", add_special_tokens=False).input_ids
        with torch.no_grad():
            own = model(input_ids=ids, labels=ids).loss.item()
        assert loss == pytest.approx(own * (ids.shape[1] - 1) / len(text["text"]), rel=1e-4)
    assert len({len(tokenizer(t["text"]).input_ids) for t in suite.texts}) == 2  # so one of them was padded


def test_a_stage_built_from_the_model_in_memory_leaves_that_model_untouched(tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model

    from utils.models import load_model, resolve_model

    resolved = resolve_model("instruct", "ci", verbose=False)
    reference = load_model(resolved, device=torch.device("cpu"))
    before = {k: v.clone() for k, v in reference.state_dict().items()}
    trained = get_peft_model(load_model(resolved, device=torch.device("cpu")),
                             LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False))  # a non-zero update
    trained.save_pretrained(tmp_path / "07_safety_refusals" / "mixed_adapter")
    model, built = RC.load_stage(stage("safety"), "ci", tmp_path, reference=(resolved, reference))
    assert model is not reference and built.endswith("07_safety_refusals/mixed_adapter")
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(model.state_dict()[name], before[name])  # the adapter was merged into the copy
    assert all(torch.equal(v, before[k]) for k, v in reference.state_dict().items())  # and not into the reference


def test_a_tool_reply_is_done_once_its_call_closes_or_once_it_answers_without_one():
    assert RC.call_done('<tool_call>{"name": "add", "arguments": {"a": 1}}</tool_call>')
    assert not RC.call_done('<tool_call>{"name": "add", "argu')  # a call still being written
    assert not RC.call_done("  <tool")  # may still become a call
    assert not RC.call_done("")
    assert RC.call_done("The answer is 4")  # began as a direct answer: no call follows in this column


def test_the_pretrained_base_is_prompted_as_a_plain_document_with_its_own_tokenizer():
    """Offline, base is Gemma: its raw prompts start with <bos> and carry no chat markers, and its
    plain-text loss is per character, so it compares with SmolLM2's; it has no KL to instruct."""
    import torch

    from utils.models import load_model, load_tokenizer, resolve_model
    from utils.profiles import ReportCardSizes

    sizes = ReportCardSizes(n_style=1, n_clarify=1, n_preferences=1, n_reasoning=1, n_safety=1, n_tools=1, n_texts=1,
                            reply_tokens=4, reasoning_tokens=4, refusal_tokens=4, call_tokens=4, generation_batch=16,
                            recipe_steps=1)
    suite = RC.build_suite(sizes, "ci")
    resolved = resolve_model("base", "ci", verbose=False)
    tokenizer = load_tokenizer(resolved)
    prompts = RC.suite_prompts(tokenizer, suite, sizes, raw=True)
    for texts, _ in prompts.values():
        assert all(t.startswith("<bos>") and "<|im_start|>" not in t and "<bos><bos>" not in t for t in texts)
    result = RC.evaluate_stage(load_model(resolved, device=torch.device("cpu")), tokenizer, stage("base"), suite, sizes)
    assert "kl" not in result["scores"] and 0.2 < result["scores"]["text_loss"][0] < 2.0
