"""Shared helpers for the post-training course notebooks in `lessons/`.

Each module teaches or supports one concept; the lesson that introduces it is named in its
docstring. `REPO_ROOT` lets every module find `data/` and `runs/` wherever a notebook runs from.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COURSE_REPO = "post-training-course/llm-post-training"  # GitHub owner/name used by Colab badges
