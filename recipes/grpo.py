"""GRPO with a verifiable reward (lesson 06) as a script: word problems whose answer a program checks.

    python recipes/grpo.py --config recipes/configs/grpo.yaml
    python recipes/grpo.py --config recipes/configs/grpo.yaml --start_adapter runs/cpu/06_reasoning_rlvr/warmup_adapter
    accelerate launch --config_file recipes/accelerate/cpu_2proc.yaml recipes/grpo.py --config recipes/configs/grpo.yaml

The problems are generated from a seed by `utils.reasoning.train_and_heldout` (training wording, none of the
held-out chains of numbers), and the reward of a reply is `utils.reasoning.verify`: 1 when its last number is
the answer, else 0. TRL's GRPOTrainer samples `num_generations` replies per problem and reinforces those that
beat their group's mean. `--start_adapter` (lesson 06's warm-up adapter, say) is merged in first: the instruct
model alone rarely ends on the right number, and a group whose replies all score 0 teaches nothing. Writes
runs/<profile>/recipes/grpo/adapter/: the adapter, the tokenizer and recipe_metrics.json.
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `recipes` and `utils`

from trl import GRPOConfig  # noqa: E402

from recipes.common import PolicyScriptArguments, Recipe, RecipeError, run  # noqa: E402

SYSTEM = "Solve the problem."  # lesson 06's system prompt


@dataclass
class GRPOScriptArguments(PolicyScriptArguments):
    num_problems: int = field(default=80, metadata={"help": "Training problems generated (one pass uses each once)."})
    problem_seed: int = field(default=0, metadata={"help": "Seed of the problem generator (lesson 06 uses 0)."})
    heldout_problems: int = field(
        default=200, metadata={"help": "Held-out problems whose chains of numbers training never uses (lesson 06: 200)."})

    def __post_init__(self):
        if self.dataset_name is not None:
            raise RecipeError("The GRPO recipe generates its problems (utils.reasoning); it reads no dataset file. "
                              "Use --num_problems and --problem_seed instead of --dataset_name.")


def verified(completions, answer, **kwargs) -> list[float]:
    """GRPO's reward: `verify` on each reply (conversational completions: one assistant message each)."""
    from utils.reasoning import verify

    return [verify(completion[0]["content"], a) for completion, a in zip(completions, answer)]


def main(argv=None):
    recipe = Recipe("grpo", GRPOScriptArguments, GRPOConfig, argv)
    from datasets import Dataset
    from trl import GRPOTrainer

    from utils.reasoning import train_and_heldout

    args = recipe.script_args
    problems, _ = train_and_heldout(args.num_problems, args.heldout_problems, seed=args.problem_seed)
    rows = [{"prompt": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": p.question}],
             "answer": p.answer} for p in problems]
    _, tokenizer, model = recipe.load("instruct")
    trainer = GRPOTrainer(model=model, reward_funcs=[verified], args=recipe.args, train_dataset=Dataset.from_list(rows),
                          processing_class=tokenizer, peft_config=recipe.peft_config())
    recipe.train_and_save(trainer, "adapter", info={"train_problems": len(problems)})


if __name__ == "__main__":
    run(main)
