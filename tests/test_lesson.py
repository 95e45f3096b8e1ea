"""start_lesson: a lesson gets a run folder; a solutions notebook reads the lesson's and writes nothing."""

import pytest

from utils.lesson import MissingArtifact, start_lesson


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "ci")
    return tmp_path


def test_solutions_notebook_reads_the_lessons_folder_and_creates_nothing(runs):
    context = start_lesson("02_sft_qlora_solutions")
    assert context.lesson == "02_sft_qlora" and context.run is None
    assert context.lesson_dir == runs / "ci" / "02_sft_qlora"
    assert not any(runs.iterdir())


def test_a_missing_lesson_result_names_the_lesson_and_profile_to_run(runs):
    context = start_lesson("03_reward_modeling_solutions")
    with pytest.raises(MissingArtifact, match=r"run lesson 03 first, in the ci profile"):
        context.saved("reward_model")


def test_a_saved_result_is_found_where_the_lesson_wrote_it(runs):
    lesson = start_lesson("03_reward_modeling")
    (lesson.run.dir / "heldout_scores.jsonl").write_text("{}\n")
    assert start_lesson("03_reward_modeling_solutions").saved("heldout_scores.jsonl").read_text() == "{}\n"
