"""The course's own contract: pinned requirements, Colab badges, executed lessons, documented data."""

import re

import nbformat
import pytest

from utils import COURSE_REPO, REPO_ROOT
from utils.profiles import LESSON_SIZES

NOTEBOOKS = sorted((REPO_ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if not p.stem.endswith("_solutions")]


def pins(name):
    lines = (REPO_ROOT / name).read_text().splitlines()
    return dict(line.split("==") for line in lines if line.strip() and not line.startswith("#"))


def test_every_requirement_is_pinned_exactly():
    for name in ("requirements.txt", "requirements-colab.txt", "requirements-nodeps.txt"):
        for line in (REPO_ROOT / name).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.+]*", line), f"{name}: {line!r} is not pinned"


def test_colab_installs_the_same_versions_as_the_course():
    course = pins("requirements.txt")
    for package, version in pins("requirements-colab.txt").items():
        assert course[package] == version, f"{package}: colab {version} != requirements.txt {course[package]}"
    assert "torch" not in pins("requirements-colab.txt"), "Colab must keep its own torch build"


def test_there_are_lessons():
    assert LESSONS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_badge_and_clone_url_point_at_this_notebook(path):
    text = path.read_text()
    badge = re.search(r"colab\.research\.google\.com/github/([^/]+/[^/]+)/blob/main/([^)\s]+)", text)
    assert badge, "no Colab badge"
    assert badge.group(1) == COURSE_REPO
    assert (REPO_ROOT / badge.group(2)).resolve() == path.resolve()
    assert f"https://github.com/{COURSE_REPO}" in text, "the setup cell clones another repository"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_has_sizes_exercises_solutions_and_an_assert(path):
    assert path.stem in LESSON_SIZES
    nb = nbformat.read(path, as_version=4)
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    assert any(re.fullmatch(r"##\s+(\d+\.\s+)?Exercises\s*", h) for h in headings), "no '## Exercises' section"
    assert path.with_name(f"{path.stem}_solutions.ipynb").exists(), "exercises need a solutions notebook"
    assert any(c.cell_type == "code" and re.search(r"^assert ", c.source, re.M) for c in nb.cells)


def setup_cell(path):
    return next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code").source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_is_the_same_in_every_notebook_apart_from_the_lesson_name(path):
    reference = setup_cell(LESSONS[0]).replace(LESSONS[0].stem, "NN_slug")
    assert setup_cell(path).replace(path.stem, "NN_slug") == reference


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem.endswith("_solutions")], ids=lambda p: p.name)
def test_solutions_notebook_reads_the_lessons_results_and_does_not_rerun_it(path):
    lesson = nbformat.read(path.with_name(path.stem.removesuffix("_solutions") + ".ipynb"), as_version=4)
    solutions = nbformat.read(path, as_version=4)
    assert "lesson.saved(" in "".join(c.source for c in solutions.cells), "load what the lesson saved"
    for marker in ("trainer.train()", "ppo_train(", ".save_pretrained(", "write_metrics("):
        assert not any(marker in c.source for c in solutions.cells if c.cell_type == "code"), f"{marker} re-runs the lesson"
    lesson_code = {c.source for c in lesson.cells if c.cell_type == "code"}
    copied = [c.source for c in solutions.cells[1:] if c.cell_type == "code" and c.source in lesson_code]
    assert not copied, f"{len(copied)} code cells are copies of the lesson's"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_executed_and_says_where(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "commit notebooks executed top to bottom"
    setup_output = "".join(o.get("text", "") for o in code[0].outputs)
    assert "profile:" in setup_output and "hardware:" in setup_output


def test_every_shipped_dataset_is_in_the_datasheet():
    datasheet = (REPO_ROOT / "data" / "DATASHEET.md").read_text()
    for path in (REPO_ROOT / "data").glob("*.jsonl"):
        assert path.name in datasheet, f"{path.name} is not documented in data/DATASHEET.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checked_cells_hold_no_machine_specific_output(path):
    # nbval compares these outputs on every machine: a warning with a file path would fail elsewhere
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in cell.source:
            for output in cell.outputs:
                assert output.get("name") != "stderr", f"stderr in a checked cell: {output.get('text', '')[:120]!r}"
