"""metrics.json writing and the headless course runner: its results table and how it survives failing lessons."""

import contextlib
import io
import json
import math
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from utils import course
from utils.metrics import LessonRun, read_all_metrics
from utils.stats import rate


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
    LessonRun("01_a", "cpu").write_metrics(chat_rate=0.875, n_eval=60)
    table = course.results_table("cpu", [course.LessonResult("01_a", True, 90.0),
                                         course.LessonResult("02_b", False, 30.0, "code cell 3/9: ValueError: boom")])
    row_a, row_b = table.splitlines()[1:]
    assert row_a.split()[:3] == ["01_a", "ok", "1.5m"] and row_a.endswith("chat_rate=0.875, n_eval=60")
    assert row_b.split()[:3] == ["02_b", "FAILED", "0.5m"] and row_b.endswith("code cell 3/9: ValueError: boom")


def test_results_table_shows_an_estimate_with_its_interval_and_n(runs):
    chat_rate = rate([True] * 52 + [False] * 8)
    LessonRun("01_a", "cpu").write_metrics(chat_rate=chat_rate, loss_after=0.705)
    table = course.results_table("cpu", [course.LessonResult("01_a", True, 60.0)])
    expected = f"chat_rate={chat_rate.value:.3g} [{chat_rate.low:.3g}, {chat_rate.high:.3g}] n=60, loss_after=0.705"
    assert table.splitlines()[1].endswith(expected)
    assert "_ci_low" not in table and "_n=" not in table


def test_results_table_keeps_a_lone_suffix_key_as_a_plain_number(runs):
    # only a complete estimate (value, low, high, n) is folded; `x_n` alone is an ordinary metric
    LessonRun("01_a", "cpu").write_metrics(pairs=150, pairs_n=150, reward_ci_low=0.5)
    table = course.results_table("cpu", [course.LessonResult("01_a", True, 60.0)])
    assert table.splitlines()[1].endswith("pairs=150, pairs_n=150, reward_ci_low=0.5")


def test_a_new_artifact_never_overwrites_an_earlier_one(runs):
    run = LessonRun("02_demo", "ci")
    first = run.artifact_dir("adapter")
    first.mkdir()
    (first / "weights.bin").write_text("earlier training")
    second = run.artifact_dir("adapter")
    assert second == first and not second.exists()
    kept = [p for p in run.dir.iterdir() if p.name.startswith("adapter.")]
    assert len(kept) == 1 and (kept[0] / "weights.bin").read_text() == "earlier training"


# ---------------------------------------------------------------- the runner on lessons that fail
CELL_TIMEOUT_S = 2  # the hanging lesson sleeps far longer; every other cell takes milliseconds


def write_lesson(folder, slug, *sources):
    cells = [new_markdown_cell(f"# {slug}")] + [new_code_cell(source) for source in sources]
    nbformat.write(new_notebook(cells=cells), folder / f"{slug}.ipynb")


@pytest.fixture(scope="module")
def course_run(tmp_path_factory):
    """Run the runner once on four tiny lessons: three fail in different ways, the last passes."""
    lessons = tmp_path_factory.mktemp("lessons")
    write_lesson(lessons, "01_cell_error", "x = 1", "print('before the error')",
                 "raise ValueError('the reward went negative')", "print('never runs')")
    # SIGKILL is what the out-of-memory killer sends: no traceback, the kernel is simply gone
    write_lesson(lessons, "02_kernel_dies", "print('alive')", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
                 "print('never runs')")
    write_lesson(lessons, "03_cell_hangs", "import time\ntime.sleep(300)", "print('never runs')")
    write_lesson(lessons, "04_passes", "import sys\nprint(sys.executable)",
                 "import json, os, pathlib\n"
                 "out = pathlib.Path(os.environ['COURSE_RUNS_DIR'], 'ci', '04_passes')\n"
                 "out.mkdir(parents=True, exist_ok=True)\n"
                 "(out / 'metrics.json').write_text(json.dumps({'lesson': '04_passes', 'answer': 42}))")
    write_lesson(lessons, "04_passes_solutions", "raise SystemExit('solutions notebooks are not run')")
    # A 'python3' kernelspec of another Python, found before this one (as a user-level spec from
    # another install would be): a runner that trusted it would start kernels without our packages.
    other_python = tmp_path_factory.mktemp("jupyter") / "kernels" / "python3"
    other_python.mkdir(parents=True)
    (other_python / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-I", "-S", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "another Python, without the course's packages", "language": "python",
    }))
    runs = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COURSE_RUNS_DIR", str(runs))
        env.setenv("COURSE_PROFILE", "ci")
        env.setenv("JUPYTER_PATH", str(other_python.parent.parent))
        printed, printed_passing_only = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = course.main(["--lessons-dir", str(lessons), "--cell-timeout", str(CELL_TIMEOUT_S)])
        with contextlib.redirect_stdout(printed_passing_only):
            status_passing_only = course.main(["--lessons-dir", str(lessons), "--only", "04"])
    output = printed.getvalue()
    table = output[output.index("\nlesson ") + 1:output.index("\nExecuted notebooks")].strip().splitlines()
    rows = {line.split()[0]: line for line in table[1:]}
    return {"status": status, "status_passing_only": status_passing_only, "rows": rows,
            "saved": runs / "ci", "output": output}


def saved_outputs(course_run, slug):
    """The text each code cell of the saved notebook printed, in order ('' where nothing)."""
    nb = nbformat.read(course_run["saved"] / slug / f"{slug}.ipynb", as_version=4)
    return ["".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells if cell.cell_type == "code"]


def test_runner_records_a_cell_error_and_goes_on(course_run):
    row = course_run["rows"]["01_cell_error"]
    assert "FAILED" in row and row.endswith("code cell 3/4: ValueError: the reward went negative")


def test_runner_records_a_dead_kernel_and_goes_on(course_run):
    row = course_run["rows"]["02_kernel_dies"]
    assert "FAILED" in row and "code cell 2/3: the kernel died (out of memory?" in row


def test_runner_records_a_cell_timeout_and_goes_on(course_run):
    row = course_run["rows"]["03_cell_hangs"]
    assert "FAILED" in row and f"code cell 1/2: still running after {CELL_TIMEOUT_S} s" in row


def test_runner_runs_the_lessons_after_failed_ones_and_not_solutions(course_run):
    assert list(course_run["rows"]) == ["01_cell_error", "02_kernel_dies", "03_cell_hangs", "04_passes"]
    row = course_run["rows"]["04_passes"]
    assert row.split()[1] == "ok" and row.endswith("answer=42")


def test_runner_saves_each_notebook_as_far_as_it_got(course_run):
    assert saved_outputs(course_run, "01_cell_error") == ["", "before the error\n", "", ""]
    assert saved_outputs(course_run, "02_kernel_dies") == ["alive\n", "", ""]
    assert saved_outputs(course_run, "04_passes") == [sys.executable + "\n", ""]
    error = nbformat.read(course_run["saved"] / "01_cell_error" / "01_cell_error.ipynb", as_version=4).cells[3].outputs
    assert [o.output_type for o in error] == ["error"] and error[0].ename == "ValueError"


def test_lessons_run_in_this_interpreter_whatever_python3_kernelspec_is_installed(course_run):
    # the fixture put another Python's 'python3' kernelspec first on JUPYTER_PATH
    assert saved_outputs(course_run, "04_passes")[0] == sys.executable + "\n"


def test_runner_exits_non_zero_when_any_lesson_failed_and_zero_when_all_passed(course_run):
    assert course_run["status"] == 1 and course_run["status_passing_only"] == 0
    assert "3 lesson(s) failed: 01_cell_error, 02_kernel_dies, 03_cell_hangs" in course_run["output"]


def test_runner_records_an_error_of_nbclient_itself(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    def broken_execute(self, **kwargs):
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(NotebookClient, "execute", broken_execute)
    write_lesson(tmp_path, "01_any", "print('hi')")
    ok, error = course.execute(tmp_path / "01_any.ipynb", tmp_path / "out")
    assert not ok and error == "starting the kernel: RuntimeError: Kernel didn't respond in 60 seconds"
    assert (tmp_path / "out" / "01_any.ipynb").exists()


def test_runner_records_a_notebook_it_cannot_read(tmp_path):
    (tmp_path / "01_broken.ipynb").write_text('{"cells": [')  # e.g. a merge gone wrong
    ok, error = course.execute(tmp_path / "01_broken.ipynb", tmp_path / "out")
    assert not ok and error.startswith("cannot read the notebook") and error.endswith("is it valid .ipynb JSON?")


def test_metrics_table_shows_each_estimate_with_its_interval_and_n(runs):
    from utils.metrics import metrics_table
    from utils.stats import wilson_interval

    record = LessonRun("01_a", "cpu").write_metrics(chat_rate=wilson_interval(52, 60), train_steps=30)
    table = metrics_table(record)
    assert list(table.index) == ["chat_rate", "train_steps"]  # no bookkeeping, no loose _ci_ keys
    row = table.loc["chat_rate"]
    assert row["value"] == round(52 / 60, 3) and row["n"] == 60
    low, high = (float(x) for x in row["95% interval"].strip("[]").split(", "))
    assert low < 52 / 60 < high
    assert table.loc["train_steps", "value"] == 30 and table.loc["train_steps", "n"] == ""


def test_the_course_ends_with_the_report_card_when_lesson_09_wrote_one(tmp_path, monkeypatch):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    write_lesson(lessons, "09_card", "import os, pathlib\n"
                 "pathlib.Path(os.environ['COURSE_RUNS_DIR'], 'ci', 'report_card.md').write_text('# Report card (ci profile)')")
    monkeypatch.setenv("COURSE_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("COURSE_PROFILE", "ci")
    (tmp_path / "runs" / "ci").mkdir(parents=True)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert course.main(["--lessons-dir", str(lessons)]) == 0
    assert printed.getvalue().rstrip().splitlines()[-2:] == [
        "# Report card (ci profile)", "(also report_card.json and report_card.png beside it)"]
