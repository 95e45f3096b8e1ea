"""What every lesson does first: pick the profile, device and precision, seed, and start its run.

Introduced in lesson 01; each lesson's setup cell calls `start_lesson("NN_slug")` and prints
what it will run with, so an executed notebook records its own profile and hardware. A solutions
notebook calls `start_lesson("NN_slug_solutions")`: it gets the lesson's sizes and reads what the
lesson saved (`context.saved("adapter")`), and it never writes into the lesson's run folder.
"""

from __future__ import annotations

import importlib.metadata
import platform
import random
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

# Library progress bars fall back to plain text without ipywidgets; that is what we want, silently.
warnings.filterwarnings("ignore", message="IProgress not found")
# Deprecations raised inside transformers/PEFT themselves: nothing a learner can act on.
warnings.filterwarnings("ignore", message=".*deprecated and will be removed in v6", category=FutureWarning)

from transformers.utils import logging as transformers_logging

from utils import REPO_ROOT
from utils.device import describe_device, pick_device, pick_dtype
from utils.metrics import LessonRun, runs_root
from utils.profiles import detect_profile, lesson_sizes

LIBRARIES = ("torch", "transformers", "trl", "peft", "bitsandbytes", "accelerate", "datasets")


SOLUTIONS_SUFFIX = "_solutions"


class MissingArtifact(FileNotFoundError):
    """Something a solutions notebook reads was not saved by its lesson (in this profile)."""


@dataclass
class LessonContext:
    lesson: str
    profile: str
    sizes: object  # the lesson's sizes dataclass for this profile (utils/profiles.py)
    device: torch.device
    dtype: torch.dtype
    run: LessonRun | None  # None in a solutions notebook: it writes nothing
    lesson_dir: Path  # runs/<profile>/<lesson>: where the lesson saves its results

    def saved(self, name: str) -> Path:
        """A file or folder the lesson saved in its run folder; a clear error when it is not there."""
        path = self.lesson_dir / name
        if not path.exists():
            raise MissingArtifact(
                f"{path} is missing: run lesson {self.lesson[:2]} first, in the {self.profile} profile "
                f"(lessons/{self.lesson}.ipynb, or `COURSE_PROFILE={self.profile} python -m utils.course --only {self.lesson[:2]}`)."
            )
        return path


def seed_everything(seed: int = 0) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def start_lesson(lesson: str, seed: int = 0) -> LessonContext:
    transformers_logging.disable_progress_bar()  # per-tensor "Loading weights" bars say nothing to a learner
    solutions = lesson.endswith(SOLUTIONS_SUFFIX)
    lesson = lesson.removesuffix(SOLUTIONS_SUFFIX)
    profile, why = detect_profile()
    device = pick_device()
    dtype = pick_dtype(device)
    seed_everything(seed)
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in LIBRARIES)
    print(f"python {platform.python_version()}, {versions}")
    print(f"hardware: {describe_device(device)} | {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} CPU threads")
    print(f"profile: {profile} ({why}) | compute dtype: {str(dtype).removeprefix('torch.')}")
    run = None if solutions else LessonRun(lesson, profile)
    context = LessonContext(lesson, profile, lesson_sizes(lesson, profile), device, dtype, run, runs_root() / profile / lesson)
    print(f"sizes: {context.sizes}")
    where = context.lesson_dir
    shown = where.relative_to(REPO_ROOT) if where.is_relative_to(REPO_ROOT) else where
    print(f"reads the lesson's results from: {shown} (writes nothing there)" if solutions else f"outputs: {shown}")
    return context
