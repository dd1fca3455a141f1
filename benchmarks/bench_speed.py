"""Speed benchmark: fsclust (auto, flow) vs k-means-constrained on the same data and init.

Every (case, tool) pair runs in its own subprocess so that its peak memory (``VmHWM`` of the
child: the whole process, data included) is measured in isolation; wall time is the ``fit`` call
only. Both tools get the same initial centers (k-means++ from one seed) and ``n_init=1``; SSE is
recomputed here from each tool's labels and final centers, with one formula for both.

Usage::

    python benchmarks/bench_speed.py            # full table (long: the peer needs minutes)
    python benchmarks/bench_speed.py --quick    # small cases, under a minute
    python benchmarks/bench_speed.py --cases 1000000,100   # rows by "n,k" or table index
    python benchmarks/bench_speed.py --tools auto          # fsclust's default only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np
from _memory import peak_mb

PEER = "kmc"          # k-means-constrained
TOOLS = ("auto", "flow", PEER)


@dataclass(frozen=True)
class Case:
    n: int
    k: int
    d: int
    sizes: str          # "balanced" or "skewed" (fixed, unequal sizes)
    tools: tuple[str, ...] = TOOLS
    note: str = ""


FULL = [
    Case(10_000, 100, 2, "balanced"),
    Case(10_000, 100, 32, "skewed"),
    Case(50_000, 100, 2, "balanced"),
    Case(100_000, 10, 2, "balanced"),
    Case(100_000, 10, 32, "skewed", ("auto", PEER)),
    Case(100_000, 1000, 2, "balanced", ("auto",),
         "peer skipped: 1e8 arcs per iteration (flow skipped too)"),
    Case(1_000_000, 100, 2, "balanced", ("auto",), "fsclust only"),
]
QUICK = [
    Case(2_000, 20, 2, "balanced"),
    Case(3_000, 30, 32, "skewed"),
    Case(50_000, 50, 2, "balanced", ("auto",), "fsclust only"),
]


def make_data(case: Case, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian blobs (k blob centers in a box, unit spread), fixed sizes, and initial centers
    by k-means++ on a random sample of ``20 k`` points (shared by every tool).

    Returns
    -------
    X : ndarray of shape (n, d)
    sizes : ndarray of shape (k,), int64, summing to n
    init : ndarray of shape (k, d)
    """
    from fsclust.models.init import kmeans_plusplus
    from fsclust.problem.sizes import balanced_sizes, largest_remainder

    rng = np.random.default_rng(seed)
    blob_centers = rng.uniform(-10.0, 10.0, size=(case.k, case.d))
    X = blob_centers[rng.integers(0, case.k, size=case.n)] + rng.normal(size=(case.n, case.d))
    if case.sizes == "balanced":
        sizes = balanced_sizes(case.n, case.k)
    else:
        sizes = largest_remainder(np.geomspace(1.0, 4.0, case.k) / np.geomspace(1.0, 4.0, case.k).sum(),
                                  case.n)
    sample = X[rng.choice(case.n, size=min(case.n, 20 * case.k), replace=False)]
    init = kmeans_plusplus(sample, case.k, np.random.default_rng(seed + 1))
    return X, sizes, init


class _Timed:
    """Registry backend wrapper that records the wall time of every assignment solve."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name, self.library = inner.name, inner.library
        self.capabilities = inner.capabilities
        self.seconds: list[float] = []

    def is_available(self) -> bool:
        return self.inner.is_available()

    def solve(self, cost: np.ndarray, sizes: object, *, warm_start: np.ndarray | None = None):
        start = time.perf_counter()
        result = self.inner.solve(cost, sizes, warm_start=warm_start)
        self.seconds.append(time.perf_counter() - start)
        return result


def _warm_up(X: np.ndarray, sizes: np.ndarray, tool: str) -> None:
    """One tiny fit with the same tool, dimension and kind of sizes, untimed: numba compiles its
    kernels once per installation (then loads them from its cache), which is not a fit's cost."""
    from fsclust import FixedSizeKMeans
    from fsclust.assign import get_solver
    from fsclust.problem.sizes import Sizes

    k = min(len(sizes), 8)
    small = np.full(k, 50) if np.all(sizes == sizes[0]) else np.arange(1, k + 1) * 20
    n = int(small.sum())
    sample = X[np.random.default_rng(0).choice(X.shape[0], size=n, replace=False)]
    backend = get_solver(tool, Sizes.from_counts(sizes), X.shape[0])   # the backend the fit gets
    FixedSizeKMeans(sizes=small, solver=backend, n_init=1, random_state=0).fit(sample)


def _fit_fsclust(X: np.ndarray, sizes: np.ndarray, init: np.ndarray, tool: str) -> dict:
    from fsclust import FixedSizeKMeans
    from fsclust.assign import get_solver
    from fsclust.problem.sizes import Sizes

    _warm_up(X, sizes, tool)
    backend = _Timed(get_solver(tool, Sizes.from_counts(sizes), X.shape[0]))
    model = FixedSizeKMeans(sizes=sizes, solver=backend, init=init, n_init=1)
    start = time.perf_counter()
    model.fit(X)
    wall = time.perf_counter() - start
    steps = [h["seconds"] for h in model.result_.history]
    return {"wall": wall, "iterations": int(model.n_iter_), "labels": model.labels_,
            "centers": model.cluster_centers_, "backend": backend.name,
            "assign_s": backend.seconds, "step_s": steps}


def _fit_peer(X: np.ndarray, sizes: np.ndarray, init: np.ndarray) -> dict:
    from k_means_constrained import KMeansConstrained

    if not np.all(sizes == sizes[0]):
        return {"skipped": "k-means-constrained takes one size_min/size_max for all clusters"}
    model = KMeansConstrained(n_clusters=len(sizes), size_min=int(sizes[0]), size_max=int(sizes[0]),
                              init=init, n_init=1, random_state=0)
    start = time.perf_counter()
    model.fit(X)
    wall = time.perf_counter() - start
    return {"wall": wall, "iterations": int(getattr(model, "n_iter_", -1)), "labels": model.labels_,
            "centers": model.cluster_centers_, "backend": "k-means-constrained"}


def sse(X: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> float:
    """Sum of squared distances of every point to its cluster's reported center."""
    return float(((X - centers[labels]) ** 2).sum())


def worker(spec: dict) -> dict:
    """Run one (case, tool) pair in this process; returns the table row."""
    case = Case(**{key: spec[key] for key in ("n", "k", "d", "sizes")})
    X, sizes, init = make_data(case, spec["seed"])
    tool = spec["tool"]
    out = _fit_peer(X, sizes, init) if tool == PEER else _fit_fsclust(X, sizes, init, tool)
    if "skipped" in out:
        return out
    counts = np.bincount(out["labels"], minlength=case.k)
    row = {"wall": out["wall"], "iterations": out["iterations"], "backend": out["backend"],
           "sse": sse(X, out["labels"], out["centers"]),
           "sizes_ok": bool(np.array_equal(np.sort(counts), np.sort(sizes))),
           "peak_mb": peak_mb()}
    if "assign_s" in out:
        row["assign_s"], row["step_s"] = out["assign_s"], out["step_s"]
        row["dist_s"] = _distance_pass(X, out["centers"])
    return row


def _distance_pass(X: np.ndarray, centers: np.ndarray) -> float:
    """Seconds of one (n, k) squared-distance pass as the engine computes it each iteration (row
    norms cached, output buffer reused); the fastest of three."""
    from fsclust.assign.costs import SquaredEuclidean

    model = SquaredEuclidean(reuse_buffer=True)
    model.matrix(X, centers)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        model.matrix(X, centers)
        times.append(time.perf_counter() - start)
    return min(times)


def run_child(case: Case, tool: str, seed: int, timeout: float) -> dict:
    spec = {**asdict(case), "tool": tool, "seed": seed}
    cmd = [sys.executable, __file__, "--worker", json.dumps(spec)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"skipped": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"skipped": "failed: " + done.stderr.strip().splitlines()[-1][:80]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fmt(case: Case, tool: str, row: dict, ref: dict | None) -> str:
    head = f"| {case.n:>9,} | {case.k:>5} | {case.d:>3} | {case.sizes:<8} | {tool:<5} |"
    if "skipped" in row:
        return f"{head} {'-':>9} | {'-':>5} | {'-':>14} | {'-':>8} | {'-':>7} | {row['skipped']}"
    ratio = row["wall"] / ref["wall"] if ref and "wall" in ref else float("nan")
    ok = "" if row["sizes_ok"] else " SIZES WRONG"
    return (f"{head} {row['wall']:>9.2f} | {row['iterations']:>5} | {row['sse']:>14.6g} | "
            f"{row['peak_mb']:>8.0f} | {ratio:>7.1f} | {row['backend']}{ok}")


def _iteration_note(case: Case, row: dict) -> str:
    assign = np.array(row["assign_s"])
    warm = assign[1:] if assign.size > 1 else assign
    return (f"  per iteration (n={case.n:,}, k={case.k}): one (n, k) distance pass "
            f"{row['dist_s']:.3f} s; assignment step (with d <= 4 it computes its own costs, no "
            f"distance pass): first (cold) {assign[0]:.3f} s, warm median {np.median(warm):.3f} s, "
            f"max {warm.max():.3f} s -> warm/distance = {np.median(warm) / row['dist_s']:.2f}")


def select(cases: list[Case], picks: list[str] | None) -> list[Case]:
    """The rows of ``cases`` named in ``picks`` (a table index or ``"n,k"``), all when None."""
    if not picks:
        return cases
    chosen = []
    for pick in picks:
        if "," in pick:
            n, k = (int(float(part)) for part in pick.split(","))
            found = [case for case in cases if (case.n, case.k) == (n, k)]
            if not found:
                raise SystemExit(f"no case with n={n}, k={k}")
            chosen += found
        else:
            chosen.append(cases[int(pick)])
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cases, under a minute")
    parser.add_argument("--cases", nargs="+", metavar="CASE",
                        help='rows to run: index in the table, or "n,k" (e.g. 1000000,100)')
    parser.add_argument("--tools", nargs="+", choices=TOOLS,
                        help="run only these tools (default: each case's own list)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per (case, tool)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    print(f"# load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("| n | k | d | sizes | tool | wall s | iters | SSE | peak MB | x auto | backend / note |")
    print("|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---|")
    notes = []
    for case in select(QUICK if args.quick else FULL, args.cases):
        ref = None
        for tool in (t for t in case.tools if not args.tools or t in args.tools):
            row = run_child(case, tool, args.seed, args.timeout)
            ref = row if tool == "auto" else ref
            print(_fmt(case, tool, row, ref), flush=True)
            if tool == "auto" and "assign_s" in row:
                notes.append(_iteration_note(case, row))
        if case.note:
            notes.append(f"  n={case.n:,} k={case.k}: {case.note}")
    print("\n".join(notes))
    print(f"# load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
