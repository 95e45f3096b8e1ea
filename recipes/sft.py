"""Supervised fine-tuning (lesson 02) as a script: LoRA on the clarify-or-answer conversations.

    python recipes/sft.py --config recipes/configs/sft.yaml
    accelerate launch --config_file recipes/accelerate/cpu_2proc.yaml recipes/sft.py --config recipes/configs/sft.yaml
    python recipes/sft.py --config recipes/configs/sft.yaml --max_steps 2   # any field can be overridden

Reads data/sft_clarify_train.jsonl (`--dataset_name`: another file of the same schema) and trains only the
assistant replies (prompt-completion rows, `completion_only_loss`). Writes
runs/<profile>/recipes/sft/adapter/: the LoRA adapter, the tokenizer and recipe_metrics.json.
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `recipes` and `utils`

from trl import SFTConfig  # noqa: E402

from recipes.common import CourseScriptArguments, Recipe, run  # noqa: E402


@dataclass
class SFTScriptArguments(CourseScriptArguments):
    dataset_name: str = field(
        default="sft_clarify_train.jsonl",
        metadata={"help": "Conversations in lesson 02's schema (see data/DATASHEET.md); a bare name is looked up in data/."},
    )


def main(argv=None):
    recipe = Recipe("sft", SFTScriptArguments, SFTConfig, argv)
    from datasets import Dataset
    from trl import SFTTrainer

    from utils.chat import to_prompt_completion
    from utils.data import load_conversations

    rows = load_conversations(recipe.script_args.dataset_name)
    train_set = Dataset.from_list([to_prompt_completion(row["messages"]) for row in rows])
    _, tokenizer, model = recipe.load("instruct")
    trainer = SFTTrainer(model=model, args=recipe.args, train_dataset=train_set, processing_class=tokenizer,
                         peft_config=recipe.peft_config())
    recipe.train_and_save(trainer, "adapter", info={"train_rows": len(rows)})


if __name__ == "__main__":
    run(main)
