"""Per-lesson run folders and `metrics.json`: the numbers a lesson teaches, its wall time and peak memory.

Introduced in lesson 01; every lesson writes `runs/<profile>/<NN_slug>/metrics.json` and the
capstone reads them all. Peak memory is the process's peak RSS (and max allocated VRAM on CUDA).
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time
from pathlib import Path

from utils import REPO_ROOT


def runs_root() -> Path:
    return Path(os.environ.get("COURSE_RUNS_DIR", REPO_ROOT / "runs"))


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def peak_vram_mb() -> float | None:
    import torch

    if not torch.cuda.is_available():
        return None
    return torch.cuda.max_memory_allocated() / 2**20


class LessonRun:
    """Start one when the lesson starts; `write_metrics` at the end adds time and memory."""

    def __init__(self, lesson: str, profile: str):
        self.lesson = lesson
        self.profile = profile
        self.dir = runs_root() / profile / lesson
        self.dir.mkdir(parents=True, exist_ok=True)
        self.started = time.time()

    def artifact_dir(self, name: str) -> Path:
        """A fresh folder for a trained artifact; an earlier run's folder is kept, renamed with its date."""
        path = self.dir / name
        if path.exists():
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(path.stat().st_mtime))
            path.rename(self.dir / f"{name}.{stamp}")
        return path

    @property
    def metrics_path(self) -> Path:
        return self.dir / "metrics.json"

    def write_metrics(self, **metrics) -> dict:
        """Write `metrics.json`. A value may be a number or a `utils.stats.Estimate`, which is stored
        as four flat keys: `name`, `name_ci_low`, `name_ci_high` and `name_n`."""
        from utils.stats import Estimate

        flat: dict[str, float] = {}
        for name, value in metrics.items():
            flat.update(value.as_metrics(name) if isinstance(value, Estimate) else {name: value})
        metrics = flat
        for name, value in metrics.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"metric {name!r} must be a finite number, got {value!r}")
        record = {
            "lesson": self.lesson,
            "profile": self.profile,
            **{k: round(float(v), 6) for k, v in metrics.items()},
            "wall_time_s": round(time.time() - self.started, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
        vram = peak_vram_mb()
        if vram is not None:
            record["peak_vram_mb"] = round(vram, 1)
        tmp = self.metrics_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record, indent=2) + "\n")
        os.replace(tmp, self.metrics_path)  # a crash mid-write never leaves a broken file
        return record


def read_all_metrics(profile: str) -> dict[str, dict]:
    """Every lesson's metrics for a profile, keyed by lesson slug."""
    root = runs_root() / profile
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(root.glob("*/metrics.json"))}


def estimate_keys(record: dict) -> tuple[set[str], set[str]]:
    """The names of the estimates stored flat in a metrics record (each with all of its
    `_ci_low`, `_ci_high` and `_n` keys), and those companion keys themselves."""
    from utils.stats import INTERVAL_SUFFIXES

    estimates = {k for k in record if all(f"{k}{s}" in record for s in INTERVAL_SUFFIXES)}
    return estimates, {f"{k}{s}" for k in estimates for s in INTERVAL_SUFFIXES}


def metrics_table(record: dict, digits: int = 3):
    """A record written by `LessonRun.write_metrics` as a table: one row per number the lesson
    measured, with its 95% interval and n where it is an estimate (plain counts have neither).
    The bookkeeping keys (lesson, profile, wall time, memory) are left out."""
    import pandas as pd

    from utils.stats import INTERVAL_SUFFIXES

    bookkeeping = {"lesson", "profile", "wall_time_s", "peak_rss_mb", "peak_vram_mb"}
    estimates, parts_of_estimates = estimate_keys(record)
    rows = {}
    for key, value in record.items():
        if key in bookkeeping or key in parts_of_estimates:
            continue
        if key in estimates:
            low, high, n = (record[f"{key}{s}"] for s in INTERVAL_SUFFIXES)
            rows[key] = {"value": round(value, digits), "95% interval": f"[{low:.{digits}g}, {high:.{digits}g}]", "n": int(n)}
        else:
            rows[key] = {"value": value, "95% interval": "", "n": ""}
    return pd.DataFrame.from_dict(rows, orient="index")
