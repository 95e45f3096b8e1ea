"""pytest setup: lessons run in the `ci` profile, in a fresh runs folder, and each notebook's time is reported.

A fresh temporary `COURSE_RUNS_DIR` per test session means a lesson can only use what an earlier
lesson of this same session produced: a stale artifact from another run can never stand in for one
that this run failed to make (lesson 04 then says it uses its fallback).
"""

import os
import tempfile
from collections import defaultdict

os.environ.setdefault("COURSE_PROFILE", "ci")  # set before nbval starts any kernel, which inherits it
os.environ["COURSE_RUNS_DIR"] = tempfile.mkdtemp(prefix="course-test-runs-")

_notebook_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if _notebook_seconds:
        terminalreporter.section(f"lesson times ({os.environ['COURSE_PROFILE']} profile)")
        for path, seconds in sorted(_notebook_seconds.items()):
            terminalreporter.write_line(f"{path:<55} {seconds / 60:5.1f} min")
        terminalreporter.write_line(f"lesson outputs of this run: {os.environ['COURSE_RUNS_DIR']}")


# ---------------------------------------------------------------- solutions never write into a lesson's run folder
_snapshots: dict[str, dict] = {}


def _lesson_folder(notebook: str):
    from pathlib import Path

    lesson = Path(notebook).stem.removesuffix("_solutions")
    return Path(os.environ["COURSE_RUNS_DIR"]) / os.environ["COURSE_PROFILE"] / lesson


def _files(folder) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else {}


def _notebook_of(item) -> str | None:
    return item.nodeid.split("::")[0] if item is not None and item.nodeid.split("::")[0].endswith("_solutions.ipynb") else None


def pytest_runtest_setup(item):
    notebook = _notebook_of(item)
    if notebook and notebook not in _snapshots:  # the solutions notebook's first cell
        _snapshots[notebook] = _files(_lesson_folder(notebook))


def pytest_runtest_teardown(item, nextitem):
    notebook = _notebook_of(item)
    if notebook and _notebook_of(nextitem) != notebook:  # its last cell
        before, after = _snapshots[notebook], _files(_lesson_folder(notebook))
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert not changed, f"{notebook} changed the lesson's run folder: {changed[:5]}"
