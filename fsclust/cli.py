"""The ``fsclust`` command line: ``solve``, ``validate`` and ``solvers``.

A thin shell over the library: one error boundary turns any `FsclustError` (and file errors)
into a single line ``fsclust: error: ...`` on stderr and exit code 1 (2 for usage errors), with
no traceback. Outputs are rendered in memory and written atomically only after the solve
succeeded, so a failure never leaves a file behind.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from fsclust.errors import FsclustError

__all__ = ["main"]


class _UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fsclust", description="Fixed-size (size-constrained) clustering.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("solve", help="solve a YAML problem spec and print a summary table")
    run.add_argument("spec", type=Path)
    run.add_argument("--solver", help="assignment backend (see `fsclust solvers`)")
    run.add_argument("--restarts", type=int, help="number of restarts (overrides solver.restarts)")
    run.add_argument("--seed", type=int, help="random seed (overrides solver.seed)")
    run.add_argument("--out", type=Path, help="output folder (overrides output.dir)")
    run.add_argument("--plot", type=Path, help="write a PNG plot to this file")
    run.add_argument("--json", action="store_true", help="print the JSON summary instead of a table")
    run.add_argument("--quiet", action="store_true", help="no progress on stderr")
    check = sub.add_parser("validate", help="check a spec and its data without solving")
    check.add_argument("spec", type=Path)
    sub.add_parser("solvers", help="list the assignment backends and what each supports")
    return parser


def _progress(total: int, quiet: bool, measure: str = "SSE") -> Any:
    if quiet:
        return None
    every = max(1, total // 10)
    state = {"best": float("inf"), "done": 0, "start": time.perf_counter()}

    def report(index: int, run: Any) -> None:
        state["done"] += 1
        state["best"] = min(state["best"], run.objective)
        if state["done"] % every == 0 or state["done"] == total:
            print(f"restart {state['done']}/{total}: best {measure} {state['best']:.6g}, last run "
                  f"{run.n_iter} iteration(s) ({time.perf_counter() - state['start']:.1f} s)",
                  file=sys.stderr)
    return report


def _solve(args: argparse.Namespace) -> int:
    from fsclust.app.report import format_table, summary_json, write_atomic
    from fsclust.app.spec import load_spec
    from fsclust.app.workflow import (
        output_files,
        solve_spec,
        spec_context,
        spec_stats,
        with_overrides,
        write_dask_labels,
    )

    spec = with_overrides(load_spec(args.spec), backend=args.solver, restarts=args.restarts,
                          seed=args.seed)
    measure = "cost" if spec.medoids else "SSE"
    result = solve_spec(spec, progress=_progress(spec.solver.restarts, args.quiet, measure))
    stats = spec_stats(spec, result)
    files = output_files(spec, result, stats, out_dir=args.out, plot_file=args.plot)
    if args.json:
        shown = result if spec.solver.engine != "dask" else replace(result, labels=result.labels[:0])
        text = summary_json(shown, stats, spec.point_names, **spec_context(spec)).decode()
    else:
        title = (f"{spec.path}: {spec.problem.n_points} points, {spec.problem.n_clusters} clusters"
                 + (f"\n{spec.embedding.describe()}" if spec.embedding is not None else ""))
        text = format_table(stats, result, title=title)
    write_atomic(files)
    labels_file = write_dask_labels(spec, result, out_dir=args.out)
    if labels_file is not None:
        files[labels_file] = b""
    sys.stdout.write(text)
    if files and not args.quiet:
        print("wrote " + ", ".join(str(p) for p in files), file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from fsclust.app.spec import load_spec

    spec = load_spec(args.spec)
    problem = spec.problem
    shape = (f"k-medoids on the {problem.n_points} x {problem.n_points} dissimilarities" if spec.medoids
             else f"{problem.X.shape[1]} dimension(s)")
    print(f"{spec.path}: OK: {problem.n_points} points, {shape}, {problem.n_clusters} clusters "
          f"{_sizes_text(problem)}")
    if problem.sample_weight is not None:
        w = problem.sample_weight
        print(f"weights: total {math.fsum(w):.6g}, min {w.min():.6g}, max {w.max():.6g}")
    if spec.embedding is not None:
        print(spec.embedding.describe())
    if problem.links is not None:
        print(f"hard constraints: {len(problem.links.groups)} must-link group(s), "
              f"{len(problem.links.cannot)} cannot-link pair(s)")
    return 0


def _sizes_text(problem: Any) -> str:
    """``of sizes [...]`` / ``of sizes between [...] and [...]``, or the total-weight bounds."""
    lo, hi = ((problem.sizes.lo, problem.sizes.hi) if problem.weight_bounds is None
              else (problem.weight_bounds.lo, problem.weight_bounds.hi))
    what = "of sizes" if problem.weight_bounds is None else "of total weights"
    if (lo == hi).all():
        return f"{what} {_numbers(lo)}"
    return f"{what} between {_numbers(lo)} and {_numbers(hi)}"


def _numbers(values: Any) -> list[int | float]:
    """A (k,) array as a list, whole numbers as ints (``[12, 12.5]``, not ``[12.0, 12.5]``)."""
    return [int(v) if float(v).is_integer() else float(v) for v in values.tolist()]


def _solvers(args: argparse.Namespace) -> int:
    from fsclust.assign import SOLVERS

    for name, solver in SOLVERS.items():
        state = "available" if solver.is_available() else "not installed"
        print(f"{name:<10} ({solver.library})".ljust(24) + f"{state:<14} {solver.capabilities.describe()}")
    from fsclust.assign.linked import ConstrainedSolver
    from fsclust.problem.links import Links

    cpsat = ConstrainedSolver(Links(), SOLVERS["flow"]).is_available()
    print(f"{'cpsat':<10} (ortools)".ljust(24) + f"{'available' if cpsat else 'not installed':<14} "
          "hard must-link / cannot-link (used automatically for hard constraints)")
    return 0


_COMMANDS = {"solve": _solve, "validate": _validate, "solvers": _solvers}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 1 error, 2 usage error)."""
    try:
        args = _parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except _UsageError as exc:
        print(f"fsclust: error: {exc} (see fsclust --help)", file=sys.stderr)
        return 2
    except FsclustError as exc:
        print(f"fsclust: error: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"fsclust: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fsclust: error: interrupted", file=sys.stderr)
        return 130


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
