"""What the four recipes share: argument parsing, hardware defaults, the model, and the saved run.

Each recipe (`sft.py`, `reward.py`, `dpo.py`, `grpo.py`) parses three dataclasses with TRL's
`TrlParser`, like TRL's own example scripts: its script arguments, the TRL trainer config and TRL's
`ModelConfig`. Values come, later ones winning, from:
1. hardware defaults chosen here (CPU: float32, no gradient checkpointing; CUDA: bfloat16, or
   float16 on GPUs without it, as `utils.device.pick_dtype` decides, and gradient checkpointing on),
2. the recipe's config file (`--config recipes/configs/<name>.yaml`),
3. the command line (`--max_steps 2`, any field of the three dataclasses).

Outputs go to `runs/<profile>/recipes/<name>/` (under `COURSE_RUNS_DIR` when set) unless
`--output_dir` says otherwise. An earlier run's artifact is kept, renamed with its date, and only
the main process writes.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `python recipes/sft.py` puts recipes/ first on the path, not the repo root
    sys.path.insert(0, str(REPO_ROOT))

from trl import ScriptArguments  # noqa: E402

METRICS_FILE = "recipe_metrics.json"
# Deprecations raised inside transformers/PEFT themselves: nothing a learner can act on.
warnings.filterwarnings("ignore", message=".*deprecated and will be removed in v6", category=FutureWarning)


class RecipeError(ValueError):
    """A recipe argument that cannot work; the message says what to do instead."""


@dataclass
class CourseScriptArguments(ScriptArguments):
    """TRL's script arguments, read the course's way: `dataset_name` is a JSONL file checked by the
    course's loader (a name alone is looked up in data/), not a Hub dataset."""


@dataclass
class PolicyScriptArguments(CourseScriptArguments):
    """For the recipes that train a policy from a start policy (DPO, GRPO)."""

    start_adapter: str | None = field(
        default=None,
        metadata={"help": "A LoRA adapter folder merged into the model before training (e.g. the SFT recipe's "
                          "runs/<profile>/recipes/sft/adapter, or lesson 02's runs/<profile>/02_sft_qlora/adapter). "
                          "Unset: start from the course's model itself."},
    )


def hardware_defaults() -> dict:
    """Precision, device and memory settings for this machine, before the config file and command line."""
    import torch

    from utils.device import pick_dtype

    cuda = torch.cuda.is_available()
    dtype = pick_dtype(torch.device("cuda")) if cuda else torch.float32
    return {
        # Without a GPU every process must ask for the CPU, or a multi-process launch would not form a group.
        "use_cpu": not cuda,
        "bf16": dtype == torch.bfloat16,  # TRL's configs default to bf16 everywhere; a T4 and a CPU do not want it
        "fp16": dtype == torch.float16,
        "gradient_checkpointing": cuda,  # saves GPU memory; on a CPU it only costs time
        "ddp_find_unused_parameters": False,  # every LoRA weight gets a gradient: skip DDP's search for unused ones
        "dtype": "auto",  # the weights' dtype: "auto" = the compute dtype above (ModelConfig's default is float32)
        "use_peft": True,  # the course trains LoRA adapters
        "report_to": "none",
        "save_strategy": "no",  # the recipe saves its artifact once, at the end
    }


def default_output_dir(name: str, profile: str) -> Path:
    from utils.metrics import runs_root

    return runs_root() / profile / "recipes" / name


def parse(name: str, script_class, config_class, argv: list[str] | None = None):
    """(script_args, training_args, model_args, profile) for recipe `name`."""
    from trl import ModelConfig, TrlParser

    from utils.profiles import detect_profile

    profile, _ = detect_profile()
    parser = TrlParser((script_class, config_class, ModelConfig), prog=f"recipes/{name}.py")
    parser.set_defaults_with_config(output_dir=str(default_output_dir(name, profile)), **hardware_defaults())
    try:
        script_args, training_args, model_args = parser.parse_args_and_config(argv)
    except RecipeError:
        raise
    except ValueError as err:  # an unknown option (a typo in the config file too) or a combination that cannot work
        raise RecipeError(f"{err}\n`python recipes/{name}.py --help` lists every option.") from err
    if not model_args.use_peft:
        raise RecipeError("The recipes train LoRA adapters, the artifacts the lessons load; --use_peft false is not "
                          "supported. Leave use_peft at its default (true).")
    return script_args, training_args, model_args, profile


def check_adapter_folder(path: str | None, option: str = "--start_adapter") -> Path | None:
    """The adapter folder `path`, or a clear error when it holds no adapter."""
    if path is None:
        return None
    folder = Path(path).expanduser()
    if not (folder / "adapter_config.json").is_file():
        what = "does not exist" if not folder.exists() else "holds no LoRA adapter (adapter_config.json is missing)"
        raise RecipeError(
            f"{option} {path}: the folder {what}. Train one first with "
            "`python recipes/sft.py --config recipes/configs/sft.yaml` (it saves runs/<profile>/recipes/sft/adapter) "
            "or run lesson 02 (runs/<profile>/02_sft_qlora/adapter) and pass that folder, or leave "
            f"{option} out to start from the course's model itself."
        )
    return folder


def resolve(model_args, role: str, profile: str, verbose: bool):
    """The checkpoint to train: `--model_name_or_path` when given (a local folder), else the course's model for `role`."""
    from utils.models import ResolvedModel, resolve_model

    path = model_args.model_name_or_path
    if path is None:
        return resolve_model(role, profile, verbose=verbose)
    folder = Path(path).expanduser()
    if not (folder / "config.json").is_file():
        raise RecipeError(
            f"--model_name_or_path {path}: not a checkpoint folder (no config.json there). Give a local folder "
            f"saved with save_pretrained, or leave it unset to use the course's {role!r} model for this profile."
        )
    return ResolvedModel(role, str(path), str(folder.resolve()), "folder", False, None)


class Recipe:
    """One recipe run: its parsed arguments, model, and the folder it saves into."""

    def __init__(self, name: str, script_class, config_class, argv: list[str] | None = None):
        self.started = time.time()
        self.name = name
        self.script_args, self.args, self.model_args, self.profile = parse(name, script_class, config_class, argv)
        self.start_adapter = check_adapter_folder(getattr(self.script_args, "start_adapter", None))
        self.device = self.args.device  # per process: cuda:<local rank>, or cpu; starts the process group when launched
        self.is_main = self.args.process_index == 0
        launched = int(os.environ.get("WORLD_SIZE", "1"))
        if launched > 1 and self.args.world_size != launched:  # each process would train alone and overwrite the others
            raise RecipeError(
                f"{launched} processes were launched but they did not form one group (world size {self.args.world_size}). "
                "Without a CUDA GPU every process must run on the CPU: leave use_cpu at its default or pass --use_cpu true."
            )

    # ------------------------------------------------------------ model
    @property
    def dtype(self):
        import torch

        from utils.device import pick_dtype

        wanted = self.model_args.dtype
        return pick_dtype(self.device) if wanted in (None, "auto") else getattr(torch, wanted)

    def load(self, role: str, reward_model: bool = False):
        """(resolved checkpoint, tokenizer, model) for `role` on this process's device: a causal LM (with the start
        adapter merged in, when given), or with `reward_model` a sequence classifier with a fresh one-output head."""
        from transformers import set_seed

        from utils.models import load_model, load_tokenizer
        from utils.rewards import load_reward_backbone
        from utils.rl import load_start_policy

        self.resolved = resolve(self.model_args, role, self.profile, verbose=self.is_main)
        set_seed(self.args.seed)  # the same initial weights (a fresh score head) in every process
        four_bit = self.model_args.load_in_4bit
        if reward_model:
            model = load_reward_backbone(self.resolved, load_in_4bit=four_bit, device=self.device, dtype=self.dtype)
        elif self.start_adapter is not None:
            if four_bit:
                raise RecipeError("--start_adapter is merged into unquantised weights; drop --load_in_4bit "
                                  "(or --start_adapter) for this run.")
            model = load_start_policy(self.resolved, self.start_adapter, self.device, self.dtype)
        else:
            model = load_model(self.resolved, load_in_4bit=four_bit, device=self.device, dtype=self.dtype)
        model.loaded_from = self.resolved
        if self.is_main:
            start = f" + {self.start_adapter}" if self.start_adapter else ""
            print(f"[{self.name}] model: {self.resolved.describe()}{start} | device {self.device}, "
                  f"{str(self.dtype).removeprefix('torch.')}, {self.args.world_size} process(es)", flush=True)
        return self.resolved, load_tokenizer(self.resolved), model

    def peft_config(self):
        from trl import get_peft_config

        return get_peft_config(self.model_args)

    # ------------------------------------------------------------ training and the saved run
    def artifact_dir(self, artifact: str) -> Path:
        """A fresh `<output_dir>/<artifact>` folder; an earlier run's is kept, renamed with its date (main process)."""
        path = Path(self.args.output_dir) / artifact
        if self.is_main and path.exists():
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(path.stat().st_mtime))
            path.rename(path.with_name(f"{artifact}.{stamp}"))
        return path

    def train_and_save(self, trainer, artifact: str, info: dict | None = None) -> Path:
        """Train, then save the adapter and tokenizer into a fresh `<output_dir>/<artifact>` with `recipe_metrics.json`.

        Every process calls this: saving gathers sharded weights (FSDP, ZeRO-3) from all of them, and only
        the main process writes.
        """
        trainer.train()
        folder = self.artifact_dir(artifact)
        trainer.accelerator.wait_for_everyone()  # the old folder is renamed before anything is written
        trainer.save_model(str(folder))
        if trainer.is_world_process_zero():
            losses = [{"step": h["step"], "loss": h["loss"]} for h in trainer.state.log_history if "loss" in h]
            runtime = next((h["train_runtime"] for h in trainer.state.log_history if "train_runtime" in h), None)
            world = trainer.accelerator.num_processes
            record = {
                "recipe": self.name,
                "profile": self.profile,
                "world_size": world,
                "distributed_type": str(trainer.accelerator.distributed_type).split(".")[-1],
                "device": str(self.device.type),
                "dtype": str(self.dtype).removeprefix("torch."),
                "global_batch_size": self.args.per_device_train_batch_size * world * self.args.gradient_accumulation_steps,
                "max_steps": self.args.max_steps,
                "seed": self.args.seed,
                "model": self.resolved.record(),
                "start_adapter": str(self.start_adapter) if self.start_adapter else None,
                "step_losses": losses,
                "log_history": trainer.state.log_history,  # everything the trainer logged (rewards, margins, ...)
                "train_runtime_s": runtime,
                "wall_time_s": round(time.time() - self.started, 1),
                **(info or {}),
            }
            (folder / METRICS_FILE).write_text(json.dumps(record, indent=2) + "\n")
            shown = [f"{h['loss']:.4f}" for h in losses[:5]]
            print(f"[{self.name}] saved {folder} | {world} process(es), step losses {shown}"
                  f"{' ...' if len(losses) > 5 else ''}, {record['wall_time_s']:.0f} s", flush=True)
        trainer.accelerator.wait_for_everyone()
        return folder


def run(main, argv: list[str] | None = None) -> None:
    """Call `main(argv)`, turning a recipe's argument error into one clear line (exit status 1), not a traceback."""
    from utils.data import DataError
    from utils.models import ModelError

    try:
        main(argv)
    except (RecipeError, DataError, ModelError) as err:
        sys.exit(f"error: {err}")
