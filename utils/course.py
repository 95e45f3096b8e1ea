"""Run the whole course headless: execute every lesson notebook and print a results table.

    python -m utils.course                 # every lesson, in the detected profile (what `make course` runs)
    python -m utils.course --only 01 02    # some lessons
    COURSE_PROFILE=ci python -m utils.course

Executed notebooks land in `runs/<profile>/<NN_slug>/<NN_slug>.ipynb` beside each lesson's
`metrics.json`. A lesson that fails is saved as far as it got and the run moves on to the next.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from utils import REPO_ROOT
from utils.metrics import runs_root
from utils.profiles import ProfileError, detect_profile

LESSONS_DIR = REPO_ROOT / "lessons"
STANDARD_KEYS = {"lesson", "profile", "wall_time_s", "peak_rss_mb", "peak_vram_mb"}


def lesson_notebooks(only: list[str] | None = None) -> list[Path]:
    notebooks = sorted(p for p in LESSONS_DIR.glob("[0-9][0-9]_*.ipynb") if not p.stem.endswith("_solutions"))
    if only:
        notebooks = [p for p in notebooks if any(p.stem.startswith(prefix) for prefix in only)]
        if not notebooks:
            raise SystemExit(f"No lesson matches {only}; lessons are {[p.stem for p in lesson_notebooks()]}")
    return notebooks


def execute(notebook: Path, out_dir: Path) -> tuple[bool, str]:
    """Execute one notebook in its own kernel; save it (even when it fails) and return (ok, error)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from tqdm import tqdm  # plain text bars: readable in terminals, notebooks and saved outputs

    nb = nbformat.read(notebook, as_version=4)
    n_code = sum(cell.cell_type == "code" for cell in nb.cells)
    bar = tqdm(total=n_code, desc=f"  {notebook.stem}", unit="cell", leave=False)
    client = NotebookClient(
        nb,
        timeout=None,  # long training cells are expected; the CI budget is enforced by pytest's caller
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
        on_cell_executed=lambda cell, cell_index, execute_reply: bar.update(cell.cell_type == "code"),
    )
    error = ""
    try:
        client.execute()
    except CellExecutionError as err:
        error = str(err).strip().splitlines()[-1]
    finally:
        bar.close()
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / notebook.name)
    return not error, error


def results_table(profile: str, results: list[tuple[str, bool, float]]) -> str:
    rows = [f"{'lesson':<28} {'status':<6} {'time':>7} {'peak MB':>8}  key results"]
    for slug, ok, seconds in results:
        path = runs_root() / profile / slug / "metrics.json"
        metrics = json.loads(path.read_text()) if ok and path.exists() else {}
        headline = ", ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items() if k not in STANDARD_KEYS
        )
        peak = metrics.get("peak_vram_mb", metrics.get("peak_rss_mb", float("nan")))
        rows.append(f"{slug:<28} {'ok' if ok else 'FAILED':<6} {seconds / 60:>6.1f}m {peak:>8.0f}  {headline}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="lesson number prefixes, e.g. 01 03")
    args = parser.parse_args(argv)

    try:
        profile, why = detect_profile()
    except ProfileError as err:
        raise SystemExit(f"error: {err}") from None
    os.environ["COURSE_PROFILE"] = profile  # every lesson kernel inherits the same profile
    notebooks = lesson_notebooks(args.only)
    print(f"Running {len(notebooks)} lesson(s) in the '{profile}' profile ({why}).", flush=True)
    results = []
    for i, notebook in enumerate(notebooks, start=1):
        print(f"[{i}/{len(notebooks)}] {notebook.stem} ...", flush=True)
        start = time.time()
        ok, error = execute(notebook, runs_root() / profile / notebook.stem)
        seconds = time.time() - start
        print(f"[{i}/{len(notebooks)}] {notebook.stem}: {'ok' if ok else 'FAILED'} in {seconds / 60:.1f} min"
              + (f" - {error}" if error else ""), flush=True)
        results.append((notebook.stem, ok, seconds))
    print()
    print(results_table(profile, results))
    print(f"\nExecuted notebooks and metrics: {runs_root() / profile}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
