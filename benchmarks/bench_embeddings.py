"""Embeddings benchmark: fsclust at its defaults vs scikit-learn's Lloyd k-means, per iteration.

Overlapping Gaussian mixtures (``k`` components of unequal weight whose means are about one
noise standard deviation apart, so the clusters overlap) in ``d`` dimensions, balanced sizes
``n / k``. Every tool gets the same data, the same initial centers (k-means++ on a sample),
``n_init=1``, ``tol=0`` and ``max_iter=15``; the figure compared is the whole fit divided by its
iterations. scikit-learn's ``KMeans(algorithm="lloyd")`` (the faster of two fits) is
unconstrained: one distance pass and an argmin per iteration, the physical limit of an exact
balanced iteration. k-means-constrained (the peer) runs where its flow network (``n * k``
arcs) stays under 1e6 (at n=1e4, k=1000 it did not finish 15 iterations in two minutes), within
the budget plus a minute.

Each (case, tool) pair runs in its own subprocess, so its peak memory (``VmHWM``: the whole
process, data included) is its own. fsclust first makes one small untimed fit (``first call``:
numba's JIT compilation when its cache is cold, load from the cache otherwise), then the timed
fit; a fit that passes ``--budget`` seconds stops at the next iteration and reports the
iterations it made. ``where the time goes`` splits fsclust's iterations into the cost pass (the
distance matrix, or nothing where costs are computed on demand), the exact assignment and the rest
(update step, bookkeeping).

Usage::

    python benchmarks/bench_embeddings.py                # the grid: n 1e4..1e6, d 2..128, k 100, 1000
    python benchmarks/bench_embeddings.py --quick        # n=1e4, k=100, d 2 and 32 (a minute)
    python benchmarks/bench_embeddings.py --cases 100000,64,1000 --budget 120
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np
from _memory import peak_mb

TOOLS = ("fsclust", "lloyd", "kmc")
MAX_ITER = 15
PEER_MAX_ARCS = 1_000_000


@dataclass(frozen=True)
class Case:
    n: int
    d: int
    k: int


FULL = [Case(n, d, k) for n, k, d in itertools.product((10_000, 100_000, 1_000_000), (100, 1000),
                                                        (2, 32, 64, 128))]
QUICK = [Case(10_000, 2, 100), Case(10_000, 32, 100)]


def make_data(case: Case, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping Gaussian mixture, balanced sizes and shared initial centers.

    Returns
    -------
    X : ndarray of shape (n, d)
        ``k`` components with Dirichlet(2) weights, means drawn from N(0, I) (about as far
        apart as the unit noise), so neighbouring clusters overlap.
    sizes : ndarray of shape (k,), int64
        Balanced sizes summing to ``n``.
    init : ndarray of shape (k, d)
        k-means++ on a random sample of ``min(n, 20 k)`` points.
    """
    from fsclust.models.init import kmeans_plusplus
    from fsclust.problem.sizes import balanced_sizes

    rng = np.random.default_rng(seed)
    means = rng.normal(size=(case.k, case.d))
    component = rng.choice(case.k, size=case.n, p=rng.dirichlet(np.full(case.k, 2.0)))
    X = means[component] + rng.normal(size=(case.n, case.d))
    sample = X[rng.choice(case.n, size=min(case.n, 20 * case.k), replace=False)]
    init = kmeans_plusplus(sample, case.k, np.random.default_rng(seed + 1))
    return X, balanced_sizes(case.n, case.k), init


class _Budget(Exception):
    """The fit passed its wall budget."""


class _TimedSolver:
    """The backend that ``solver="auto"`` picks, wrapped to time every assignment solve."""

    def __init__(self, inner: object) -> None:
        self.inner, self.seconds, self.infos = inner, [], []
        self.name, self.library, self.capabilities = inner.name, inner.library, inner.capabilities

    def is_available(self) -> bool:
        return self.inner.is_available()

    def solve(self, cost: object, sizes: object, *, warm_start: np.ndarray | None = None) -> object:
        start = time.perf_counter()
        result = self.inner.solve(cost, sizes, warm_start=warm_start)
        self.seconds.append(time.perf_counter() - start)
        self.infos.append(getattr(result, "info", None) or {})
        return result


def _first_call(X: np.ndarray, k: int) -> float:
    """Seconds of a small fit in the same dimension, 2,000 points and ``min(k, 50)`` clusters:
    the backend of the timed fit (n * k >= 1e5 cells), so numba compiles its kernels on a cold
    cache."""
    import fsclust
    from fsclust.problem.sizes import balanced_sizes

    m, k = min(X.shape[0], 2000), min(k, 50)
    start = time.perf_counter()
    fsclust.solve(fsclust.Problem.create(X[:m], sizes=balanced_sizes(m, k)), n_init=1, max_iter=2,
                  random_state=0)
    return time.perf_counter() - start


def _fit_fsclust(X: np.ndarray, sizes: np.ndarray, init: np.ndarray, budget: float) -> dict:
    import fsclust
    from fsclust.assign import get_solver

    first = _first_call(X, sizes.size)
    problem = fsclust.Problem.create(X, sizes=sizes)
    backend = _TimedSolver(get_solver("auto", problem.sizes, X.shape[0]))
    steps: list[float] = []
    start = time.perf_counter()

    def observe(_: int, event: object) -> None:
        steps.append(event.seconds)
        if time.perf_counter() - start > budget and event.stop is None:
            raise _Budget

    try:
        result = fsclust.solve(problem, solver=backend, init=init, n_init=1, tol=0.0,
                               max_iter=MAX_ITER, on_iteration=observe)
        labels, centers, stopped = result.labels, result.centers, ""
    except _Budget:
        labels = centers = None
        stopped = f"stopped at the {budget:.0f} s budget"
    wall = time.perf_counter() - start
    assign = float(np.sum(backend.seconds[:len(steps)]))
    return {"wall": wall, "iterations": len(steps), "labels": labels, "centers": centers,
            "first_call": first, "backend": backend.name, "stopped": stopped,
            "split": [sum(steps) - assign, assign, wall - sum(steps)],
            "solves": _solve_stats(backend.name, backend.infos[:len(steps)], X.shape[0])}


def _solve_stats(name: str, infos: list[dict], n: int) -> str:
    """The backend and what its solves did over the iterations (from their ``info``): warm
    starts; the ``dual`` solver's seconds per iteration in its argmin passes, cold-start ladder,
    shortest paths and certificate; and per iteration its moves, shortest-path rounds, settled
    nodes (each relaxes up to k arcs), and the rows read (in units of n) to fill the candidate
    lists and to rebuild exhausted rows of them."""
    if not any("moves" in info for info in infos):
        return name
    its = max(len(infos), 1)
    warm = sum(bool(info.get("warm_started")) for info in infos)
    per_it = {key: sum(info.get(key, 0) for info in infos) / its
              for key in ("moves", "rounds", "settled", "scanned", "rebuilt")}
    split = {key: sum(info.get("split", {}).get(key, 0.0) for info in infos) / its
             for key in ("pass", "ladder", "paths", "certify")}
    return (f"{name}: {warm}/{len(infos)} warm; s/it pass {split['pass']:.3f}, ladder "
            f"{split['ladder']:.3f}, paths {split['paths']:.3f}, certify {split['certify']:.3f}; "
            f"per it {per_it['moves']:,.0f} moves, {per_it['rounds']:,.0f} rounds, "
            f"{per_it['settled']:,.0f} settled, rows read {per_it['scanned'] / n:.2f} n to fill, "
            f"{per_it['rebuilt'] / n:.2f} n to rebuild")


def _fit_lloyd(X: np.ndarray, sizes: np.ndarray, init: np.ndarray) -> dict:
    from sklearn.cluster import KMeans

    walls = []
    for _ in range(2):          # the faster of two fits: the first pays one-time set-up costs
        model = KMeans(sizes.size, init=init, n_init=1, tol=0.0, max_iter=MAX_ITER, algorithm="lloyd")
        start = time.perf_counter()
        model.fit(X)
        walls.append(time.perf_counter() - start)
    return {"wall": min(walls), "iterations": int(model.n_iter_), "labels": model.labels_,
            "centers": model.cluster_centers_}


def _fit_peer(X: np.ndarray, sizes: np.ndarray, init: np.ndarray) -> dict:
    from k_means_constrained import KMeansConstrained

    if X.shape[0] * sizes.size > PEER_MAX_ARCS:
        return {"skipped": f"n*k > {PEER_MAX_ARCS:.0e} arcs"}
    model = KMeansConstrained(sizes.size, size_min=int(sizes.min()), size_max=int(sizes.max()),
                              init=init, n_init=1, tol=0.0, max_iter=MAX_ITER, random_state=0)
    start = time.perf_counter()
    model.fit(X)
    return {"wall": time.perf_counter() - start, "iterations": int(model.n_iter_),
            "labels": model.labels_, "centers": model.cluster_centers_}


def worker(spec: dict) -> dict:
    """Run one (case, tool) pair in this process; returns its row."""
    case = Case(spec["n"], spec["d"], spec["k"])
    X, sizes, init = make_data(case, spec["seed"])
    tool = spec["tool"]
    if tool == "fsclust":
        out = _fit_fsclust(X, sizes, init, spec["budget"])
    else:
        out = _fit_lloyd(X, sizes, init) if tool == "lloyd" else _fit_peer(X, sizes, init)
    if "skipped" in out:
        return out
    row = {key: value for key, value in out.items() if key not in ("labels", "centers")}
    row["peak_mb"] = peak_mb()
    row["data_mb"] = X.nbytes / 2**20
    if out["labels"] is not None:
        counts = np.bincount(out["labels"], minlength=case.k)
        row["sse"] = float(((X - out["centers"][out["labels"]]) ** 2).sum())
        row["sizes_ok"] = bool(np.array_equal(np.sort(counts), np.sort(sizes)))
    return row


def run_child(case: Case, tool: str, seed: int, budget: float) -> dict:
    spec = {**asdict(case), "tool": tool, "seed": seed, "budget": budget}
    cmd = [sys.executable, __file__, "--worker", json.dumps(spec)]
    timeout = 3 * budget + 600 if tool == "fsclust" else budget + 60   # fsclust stops itself
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"skipped": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"skipped": "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:100]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _per_it(row: dict) -> float:
    return row["wall"] / max(row["iterations"], 1) if "wall" in row else float("nan")


def format_row(case: Case, rows: dict[str, dict]) -> str:
    """One markdown row: Lloyd and fsclust per iteration, their ratio, memory, the peer."""
    lloyd, ours, peer = rows.get("lloyd", {}), rows.get("fsclust", {}), rows.get("kmc", {})
    ratio = _per_it(ours) / _per_it(lloyd)
    peer_cell = peer.get("skipped", "-") if "wall" not in peer else f"{_per_it(peer):.3f}"
    if "wall" not in ours:
        return (f"| {case.n:,} | {case.d} | {case.k} | {_per_it(lloyd):.4f} | "
                f"{ours.get('skipped', '-')} | | | | | {peer_cell} | |")
    pass_s, assign_s, rest_s = (part / max(ours["iterations"], 1) for part in ours["split"])
    sizes = "" if ours.get("sizes_ok", True) else " SIZES WRONG"
    note = (f"{ours['stopped']}{sizes}".strip() or f"{ours['iterations']} it, SSE {ours['sse']:.6g}"
            ) + f"; {ours['solves']}"
    return (f"| {case.n:,} | {case.d} | {case.k} | {_per_it(lloyd):.4f} | {_per_it(ours):.4f} | "
            f"{ratio:.1f}x | {ours['first_call']:.1f} | {ours['peak_mb']:.0f} "
            f"(data {ours['data_mb']:.0f}) | {pass_s:.3f} / {assign_s:.3f} / {rest_s:.3f} | "
            f"{peer_cell} | {note} |")


def select(cases: list[Case], picks: list[str] | None) -> list[Case]:
    """The cases named ``"n,d,k"`` in ``picks`` (any case, not only the grid's), all when None."""
    if not picks:
        return cases
    return [Case(*(int(float(part)) for part in pick.split(","))) for pick in picks]


HEADER = ("| n | d | k | Lloyd s/it | fsclust s/it | ratio | first call s | fsclust peak MB | "
          "costs / assignment / rest s/it | k-means-constrained s/it | note |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n=1e4, k=100, d 2 and 32")
    parser.add_argument("--cases", nargs="+", metavar="N,D,K", help='cases to run, e.g. "100000,64,1000"')
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--budget", type=float, default=300.0, help="wall seconds per fsclust fit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    print(f"# load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(HEADER)
    for case in select(QUICK if args.quick else FULL, args.cases):
        rows = {tool: run_child(case, tool, args.seed, args.budget) for tool in args.tools}
        print(format_row(case, rows), flush=True)
    print(f"# load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
