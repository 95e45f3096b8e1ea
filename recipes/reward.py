"""Reward modeling (lesson 03) as a script: a LoRA adapter and a score head trained on preference pairs.

    python recipes/reward.py --config recipes/configs/reward.yaml
    accelerate launch --config_file recipes/accelerate/cpu_2proc.yaml recipes/reward.py --config recipes/configs/reward.yaml

Reads data/preferences_train.jsonl (`--dataset_name`: another file of the same schema) and trains TRL's
RewardTrainer (the Bradley-Terry loss on each chosen/rejected pair). Writes
runs/<profile>/recipes/reward/reward_model/ in the course's format (adapter with its score head, tokenizer,
reward_model.json), so `utils.rewards.load_reward_model(folder)` loads it, plus recipe_metrics.json.
"""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `recipes` and `utils`

from trl import RewardConfig  # noqa: E402

from recipes.common import CourseScriptArguments, Recipe, RecipeError, run  # noqa: E402


@dataclass
class RewardScriptArguments(CourseScriptArguments):
    dataset_name: str = field(
        default="preferences_train.jsonl",
        metadata={"help": "Preference pairs in lesson 03's schema (see data/DATASHEET.md); a bare name is looked up in data/."},
    )


def main(argv=None):
    recipe = Recipe("reward", RewardScriptArguments, RewardConfig, argv)
    from datasets import Dataset
    from trl import RewardTrainer

    from utils.data import load_preferences
    from utils.rewards import REWARD_MODEL_DIR, to_trl_rows

    pairs = load_preferences(recipe.script_args.dataset_name)
    peft_config = recipe.peft_config()
    if "score" not in (peft_config.modules_to_save or []):
        raise RecipeError("The score head must be trained and saved with the adapter: set "
                          "`lora_modules_to_save: [score]` (as recipes/configs/reward.yaml does).")
    resolved, tokenizer, model = recipe.load("reward_backbone", reward_model=True)
    trainer = RewardTrainer(model=model, args=recipe.args, processing_class=tokenizer, peft_config=peft_config,
                            train_dataset=Dataset.from_list(to_trl_rows(pairs)))
    folder = recipe.train_and_save(trainer, REWARD_MODEL_DIR, info={"train_pairs": len(pairs)})
    if recipe.is_main:
        # What RewardModel.save records beside the adapter: load_reward_model reads it to find and check the backbone.
        info = {"role": "reward_backbone", "profile": recipe.profile, "recipe": "reward",
                "load_in_4bit": bool(recipe.model_args.load_in_4bit), "backbone": resolved.record()}
        (folder / "reward_model.json").write_text(json.dumps(info, indent=2) + "\n")


if __name__ == "__main__":
    run(main)
