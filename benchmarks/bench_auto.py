"""Where ``solver="auto"`` switches backends: whole k-means fits with each exact backend.

For a grid of (n, k) on overlapping Gaussian mixtures (d=2 and d=16), one fit per backend from
the same k-means++ initial centers (``n_init=1``, default tol), numba's compile excluded (one
untimed warm-up fit first). Prints wall seconds per fit and which backend was fastest; the
switch point of ``fsclust.assign.dual.DualSolver.auto_preference`` is read off this table.

Usage::

    python benchmarks/bench_auto.py            # the grid (a few minutes)
    python benchmarks/bench_auto.py --quick    # a smaller grid
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import fsclust
from fsclust.models.init import kmeans_plusplus

BACKENDS = ("flow", "dual")
GRID = [(n, k) for n in (50, 200, 1_000, 5_000, 20_000) for k in (2, 5, 20, 100) if k * 4 <= n]
QUICK = [(200, 5), (1_000, 20), (5_000, 100)]


def mixture(n: int, k: int, d: int, seed: int) -> np.ndarray:
    """Overlapping Gaussian mixture: k means in a box of side 2 k^(1/d), unit spread."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-1.0, 1.0, size=(k, d)) * k ** (1.0 / d)
    return means[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))


def fit_seconds(X: np.ndarray, k: int, init: np.ndarray, solver: str) -> float:
    start = time.perf_counter()
    fsclust.FixedSizeKMeans(k, solver=solver, init=init, n_init=1).fit(X)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    warm = mixture(400, 8, 2, 0)
    for solver in BACKENDS:
        fit_seconds(warm, 8, warm[:8], solver)
    print(f"# load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("| n | k | d | n*k | " + " | ".join(f"{b} s" for b in BACKENDS) + " | fastest | dual/flow |")
    print("|---:|---:|---:|---:|" + "---:|" * len(BACKENDS) + "---|---:|")
    for d in (2, 16):
        for n, k in QUICK if args.quick else GRID:
            X = mixture(n, k, d, seed=n + k)
            init = kmeans_plusplus(X, k, np.random.default_rng(1))
            times = {b: min(fit_seconds(X, k, init, b) for _ in range(2)) for b in BACKENDS}
            best = min(times, key=times.get)
            print(f"| {n:,} | {k} | {d} | {n * k:,} | "
                  + " | ".join(f"{times[b]:.4f}" for b in BACKENDS)
                  + f" | {best} | {times['dual'] / times['flow']:.2f} |", flush=True)
    print(f"# load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
