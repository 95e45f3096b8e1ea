"""Run the whole course headless: execute every lesson notebook and print a results table.

    python -m utils.course                 # every lesson, in the detected profile (what `make course` runs)
    python -m utils.course --only 01 02    # some lessons
    python -m utils.course --cell-timeout 600   # give up on any cell that runs longer than 10 min
    COURSE_PROFILE=ci python -m utils.course

Executed notebooks land in `runs/<profile>/<NN_slug>/<NN_slug>.ipynb` beside each lesson's
`metrics.json`. A lesson that fails in any way (an error in a cell, a kernel that dies, e.g. out of
memory, a cell over the time limit) is saved as far as it got, its reason goes into the table, and
the run moves on to the next lesson; the exit status is non-zero when any lesson failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from utils import REPO_ROOT
from utils.metrics import estimate_keys, runs_root
from utils.profiles import ProfileError, detect_profile
from utils.stats import INTERVAL_SUFFIXES

LESSONS_DIR = REPO_ROOT / "lessons"
STANDARD_KEYS = {"lesson", "profile", "wall_time_s", "peak_rss_mb", "peak_vram_mb"}
DEFAULT_CELL_TIMEOUT_S = 1800  # far above any lesson cell (a whole gpu lesson targets 15 min); catches a hang
KERNEL_NAME = "python3"


class CurrentInterpreterKernelSpecs(KernelSpecManager):
    """Resolves the kernel name 'python3' to this very interpreter (`sys.executable -m ipykernel_launcher`),
    whatever kernelspecs the machine has installed: lessons run with the course's own packages, not
    those of another Python that happens to own the 'python3' kernelspec (as nbval's --nbval-current-env)."""

    def get_kernel_spec(self, kernel_name):
        if kernel_name != KERNEL_NAME:
            return super().get_kernel_spec(kernel_name)
        import ipykernel.kernelspec

        return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict())


class CurrentInterpreterKernelManager(AsyncKernelManager):
    """nbclient's default kernel manager, looking kernels up in `CurrentInterpreterKernelSpecs`."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self):
        return CurrentInterpreterKernelSpecs(data_dir=self.data_dir)


@dataclass(frozen=True)
class LessonResult:
    slug: str
    ok: bool
    seconds: float
    error: str = ""  # why it failed, one short line


def lesson_notebooks(only: list[str] | None = None, lessons_dir: Path = LESSONS_DIR) -> list[Path]:
    lessons_dir = Path(lessons_dir)
    everything = sorted(p for p in lessons_dir.glob("[0-9][0-9]_*.ipynb") if not p.stem.endswith("_solutions"))
    notebooks = everything
    if only:
        notebooks = [p for p in everything if any(p.stem.startswith(prefix) for prefix in only)]
        if not notebooks:
            raise SystemExit(f"No lesson matches {only}; lessons in {lessons_dir} are {[p.stem for p in everything]}")
    return notebooks


def _first_line(text: str, limit: int = 160) -> str:
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def execute(notebook: Path, out_dir: Path, cell_timeout: float = DEFAULT_CELL_TIMEOUT_S) -> tuple[bool, str]:
    """Execute one notebook in a fresh kernel of this interpreter; save it, as far as it got, to
    `out_dir` and return (ok, reason). Any failure is caught here so that the next lesson still runs."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from tqdm import tqdm  # plain text bars: readable in terminals, notebooks and saved outputs

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as err:  # nothing ran, so there is nothing to save
        return False, f"cannot read the notebook ({type(err).__name__}: {_first_line(err)}); is it valid .ipynb JSON?"
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    current = {"cell": None}  # the code cell running now, to say where a failure happened

    def on_cell_start(cell, cell_index):
        if cell.cell_type == "code":
            current["cell"] = cell_index

    def where() -> str:
        if current["cell"] is None:
            return "starting the kernel"
        return f"code cell {code_cells.index(current['cell']) + 1}/{len(code_cells)}"

    bar = tqdm(total=len(code_cells), desc=f"  {notebook.stem}", unit="cell", leave=False)
    client = NotebookClient(
        nb,
        timeout=cell_timeout,  # per cell; a hung cell fails its lesson instead of stalling the whole course
        kernel_name=KERNEL_NAME,
        kernel_manager_class=CurrentInterpreterKernelManager,
        shutdown_kernel="immediate",  # a failed lesson's kernel may be stuck in a loop: do not wait on it
        resources={"metadata": {"path": str(notebook.parent)}},
        on_cell_start=on_cell_start,
        on_cell_executed=lambda cell, cell_index, execute_reply: bar.update(cell.cell_type == "code"),
    )
    error = ""
    try:
        client.execute()
    except CellExecutionError as err:
        error = f"{where()}: {err.ename}: {_first_line(err.evalue)}"
    except CellTimeoutError:
        error = f"{where()}: still running after {cell_timeout:g} s (raise --cell-timeout if it is only slow)"
    except DeadKernelError:
        error = f"{where()}: the kernel died (out of memory? try a smaller COURSE_PROFILE or close other programs)"
    except Exception as err:  # nbclient or jupyter_client itself failed: still this lesson's failure only
        error = f"{where()}: {type(err).__name__}: {_first_line(err)}"
    finally:
        bar.close()
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / notebook.name)
    return not error, error


def _format_metrics(metrics: dict) -> str:
    """`name=value` per number; an estimate's four keys (see utils.stats) as one `name=0.867 [0.76, 0.933] n=60`."""
    def number(v):
        return f"{v:.3g}" if isinstance(v, float) else f"{v}"

    estimates, shown_with_their_estimate = estimate_keys(metrics)
    parts = []
    for key, value in metrics.items():
        if key in STANDARD_KEYS or key in shown_with_their_estimate:
            continue
        if key in estimates:
            low, high, n = (metrics[f"{key}{suffix}"] for suffix in INTERVAL_SUFFIXES)
            parts.append(f"{key}={number(value)} [{number(low)}, {number(high)}] n={int(n)}")
        else:
            parts.append(f"{key}={number(value)}")
    return ", ".join(parts)


def results_table(profile: str, results: list[LessonResult]) -> str:
    rows = [f"{'lesson':<28} {'status':<6} {'time':>7} {'peak MB':>8}  key results"]
    for result in results:
        path = runs_root() / profile / result.slug / "metrics.json"
        # a failed lesson's metrics.json, if any, is from an earlier run: not this run's result
        metrics = json.loads(path.read_text()) if result.ok and path.exists() else {}
        summary = _format_metrics(metrics) if result.ok else result.error
        peak = metrics.get("peak_vram_mb", metrics.get("peak_rss_mb"))
        peak = "-" if peak is None else f"{peak:.0f}"
        rows.append(f"{result.slug:<28} {'ok' if result.ok else 'FAILED':<6} {result.seconds / 60:>6.1f}m {peak:>8}  {summary}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="lesson number prefixes, e.g. 01 03")
    parser.add_argument("--cell-timeout", type=float, default=DEFAULT_CELL_TIMEOUT_S,
                        help=f"seconds one cell may run before its lesson counts as failed (default {DEFAULT_CELL_TIMEOUT_S}; 0: no limit)")
    parser.add_argument("--lessons-dir", type=Path, default=LESSONS_DIR, help="folder of NN_slug.ipynb lessons (default: lessons/)")
    args = parser.parse_args(argv)

    try:
        profile, why = detect_profile()
    except ProfileError as err:
        raise SystemExit(f"error: {err}") from None
    os.environ["COURSE_PROFILE"] = profile  # every lesson kernel inherits the same profile
    notebooks = lesson_notebooks(args.only, args.lessons_dir)
    print(f"Running {len(notebooks)} lesson(s) in the '{profile}' profile ({why}).", flush=True)
    results = []
    for i, notebook in enumerate(notebooks, start=1):
        print(f"[{i}/{len(notebooks)}] {notebook.stem} ...", flush=True)
        start = time.time()
        ok, error = execute(notebook, runs_root() / profile / notebook.stem, args.cell_timeout)
        seconds = time.time() - start
        print(f"[{i}/{len(notebooks)}] {notebook.stem}: {'ok' if ok else 'FAILED'} in {seconds / 60:.1f} min"
              + (f" - {error}" if error else ""), flush=True)
        results.append(LessonResult(notebook.stem, ok, seconds, error))
    print()
    print(results_table(profile, results))
    print(f"\nExecuted notebooks and metrics: {runs_root() / profile}")
    card = runs_root() / profile / "report_card.md"
    if any(r.ok and r.slug.startswith("09_") for r in results) and card.exists():  # written by lesson 09 in this run
        print(f"\n{card.read_text()}\n(also {card.with_suffix('.json').name} and {card.with_suffix('.png').name} beside it)")
    failed = [r.slug for r in results if not r.ok]
    if failed:
        print(f"{len(failed)} lesson(s) failed: {', '.join(failed)}. Open the executed notebook(s) above to see where.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
