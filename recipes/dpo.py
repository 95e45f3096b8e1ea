"""Direct preference optimisation (lesson 05) as a script: a LoRA adapter trained on preference pairs.

    python recipes/dpo.py --config recipes/configs/dpo.yaml
    python recipes/dpo.py --config recipes/configs/dpo.yaml --start_adapter runs/cpu/recipes/sft/adapter
    accelerate launch --config_file recipes/accelerate/cpu_2proc.yaml recipes/dpo.py --config recipes/configs/dpo.yaml

Reads lesson 03's pairs, data/preferences_train.jsonl (`--dataset_name`: another file of the same schema).
The start policy is the course's instruct model, with `--start_adapter` (lesson 02's SFT adapter, or the SFT
recipe's) merged in first, as lesson 05 starts from lesson 02's model; TRL's DPOTrainer adds a fresh LoRA
adapter, and the same weights with that adapter switched off are the reference. Writes
runs/<profile>/recipes/dpo/adapter/: the adapter, the tokenizer and recipe_metrics.json.
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `recipes` and `utils`

from trl import DPOConfig  # noqa: E402

from recipes.common import PolicyScriptArguments, Recipe, run  # noqa: E402


@dataclass
class DPOScriptArguments(PolicyScriptArguments):
    dataset_name: str = field(
        default="preferences_train.jsonl",
        metadata={"help": "Preference pairs in lesson 03's schema (see data/DATASHEET.md); a bare name is looked up in data/."},
    )


def main(argv=None):
    recipe = Recipe("dpo", DPOScriptArguments, DPOConfig, argv)
    from datasets import Dataset
    from trl import DPOTrainer

    from utils.data import load_preferences
    from utils.rewards import to_trl_rows

    pairs = load_preferences(recipe.script_args.dataset_name)
    _, tokenizer, model = recipe.load("instruct")
    trainer = DPOTrainer(model=model, args=recipe.args, processing_class=tokenizer, peft_config=recipe.peft_config(),
                         train_dataset=Dataset.from_list(to_trl_rows(pairs)))
    recipe.train_and_save(trainer, "adapter", info={"train_pairs": len(pairs), "beta": recipe.args.beta})


if __name__ == "__main__":
    run(main)
