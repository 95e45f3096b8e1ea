"""The training recipes in recipes/: each runs for real, alone and as two CPU processes, and both agree.

Every recipe trains two steps of a tiny run twice: as one process, and under
`accelerate launch --config_file recipes/accelerate/cpu_2proc.yaml` as two processes over gloo, with
the same global batch (2 x 1 instead of 1 x 2) and seed, so both see the same examples at each step.
Data parallelism must then compute the same numbers: the same step losses (step 2 comes after one
update, so it also checks that the gradients were averaged across the processes) and the same
adapter weights. The multi-GPU configs are checked by accelerate's own parsing and launcher.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from utils import REPO_ROOT
from utils.profiles import lesson_sizes

# TRL's configs still set `gradient_checkpointing`, which transformers 5 renames; parsing one in-process says so.
pytestmark = pytest.mark.filterwarnings("ignore:`gradient_checkpointing` is deprecated:FutureWarning")

RECIPES = ("sft", "reward", "dpo", "grpo")
ARTIFACT = {"sft": "adapter", "reward": "reward_model", "dpo": "adapter", "grpo": "adapter"}
# One tiny run took 19-50 s on a 2-core CPU shared with other work, but up to 400 s while two lesson kernels ran
# beside it at a higher priority (two processes that wait for each other suffer most). A hang still fails.
LAUNCH_TIMEOUT_S = 900
# Tiny runs: two steps, no warm-up (so step 1 already updates the weights), short sequences.
COMMON = ["--max_steps", "2", "--logging_steps", "1", "--warmup_steps", "0", "--seed", "0"]
TINY = {
    "sft": ["--max_length", "64"],
    "reward": ["--max_length", "64"],
    "dpo": ["--max_length", "64"],
    "grpo": ["--num_problems", "8", "--heldout_problems", "20", "--num_generations", "2", "--steps_per_generation", "1",
             "--max_completion_length", "8"],
}
GLOBAL_BATCH = {"sft": 2, "reward": 2, "dpo": 2, "grpo": 4}  # GRPO: 2 problems x 2 replies
# Tolerances, from measurements on a 2-core CPU (float32; two processes sum the same numbers in another order):
# - step losses: the two runs differed by at most 9e-7 (DPO step 2; SFT 5e-7, reward 0);
# - adapter weights, as ||w_2proc - w_1proc|| / ||w_1proc||: 3e-6 (SFT), 2e-6 (reward), 4e-5 (DPO). Single weights
#   differ more (up to 6e-4 in DPO): Adam's first step moves every weight by about the learning rate in the
#   direction of its gradient's sign, and a gradient near zero can change sign with rounding.
# A real mismatch is far larger. Two processes reading another order of the data (seed 1): SFT's step-1 loss
# 3.12 instead of 2.32, weights 1.4 apart; a global batch of 4 instead of 2: 3.33 instead of 2.32, weights 0.022 apart.
LOSS_TOLERANCE = 1e-4
WEIGHT_TOLERANCE = 1e-3  # relative


def recipe_env(runs_dir: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "COURSE_PROFILE": "ci",
        "COURSE_RUNS_DIR": str(runs_dir),  # nothing lands in the repository's runs/
        "HF_HUB_OFFLINE": "1",  # the tests never download; the course's model is resolved from local files
        "OMP_NUM_THREADS": "1",  # two threads per process on a busy 2-core machine ran 9x slower (measured)
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def command(name: str, processes: int, output_dir: Path) -> list[str]:
    assert processes in (1, 2), "recipes/accelerate/cpu_2proc.yaml starts exactly two"
    script = [f"recipes/{name}.py", "--config", f"recipes/configs/{name}.yaml"]
    per_device = GLOBAL_BATCH[name] // processes
    args = [*COMMON, *TINY[name], "--per_device_train_batch_size", str(per_device), "--output_dir", str(output_dir)]
    if processes == 1:
        return [sys.executable, *script, *args]
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", "recipes/accelerate/cpu_2proc.yaml"]
    return [*launch, *script, *args]  # the config file starts 2 processes


class Run:
    def __init__(self, name: str, processes: int, output_dir: Path, result: subprocess.CompletedProcess, seconds: float):
        self.name, self.processes, self.output_dir, self.result, self.seconds = name, processes, output_dir, result, seconds

    @property
    def artifact(self) -> Path:
        return self.output_dir / ARTIFACT[self.name]

    @property
    def metrics(self) -> dict:
        return json.loads((self.artifact / "recipe_metrics.json").read_text())

    def loss(self, step: int) -> float:
        return next(h["loss"] for h in self.metrics["step_losses"] if h["step"] == step)

    def logged(self, step: int) -> dict:
        return next(h for h in self.metrics["log_history"] if h.get("step") == step and "loss" in h)

    def check_succeeded(self):
        tail = (self.result.stdout + self.result.stderr)[-3000:]
        assert self.result.returncode == 0, f"{self.name} with {self.processes} process(es) failed:\n{tail}"


@pytest.fixture(scope="module")
def recipe_run(tmp_path_factory):
    """`recipe_run(name, processes)`: that run, made once for the whole module."""
    base = tmp_path_factory.mktemp("recipes")
    _runs: dict[tuple[str, int], Run] = {}

    def get(name: str, processes: int) -> Run:
        if (name, processes) not in _runs:
            output_dir = base / f"{name}_{processes}proc"
            started = time.time()
            result = subprocess.run(command(name, processes, output_dir), cwd=REPO_ROOT, env=recipe_env(base / "runs"),
                                    capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S)
            _runs[name, processes] = Run(name, processes, output_dir, result, time.time() - started)
        return _runs[name, processes]

    yield get
    for (name, processes), run in sorted(_runs.items()):  # shown with `pytest -s`
        print(f"recipe {name}, {processes} process(es): {run.seconds:.0f} s")


def adapter_tensors(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(folder / "adapter_model.safetensors")


def load_with_course_loader(run: Run):
    """Load the artifact the way the lessons do, and use it once (on one thread: on a busy 2-core machine two
    threads spent most of their time waiting for each other)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _load_and_use(run)
    finally:
        torch.set_num_threads(threads)


def _load_and_use(run: Run):
    from utils.models import load_tokenizer, resolve_model

    if run.name == "reward":
        from utils.rewards import load_reward_model

        reward_model = load_reward_model(run.artifact)
        scores = reward_model.score(["What is the capital of France?"] * 2, ["Paris.", "I like turtles."])
        assert all(math.isfinite(s) for s in scores)
        return
    from utils.rl import load_start_policy

    resolved = resolve_model("instruct", "ci", verbose=False)
    policy = load_start_policy(resolved, run.artifact)
    tokenizer = load_tokenizer(resolved)
    ids = tokenizer("Hello", return_tensors="pt").input_ids
    assert policy(input_ids=ids).logits.isfinite().all()


# ---------------------------------------------------------------- every recipe, for real
@pytest.mark.parametrize("name", RECIPES)
def test_recipe_runs_as_one_process(name, recipe_run):
    run = recipe_run(name, 1)
    run.check_succeeded()
    metrics = run.metrics
    assert metrics["world_size"] == 1 and metrics["distributed_type"] == "NO"
    assert metrics["global_batch_size"] == GLOBAL_BATCH[name]
    assert [h["step"] for h in metrics["step_losses"]] == [1, 2]
    assert (run.artifact / "adapter_config.json").is_file() and (run.artifact / "tokenizer_config.json").is_file()
    if name == "reward":
        info = json.loads((run.artifact / "reward_model.json").read_text())
        assert {"role", "profile", "load_in_4bit", "backbone"} <= info.keys()  # what RewardModel.save records


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_runs_as_two_cpu_processes_and_agrees_with_one(name, recipe_run):
    single, double = recipe_run(name, 1), recipe_run(name, 2)
    double.check_succeeded()
    metrics = double.metrics
    assert metrics["world_size"] == 2, "accelerate launch did not start two processes in one group"
    assert metrics["distributed_type"] == "MULTI_CPU"
    assert metrics["global_batch_size"] == GLOBAL_BATCH[name]
    # Only the main process wrote: one artifact folder, with the same files as the single process's.
    assert sorted(p.name for p in double.output_dir.iterdir()) == [ARTIFACT[name]]
    assert sorted(p.name for p in double.artifact.iterdir()) == sorted(p.name for p in single.artifact.iterdir())
    load_with_course_loader(double)

    if name == "grpo":
        # Replies are sampled, and TRL seeds each process differently (seed + process index) so that two
        # processes never draw the same replies: the losses of the two runs cannot match sample for sample.
        # What must match is the batch: the same problems, so the same prompt tokens in step 1.
        def prompt_tokens(run):
            logged = run.logged(1)
            return logged["num_tokens"] - logged["completions/mean_length"] * GLOBAL_BATCH[name]

        assert prompt_tokens(double) == pytest.approx(prompt_tokens(single), abs=1e-3)
        assert all(math.isfinite(double.loss(s)) for s in (1, 2))
        return
    if name == "dpo":
        # A fresh adapter starts equal to the reference, so step 1's DPO loss is log 2 in both runs;
        # the log-probabilities of step 1's replies show they read the same pairs.
        assert single.loss(1) == pytest.approx(math.log(2), abs=1e-6)
        for key in ("logps/chosen", "logps/rejected"):
            assert double.logged(1)[key] == pytest.approx(single.logged(1)[key], abs=LOSS_TOLERANCE)
    for step in (1, 2):
        assert abs(double.loss(step) - single.loss(step)) <= LOSS_TOLERANCE, (
            f"step {step}: two processes {double.loss(step)!r}, one process {single.loss(step)!r}")
    one, two = adapter_tensors(single.artifact), adapter_tensors(double.artifact)
    assert one.keys() == two.keys()
    apart = math.sqrt(sum((one[k] - two[k]).pow(2).sum().item() for k in one))
    size = math.sqrt(sum(one[k].pow(2).sum().item() for k in one))
    assert apart / size <= WEIGHT_TOLERANCE, f"the adapters are {apart / size:.2e} apart (relative)"


# ---------------------------------------------------------------- configs, defaults and errors (fast, no training)
PARSED = {"sft": ("SFTScriptArguments", "SFTConfig"), "reward": ("RewardScriptArguments", "RewardConfig"),
          "dpo": ("DPOScriptArguments", "DPOConfig"), "grpo": ("GRPOScriptArguments", "GRPOConfig")}


def parse(name: str, *extra: str):
    """The recipe's (script_args, training_args, model_args, profile) from its config file and `extra`."""
    import importlib

    import trl

    from recipes.common import parse as parse_recipe

    script_class, config_class = PARSED[name]
    return parse_recipe(name, getattr(importlib.import_module(f"recipes.{name}"), script_class), getattr(trl, config_class),
                        ["--config", str(REPO_ROOT / "recipes" / "configs" / f"{name}.yaml"), *extra])


def test_config_files_hold_the_lessons_cpu_sizes():
    script, args, model, _ = parse("sft")
    s = lesson_sizes("02_sft_qlora", "cpu")
    assert (args.max_steps, args.per_device_train_batch_size, args.learning_rate) == (s.max_steps, s.batch_size, s.learning_rate)
    assert (model.lora_r, model.lora_alpha) == (s.lora_r, s.lora_alpha) and args.completion_only_loss
    assert script.dataset_name == "sft_clarify_train.jsonl"

    _, args, model, _ = parse("reward")
    s = lesson_sizes("03_reward_modeling", "cpu")
    assert (args.max_steps, args.per_device_train_batch_size, args.learning_rate) == (s.max_steps, s.batch_size, s.learning_rate)
    assert args.center_rewards_coefficient == s.center_rewards and (model.lora_r, model.lora_alpha) == (s.lora_r, s.lora_alpha)
    assert model.lora_modules_to_save == ["score"] and model.lora_task_type == "SEQ_CLS"

    _, args, model, _ = parse("dpo")
    s = lesson_sizes("05_dpo", "cpu")
    assert (args.max_steps, args.per_device_train_batch_size, args.learning_rate) == (s.max_steps, s.batch_size, s.learning_rate)
    assert args.beta == s.beta and (model.lora_r, model.lora_alpha) == (s.lora_r, s.lora_alpha)

    script, args, model, _ = parse("grpo")
    s = lesson_sizes("06_reasoning_rlvr", "cpu")
    assert args.max_steps == 2 * s.grpo_rounds and args.steps_per_generation == 2  # two optimizer steps per round
    assert args.per_device_train_batch_size * args.steps_per_generation == s.grpo_prompts * s.num_generations
    assert script.num_problems == s.grpo_rounds * s.grpo_prompts
    assert (args.num_generations, args.max_completion_length, args.learning_rate, args.temperature) == (
        s.num_generations, s.max_new_tokens, s.grpo_lr, s.temperature)
    assert args.beta == 0.0 and not args.use_vllm  # vLLM is documented in the file, off by default


def test_hardware_defaults_output_folder_and_command_line_overrides():
    import torch

    from utils.metrics import runs_root

    _, args, model, profile = parse("sft", "--max_steps", "3")
    assert args.max_steps == 3  # the command line beats the config file (80)
    assert Path(args.output_dir) == runs_root() / profile / "recipes" / "sft"
    assert model.use_peft and model.lora_target_modules == "all-linear" and model.lora_dropout == 0.0
    if not torch.cuda.is_available():
        assert args.use_cpu and not args.bf16 and not args.fp16 and not args.gradient_checkpointing
    _, args, _, _ = parse("dpo", "--output_dir", "/tmp/elsewhere", "--gradient_checkpointing", "true")
    assert args.output_dir == "/tmp/elsewhere" and args.gradient_checkpointing


def test_a_typo_in_a_config_file_is_refused(tmp_path):
    from recipes.common import parse as parse_recipe
    from recipes.sft import SFTScriptArguments
    from trl import SFTConfig

    bad = tmp_path / "sft.yaml"
    bad.write_text((REPO_ROOT / "recipes" / "configs" / "sft.yaml").read_text() + "max_step: 2\n")
    with pytest.raises(ValueError, match=r"max_step(.|\n)*python recipes/sft.py --help"):
        parse_recipe("sft", SFTScriptArguments, SFTConfig, ["--config", str(bad)])


def test_bad_arguments_say_what_to_do(tmp_path):
    from recipes.common import RecipeError, check_adapter_folder

    (tmp_path / "empty").mkdir()
    with pytest.raises(RecipeError, match="adapter_config.json is missing.*recipes/sft.py"):
        check_adapter_folder(str(tmp_path / "empty"))
    with pytest.raises(RecipeError, match="--use_peft false is not supported"):
        parse("sft", "--use_peft", "false")
    with pytest.raises(RecipeError, match="--num_problems"):
        parse("grpo", "--dataset_name", "preferences_train.jsonl")


def test_a_missing_start_adapter_stops_the_script_with_one_clear_line(tmp_path):
    from recipes import dpo
    from recipes.common import run

    missing = tmp_path / "no_such_adapter"
    argv = ["--config", str(REPO_ROOT / "recipes" / "configs" / "dpo.yaml"), "--start_adapter", str(missing),
            "--output_dir", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as stopped:  # what `python recipes/dpo.py ...` does: one line on stderr, status 1
        run(dpo.main, argv)
    message = str(stopped.value.code)
    assert message.startswith(f"error: --start_adapter {missing}: the folder does not exist")
    assert "python recipes/sft.py --config recipes/configs/sft.yaml" in message  # what to do instead
    assert not (tmp_path / "out").exists()  # it stopped before loading or writing anything


def test_processes_that_do_not_form_a_group_are_stopped(monkeypatch, tmp_path):
    from recipes import sft
    from recipes.common import Recipe, RecipeError

    # As under `accelerate launch` with 2 processes that stay off the CPU group: each would train alone, and both
    # would write the same artifact (measured: two adapters, world size 1 each).
    monkeypatch.setenv("WORLD_SIZE", "2")
    argv = ["--config", str(REPO_ROOT / "recipes" / "configs" / "sft.yaml"), "--use_cpu", "false",
            "--output_dir", str(tmp_path)]
    with pytest.raises(RecipeError, match="did not form one group.*--use_cpu true"):
        Recipe("sft", sft.SFTScriptArguments, sft.SFTConfig, argv)


def test_an_earlier_artifact_is_kept_under_its_date(tmp_path):
    from types import SimpleNamespace

    from recipes.common import Recipe

    recipe = Recipe.__new__(Recipe)
    recipe.args, recipe.is_main = SimpleNamespace(output_dir=str(tmp_path)), True
    first = recipe.artifact_dir("adapter")
    first.mkdir()
    (first / "adapter_config.json").write_text("{}")
    second = recipe.artifact_dir("adapter")
    assert second == first and not second.exists()  # the path is free for the new run
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("adapter.")]
    assert len(kept) == 1 and (kept[0] / "adapter_config.json").read_text() == "{}"


def test_grpo_reward_is_the_lessons_verifier():
    from recipes.grpo import verified

    replies = [[{"role": "assistant", "content": "4 + 3 = 7. The answer is 7."}],
               [{"role": "assistant", "content": "The answer is 7, or 8."}]]
    assert verified(replies, answer=[7, 7]) == [1.0, 0.0]


# ---------------------------------------------------------------- accelerate configs
def launcher_view(name: str):
    """What `accelerate launch --config_file recipes/accelerate/<name>.yaml` decides, and the environment it gives
    each process, computed by accelerate's own launcher code without starting anything."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    args = launch_command_parser().parse_args(["--config_file", str(REPO_ROOT / "recipes" / "accelerate" / f"{name}.yaml"),
                                               "recipes/sft.py"])
    args, defaults, _ = _validate_launch_command(args)
    if args.use_deepspeed:
        args.deepspeed_fields_from_accelerate_config = ",".join(defaults.deepspeed_config)
        _, env = prepare_deepspeed_cmd_env(args)
    else:
        env = prepare_multi_gpu_env(args)
    return args, defaults, env


def test_accelerate_configs_parse_with_the_fields_that_matter():
    from accelerate.commands.config.config_args import ClusterConfig, load_config_from_file
    from accelerate.utils import DistributedType

    expected = {"cpu_2proc": DistributedType.MULTI_GPU, "ddp": DistributedType.MULTI_GPU, "fsdp": DistributedType.FSDP,
                "zero2": DistributedType.DEEPSPEED, "zero3": DistributedType.DEEPSPEED}
    for name, kind in expected.items():
        config = load_config_from_file(str(REPO_ROOT / "recipes" / "accelerate" / f"{name}.yaml"))
        assert isinstance(config, ClusterConfig) and config.distributed_type == kind, name
        assert config.num_processes == 2 and config.num_machines == 1, name
        assert config.mixed_precision == "no", f"{name}: precision is the recipe's choice (bf16, fp16 on a T4)"
    fsdp = load_config_from_file(str(REPO_ROOT / "recipes" / "accelerate" / "fsdp.yaml")).fsdp_config
    assert fsdp["fsdp_version"] == 2 and fsdp["fsdp_state_dict_type"] == "FULL_STATE_DICT"
    assert fsdp["fsdp_auto_wrap_policy"] == "TRANSFORMER_BASED_WRAP"
    for name, stage in (("zero2", 2), ("zero3", 3)):
        deepspeed = load_config_from_file(str(REPO_ROOT / "recipes" / "accelerate" / f"{name}.yaml")).deepspeed_config
        assert deepspeed["zero_stage"] == stage and deepspeed["offload_optimizer_device"] == "none"
    assert deepspeed["zero3_save_16bit_model"] is True  # zero3: one whole file when saving


def test_cpu_config_starts_two_processes_itself_and_gpu_configs_launch_as_intended():
    args, _, env = launcher_view("cpu_2proc")
    assert args.multi_gpu and not args.cpu and args.num_processes == 2  # torchrun starts both: no mpirun needed
    assert env["ACCELERATE_MIXED_PRECISION"] == "no"
    args, _, env = launcher_view("ddp")
    assert args.multi_gpu and env.get("ACCELERATE_USE_FSDP") is None
    args, _, env = launcher_view("fsdp")
    assert args.use_fsdp and env["ACCELERATE_USE_FSDP"] == "true" and env["FSDP_VERSION"] == "2"
    assert env["FSDP_STATE_DICT_TYPE"] == "FULL_STATE_DICT" and env["FSDP_RESHARD_AFTER_FORWARD"] == "true"
    for name, stage in (("zero2", "2"), ("zero3", "3")):
        args, _, env = launcher_view(name)
        assert args.use_deepspeed and env["ACCELERATE_USE_DEEPSPEED"] == "true"
        assert env["ACCELERATE_DEEPSPEED_ZERO_STAGE"] == stage


def test_fsdp_plugin_accepts_what_the_fsdp_config_sets(monkeypatch):
    from accelerate.utils import FullyShardedDataParallelPlugin

    _, _, env = launcher_view("fsdp")
    for key, value in env.items():
        if key.startswith(("FSDP_", "ACCELERATE_USE_FSDP")):
            monkeypatch.setenv(key, value)
    plugin = FullyShardedDataParallelPlugin()  # validates the combination, as each GPU process would
    assert plugin.fsdp_version == 2 and plugin.reshard_after_forward is True and not plugin.cpu_ram_efficient_loading
