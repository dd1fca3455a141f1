"""The ``fsclust`` command line: ``solve``, ``validate`` and ``solvers``.

A thin shell over the library: one error boundary turns any `FsclustError` (and file errors)
into a single line ``fsclust: error: ...`` on stderr and exit code 1 (2 for usage errors), with
no traceback. Outputs are rendered in memory and written atomically only after the solve
succeeded, so a failure never leaves a file behind.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from fsclust import __version__
from fsclust.errors import FsclustError, FsclustWarning

__all__ = ["main", "run"]


class _UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fsclust", description="Fixed-size (size-constrained) clustering.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("solve", help="solve a YAML problem spec and print a summary table")
    run.add_argument("spec", type=Path)
    run.add_argument("--solver", help="count-assignment backend (overrides solver.backend; see "
                                      "`fsclust solvers`)")
    run.add_argument("--capacity-method", help="total-weight method for clusters.size_unit: weight "
                                               "(overrides solver.capacity_method: auto, cpsat, "
                                               "lp-round)")
    run.add_argument("--restarts", type=int, help="number of restarts (overrides solver.restarts)")
    run.add_argument("--seed", type=int, help="random seed (overrides solver.seed)")
    run.add_argument("--out", type=Path, help="output folder (overrides output.dir)")
    plots = run.add_mutually_exclusive_group()
    plots.add_argument("--plot", type=Path, help="write a PNG plot to this file")
    plots.add_argument("--no-plot", action="store_true", help="skip the spec's plot (output.plot)")
    run.add_argument("--json", action="store_true", help="print the JSON summary instead of a table")
    run.add_argument("--quiet", action="store_true", help="no progress (live display or lines) on "
                                                          "stderr")
    check = sub.add_parser("validate", help="check a spec and its data without solving")
    check.add_argument("spec", type=Path)
    sub.add_parser("solvers", help="list the assignment backends and capacity methods")
    return parser


def _solve(args: argparse.Namespace) -> int:
    from fsclust.app.progress import solve_progress
    from fsclust.app.report import format_table, summary_json
    from fsclust.app.spec import load_spec
    from fsclust.app.workflow import (
        output_files,
        output_targets,
        solve_spec,
        spec_context,
        spec_stats,
        with_overrides,
        without_plot,
        write_dask_labels,
        write_outputs,
    )

    spec = with_overrides(load_spec(args.spec), backend=args.solver,
                          capacity_method=args.capacity_method, restarts=args.restarts, seed=args.seed)
    if args.no_plot:
        spec = without_plot(spec)
    output_targets(spec, out_dir=args.out, plot_file=args.plot)        # refuse bad targets early
    measure = "cost" if spec.medoids else "SSE"
    with solve_progress(spec.solver.restarts, quiet=args.quiet, measure=measure) as progress:
        result = solve_spec(spec, progress=progress.restart, on_iteration=progress.iteration)
    stats = spec_stats(spec, result)
    files = output_files(spec, result, stats, out_dir=args.out, plot_file=args.plot)
    if args.json:
        shown = result if spec.solver.engine != "dask" else replace(result, labels=result.labels[:0])
        text = summary_json(shown, stats, spec.point_names, **spec_context(spec)).decode()
    else:
        title = (f"{spec.path}: {spec.problem.n_points} points, {spec.problem.n_clusters} clusters"
                 + (f"\n{spec.embedding.describe()}" if spec.embedding is not None else ""))
        text = format_table(stats, result, title=title)
    write_outputs(spec, files, out_dir=args.out)
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
    from fsclust.assign.capacity import CAPACITY_METHODS

    for name, solver in SOLVERS.items():
        state = "available" if solver.is_available() else "not installed"
        print(f"{name:<10} ({solver.library})".ljust(24) + f"{state:<14} {solver.capabilities.describe()}")
    print("capacity methods (clusters.size_unit: weight; solver.capacity_method, --capacity-method): "
          + ", ".join(["auto", *CAPACITY_METHODS]))
    return 0


_COMMANDS = {"solve": _solve, "validate": _validate, "solvers": _solvers}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 1 error, 2 usage error, 130
    interrupted by Ctrl-C, at any moment, without a traceback and without writing outputs)."""
    with _noting_interrupts() as hits:
        try:
            return _run(argv)
        except KeyboardInterrupt:
            return _interrupted()
        except ImportError:      # NumPy & co. turn a Ctrl-C during their import into this
            if hits:
                return _interrupted()
            raise


def run() -> NoReturn:
    """The process entry point (``fsclust`` and ``python -m fsclust``): exit with `main`'s code.

    After Ctrl-C the process ends at once, once its message is flushed: an interpreter shutdown
    could wait for worker threads, or (when the signal hit code run by an extension's embedded
    ``PyRun_String``) re-raise SIGINT and replace exit code 130.
    """
    code = main()
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)


def _interrupted() -> int:
    print("fsclust: error: interrupted", file=sys.stderr)
    return 130


@contextlib.contextmanager
def _noting_interrupts() -> Iterator[list[int]]:
    """Ctrl-C raises KeyboardInterrupt as usual, and is also noted in the yielded list (an
    ignored SIGINT, e.g. in a background job, stays ignored)."""
    hits: list[int] = []
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        yield hits
        return

    def handler(signum: int, frame: Any) -> None:
        hits.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield hits
    finally:
        signal.signal(signal.SIGINT, previous)


def _run(argv: Sequence[str] | None) -> int:
    try:
        args = _parser().parse_args(argv)
        with _warning_lines():
            return _COMMANDS[args.command](args)
    except _UsageError as exc:
        print(f"fsclust: error: {exc} (see fsclust --help)", file=sys.stderr)
        return 2
    except FsclustError as exc:
        print(f"fsclust: error: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"fsclust: error: {where}{_one_line(exc.strerror or str(exc))}", file=sys.stderr)
        return 1
    except (MemoryError, RecursionError) as exc:
        print(f"fsclust: error: {type(exc).__name__}: the input is too large or too deeply "
              f"nested to process ({_one_line(str(exc))[:200]})", file=sys.stderr)
        return 1


def _one_line(text: str) -> str:
    return " ".join(text.split())


@contextlib.contextmanager
def _warning_lines() -> Iterator[None]:
    """Show every `FsclustWarning` as one line ``fsclust: warning: ...`` on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", FsclustWarning)
        show = warnings.showwarning

        def line(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, FsclustWarning):
                print(f"fsclust: warning: {_one_line(str(message))}", file=sys.stderr)
            else:
                show(message, category, *args, **kwargs)

        warnings.showwarning = line
        yield


if __name__ == "__main__":  # pragma: no cover
    run()
