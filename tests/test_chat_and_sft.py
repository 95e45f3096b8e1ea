"""Lesson 02: the assistant-only loss mask, conversation validation, the compliance check, LoRA adapters."""

import json

import pytest
import torch

from utils import models
from utils.behaviors import clarify_or_answer
from utils.chat import IGNORE, collate, masked_cross_entropy, tokenize_with_assistant_mask, to_prompt_completion
from utils.data import DATA_DIR, DataError, load_conversations


@pytest.fixture(scope="module")
def tokenizer():
    path = models.prepare_bundled_model()
    return models.load_tokenizer(models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(path), "bundled", False))


def trained_text(tokenizer, example):
    return tokenizer.decode([t for t, label in zip(example["input_ids"], example["labels"]) if label != IGNORE])


def test_mask_covers_exactly_the_assistant_turns_of_a_multi_turn_chat_with_system_message(tokenizer):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "How do I fix my car?"},
        {"role": "assistant", "content": "What is wrong with it?"},
        {"role": "user", "content": "It will not start."},
        {"role": "assistant", "content": "Check the battery."},
    ]
    example = tokenize_with_assistant_mask(tokenizer, messages)
    assert trained_text(tokenizer, example) == "What is wrong with it?<|im_end|>\nCheck the battery.<|im_end|>\n"
    untrained = tokenizer.decode([t for t, label in zip(example["input_ids"], example["labels"]) if label == IGNORE])
    for text in ("Be brief.", "How do I fix my car?", "It will not start.", "<|im_start|>assistant\n"):
        assert text in untrained
    assert len(example["labels"]) == len(example["input_ids"])


def test_labels_equal_input_ids_wherever_they_are_trained(tokenizer):
    example = tokenize_with_assistant_mask(tokenizer, [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}])
    assert all(label in (IGNORE, token) for token, label in zip(example["input_ids"], example["labels"]))


def test_truncation_at_max_length_keeps_ids_and_labels_aligned(tokenizer):
    messages = [{"role": "user", "content": "Count."}, {"role": "assistant", "content": " ".join(["one two three"] * 20)}]
    full = tokenize_with_assistant_mask(tokenizer, messages)
    cut = tokenize_with_assistant_mask(tokenizer, messages, max_length=50)
    assert len(cut["input_ids"]) == len(cut["labels"]) == 50
    assert cut["input_ids"] == full["input_ids"][:50] and cut["labels"] == full["labels"][:50]
    assert cut["labels"][-1] != IGNORE  # the cut falls inside the long assistant reply


def test_masked_cross_entropy_ignores_masked_and_padded_positions():
    logits = torch.randn(2, 5, 7)
    labels = torch.tensor([[IGNORE, 3, 4, IGNORE, IGNORE], [IGNORE, IGNORE, 1, 2, 6]])
    expected = torch.stack([
        torch.nn.functional.cross_entropy(logits[b, t - 1][None], labels[b, t][None])
        for b in range(2) for t in range(1, 5) if labels[b, t] != IGNORE
    ]).mean()
    assert torch.allclose(masked_cross_entropy(logits, labels), expected)


def test_collate_pads_with_ignored_labels():
    batch = collate([{"input_ids": [5, 6, 7], "labels": [IGNORE, 6, 7]}, {"input_ids": [8], "labels": [8]}], pad_id=0)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE, 6, 7], [8, IGNORE, IGNORE]]


def test_prompt_completion_split_puts_the_last_assistant_turn_in_the_completion():
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    assert to_prompt_completion(messages) == {"prompt": messages[:1], "completion": messages[1:]}
    with pytest.raises(ValueError, match="end with an assistant"):
        to_prompt_completion(messages[:1])


def conversation_line(messages):
    return json.dumps({"id": "c1", "kind": "vague", "topic": "repair", "messages": messages})


@pytest.mark.parametrize(
    "messages, problem",
    [
        ([{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Yo"}], r"messages\[0\]\.role: expected 'user', got 'assistant'"),
        ([{"role": "user", "content": "Hi"}, {"role": "user", "content": "Yo"}], r"messages\[1\]\.role: expected 'assistant'"),
        ([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}], r"messages\[1\]\.content is empty"),
        ([{"role": "user", "content": "Hi"}, {"content": "Hello"}], r"messages\[1\] must be an object with exactly 'role' and 'content'"),
        ([{"role": "user", "content": "Hi"}], "the last message must be the assistant's"),
        ([], "is empty"),
    ],
)
def test_malformed_conversation_is_rejected_with_file_and_line(tmp_path, messages, problem):
    good = conversation_line([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}])
    path = tmp_path / "chats.jsonl"
    path.write_text(good + "\n" + conversation_line(messages).replace('"c1"', '"c2"') + "\n")
    with pytest.raises(DataError, match=rf"chats.jsonl:2: field 'messages': {problem}"):
        load_conversations(path)


def test_missing_messages_field_is_reported(tmp_path):
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps({"id": "c1", "kind": "clear", "topic": "x"}) + "\n")
    with pytest.raises(DataError, match="chats.jsonl:1: field 'messages': missing"):
        load_conversations(path)


def test_shipped_sft_splits_are_large_enough_and_never_share_a_request():
    train = load_conversations("sft_clarify_train.jsonl")
    heldout = load_conversations("sft_clarify_heldout.jsonl")
    assert len(train) >= 400 and len(heldout) >= 80
    def requests(rows):
        return {r["messages"][0]["content"] for r in rows}

    assert not requests(train) & requests(heldout)
    for rows in (train, heldout):
        assert {r["kind"] for r in rows} == {"vague", "clear"}


def test_out_of_template_requests_are_new_in_wording_and_content():
    import importlib.util
    import re

    spec = importlib.util.spec_from_file_location("make_clarify_sft", DATA_DIR / "generators" / "make_clarify_sft.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    templates = [ask for ask, _ in generator.BROKEN_ASKS + generator.RECOMMEND_ASKS + generator.PLAN_ASKS]
    templates += ["What is the capital of {x}?", "What is the opposite of '{x}'?", "What is the plural of '{x}'?",
                  "What is {x}?"] + [question.replace("{n}", "{x}") for question, _, _ in generator.UNITS]
    patterns = [re.compile(re.escape(t).replace(re.escape("{x}"), ".+") + "$") for t in templates]
    ood = load_conversations("sft_clarify_ood.jsonl")
    seen = {r["messages"][0]["content"] for name in ("sft_clarify_train.jsonl", "sft_clarify_heldout.jsonl")
            for r in load_conversations(name)}
    assert len(ood) >= 40 and {r["kind"] for r in ood} == {"vague", "clear"}
    for row in ood:
        request = row["messages"][0]["content"]
        assert request not in seen
        assert not any(p.match(request) for p in patterns), f"{request!r} fits a training template"


def test_every_shipped_reference_reply_complies_with_the_target_behaviour():
    for name in ("sft_clarify_train.jsonl", "sft_clarify_heldout.jsonl", "sft_clarify_ood.jsonl"):
        for row in load_conversations(name):
            verdict = clarify_or_answer(row["kind"], row["messages"][0]["content"], row["messages"][-1]["content"])
            assert verdict.ok, (name, row["id"], verdict.reasons)


@pytest.mark.parametrize(
    "kind, response, ok, reason",
    [
        ("vague", "What exactly is wrong with your car: does it start, or make a noise?", True, None),
        ("vague", "Here are ten ways to fix a car. First, check the oil.", False, "not_one_question"),
        ("vague", "Is it the car? Or the engine?", False, "more_than_one_sentence"),
        ("vague", "What do you mean?", False, "not_specific"),
        ("clear", "The capital of Japan is Tokyo.", True, None),
        ("clear", "Which Japan do you mean?", False, "asks_instead_of_answering"),
        ("clear", "Tokyo is the capital. It is big.", False, "not_one_sentence"),
    ],
)
def test_clarify_or_answer_check(kind, response, ok, reason):
    request = "How do I fix my car?" if kind == "vague" else "What is the capital of Japan?"
    verdict = clarify_or_answer(kind, request, response)
    assert verdict.ok is ok and (reason is None or reason in verdict.reasons)


def test_saved_lora_adapter_reloads_to_identical_outputs(tmp_path):
    from peft import LoraConfig, PeftModel, get_peft_model

    path = models.prepare_bundled_model()
    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(path), "bundled", False)
    torch.manual_seed(0)
    # init_lora_weights=False gives B a random start, so the adapter really changes the outputs
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False, task_type="CAUSAL_LM")
    tuned = get_peft_model(models.load_model(resolved), config).eval()
    ids = torch.tensor([[1, 9690, 198, 2683, 359, 253]])
    with torch.no_grad():
        before = tuned(ids).logits
    tuned.save_pretrained(tmp_path / "adapter")
    reloaded = PeftModel.from_pretrained(models.load_model(resolved), tmp_path / "adapter").eval()
    with torch.no_grad():
        after = reloaded(ids).logits
        plain = models.load_model(resolved)(ids).logits
    assert torch.equal(before, after)
    assert not torch.allclose(after, plain)  # the adapter is really applied


def test_hub_chat_rows_are_validated_like_shipped_data():
    from datasets import Dataset

    from utils.data import hub_chat_conversations

    good = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    rows = Dataset.from_list([
        {"messages": good},
        {"messages": [{"role": "user", "content": "Hi"}]},  # no assistant turn: skipped
        {"messages": good + [{"role": "user", "content": "Thanks"}, {"role": "assistant", "content": "Welcome"}]},
        {"messages": good},
    ])
    kept, skipped = hub_chat_conversations(rows, limit=2)
    assert kept == [good, good + [{"role": "user", "content": "Thanks"}, {"role": "assistant", "content": "Welcome"}]]
    assert skipped == 1


def test_per_conversation_losses_recombine_into_the_batch_loss(tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    from utils.chat import conversation_losses, heldout_loss

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2)
    model = LlamaForCausalLM(config).eval()
    chats = [[{"role": "user", "content": q}, {"role": "assistant", "content": a}]
             for q, a in [("Hi", "Hello there."), ("What is 2 plus 2?", "2 plus 2 is 4, as always and everywhere.")]]
    losses, counts = conversation_losses(model, tokenizer, chats, batch_size=2)
    batch = collate([tokenize_with_assistant_mask(tokenizer, c) for c in chats], tokenizer.pad_token_id)
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        one_by_one = [masked_cross_entropy(model(torch.tensor([e["input_ids"]])).logits, torch.tensor([e["labels"]])).item()
                      for e in (tokenize_with_assistant_mask(tokenizer, c) for c in chats)]
    assert counts[0] < counts[1]  # the second reply is longer
    assert losses == pytest.approx(one_by_one, abs=1e-4)
    assert heldout_loss(model, tokenizer, chats) == pytest.approx(masked_cross_entropy(logits, batch["labels"]).item(), abs=1e-4)


# ---------------------------------------------------------------- a chat template for a pre-trained model
@pytest.fixture(scope="module")
def gemma():
    resolved = models.resolve_model("base", "ci", verbose=False)
    assert resolved.checkpoint == "google/gemma-3-270m", "these tests need the bundled pre-trained model (make setup)"
    return resolved


def test_the_course_template_fences_each_turn_and_masks_the_reply_and_its_end_of_turn(gemma):
    from utils.chat import END_OF_TURN, give_chat_template

    tokenizer = models.load_tokenizer(gemma)
    assert tokenizer.chat_template is None  # pre-trained: it has none
    end_id = give_chat_template(tokenizer)
    chat = [{"role": "user", "content": "Suggest a film."}, {"role": "assistant", "content": "Which genre do you like?"}]
    assert tokenizer.apply_chat_template(chat, tokenize=False) == (
        "<bos><start_of_turn>user\nSuggest a film.<end_of_turn>\n<start_of_turn>model\nWhich genre do you like?<end_of_turn>")
    encoded = tokenize_with_assistant_mask(tokenizer, chat)
    trained = [t for t, label in zip(encoded["input_ids"], encoded["labels"]) if label != IGNORE]
    assert tokenizer.decode(trained) == "Which genre do you like?" + END_OF_TURN and trained[-1] == end_id


def test_giving_a_template_makes_end_of_turn_stop_generation_and_refuses_to_overwrite_one(gemma):
    from utils.chat import give_chat_template

    tokenizer = models.load_tokenizer(gemma)

    class Model:  # only the generation config matters here
        class generation_config:
            eos_token_id = 1

    end_id = give_chat_template(tokenizer, Model)
    assert Model.generation_config.eos_token_id == [1, end_id]
    with pytest.raises(ValueError, match="already has a chat template"):
        give_chat_template(tokenizer)
    with pytest.raises(ValueError, match="is not one token"):
        give_chat_template(models.load_tokenizer(gemma), end_of_turn="<|im_end|>")
