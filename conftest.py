"""pytest setup: lessons run in the `ci` profile unless told otherwise, and each notebook's time is reported."""

import os
from collections import defaultdict

os.environ.setdefault("COURSE_PROFILE", "ci")  # set before nbval starts any kernel, which inherits it

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
