"""metrics.json writing and the headless course runner's bookkeeping."""

import json
import math

import pytest

from utils import course
from utils.metrics import LessonRun, read_all_metrics


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_RUNS_DIR", str(tmp_path))
    return tmp_path


def test_metrics_file_holds_lesson_numbers_time_and_peak_memory(runs):
    run = LessonRun("01_demo", "ci")
    record = run.write_metrics(raw_rate=0.25, chat_rate=0.75)
    saved = json.loads((runs / "ci" / "01_demo" / "metrics.json").read_text())
    assert saved == record
    assert saved["raw_rate"] == 0.25 and saved["chat_rate"] == 0.75
    assert saved["profile"] == "ci" and saved["wall_time_s"] >= 0
    assert saved["peak_rss_mb"] > 10  # a Python process with torch imported is far above 10 MB
    assert not list((runs / "ci" / "01_demo").glob("*.tmp"))


@pytest.mark.parametrize("bad", ["0.5", math.nan, math.inf, None, True])
def test_metrics_must_be_finite_numbers(runs, bad):
    with pytest.raises(ValueError, match="finite number"):
        LessonRun("01_demo", "ci").write_metrics(rate=bad)


def test_all_metrics_are_read_back_per_lesson(runs):
    LessonRun("01_a", "cpu").write_metrics(x=1.0)
    LessonRun("02_b", "cpu").write_metrics(y=2.0)
    assert sorted(read_all_metrics("cpu")) == ["01_a", "02_b"]


def test_course_runs_lessons_but_not_solution_notebooks():
    stems = [p.stem for p in course.lesson_notebooks()]
    assert stems and all(not s.endswith("_solutions") for s in stems)
    assert stems == sorted(stems)


def test_results_table_shows_status_time_and_headline_numbers(runs):
    LessonRun("01_a", "cpu").write_metrics(chat_rate=0.875)
    table = course.results_table("cpu", [("01_a", True, 90.0), ("02_b", False, 30.0)])
    assert "01_a" in table and "ok" in table and "1.5m" in table and "chat_rate=0.875" in table
    assert "02_b" in table and "FAILED" in table


def test_a_new_artifact_never_overwrites_an_earlier_one(runs):
    run = LessonRun("02_demo", "ci")
    first = run.artifact_dir("adapter")
    first.mkdir()
    (first / "weights.bin").write_text("earlier training")
    second = run.artifact_dir("adapter")
    assert second == first and not second.exists()
    kept = [p for p in run.dir.iterdir() if p.name.startswith("adapter.")]
    assert len(kept) == 1 and (kept[0] / "weights.bin").read_text() == "earlier training"
