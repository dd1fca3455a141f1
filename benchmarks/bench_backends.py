"""One fixed-size k-means fit with every assignment backend on the same data and the same init.

For each backend, one assignment step is timed first; a backend whose single step exceeds
``--step-budget`` seconds is not run to convergence (its row reports the step time and says so).

Usage::

    python benchmarks/bench_backends.py                 # n=10,000, k=100, d=2
    python benchmarks/bench_backends.py --n 2000 --k 20  # smaller
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import fsclust
from fsclust.assign import SOLVERS
from fsclust.assign.costs import SquaredEuclidean
from fsclust.models.init import kmeans_plusplus


def _data(n: int, k: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(k, d))[rng.integers(0, k, size=n)] * 4 + rng.normal(size=(n, d))
    return X, kmeans_plusplus(X, k, np.random.default_rng(seed + 1))


def _row(name: str, X: np.ndarray, centers: np.ndarray, budget: float) -> str:
    problem = fsclust.Problem.create(X, n_clusters=centers.shape[0])
    try:
        start = time.perf_counter()
        fsclust.assign(SquaredEuclidean().matrix(X, centers), solver=name)
        step = time.perf_counter() - start
    except fsclust.FsclustError as exc:
        return f"| {name} | - | - | - | refused: {exc} |"
    if step > budget:
        return f"| {name} | - | - | {step:.2f} | one step exceeds the {budget:g} s budget; fit not run |"
    start = time.perf_counter()
    result = fsclust.solve(problem, solver=name, init=centers, n_init=1, tol=0.0)
    total = time.perf_counter() - start
    return (f"| {name} | {total:.2f} | {result.n_iter} | {total / result.n_iter:.3f} | "
            f"SSE {result.objective:.6g} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--d", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step-budget", type=float, default=60.0)
    parser.add_argument("--backends", default=",".join(SOLVERS))
    args = parser.parse_args(argv)
    X, centers = _data(args.n, args.k, args.d, args.seed)
    print(f"n={args.n} k={args.k} d={args.d} balanced sizes, k-means++ init shared, n_init=1, tol=0")
    print("| backend | fit s | iterations | s per step | result |")
    print("|---|---|---|---|---|")
    for name in args.backends.split(","):
        print(_row(name, X, centers, args.step_budget), flush=True)


if __name__ == "__main__":
    main()
