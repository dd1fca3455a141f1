"""Quickstart: balanced clustering of a small generated data set.

Follows the OR-Tools sample order: data -> problem -> solve -> check status -> report.
Run: python examples/quickstart.py
"""

from __future__ import annotations

import numpy as np

import fsclust


def make_data(seed: int = 0) -> np.ndarray:
    """300 points in 2-D: three Gaussian blobs of 150, 100 and 50 points."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 5.0]])
    counts = [150, 100, 50]
    return np.concatenate([c + rng.normal(size=(m, 2)) for c, m in zip(centers, counts, strict=True)])


def main() -> None:
    X = make_data()                                                    # data
    problem = fsclust.Problem.create(X, n_clusters=3)                  # problem: 3 clusters of 100
    result = fsclust.solve(problem, n_init=10, random_state=0)        # solve
    if not result.converged:                                           # check status
        print(f"warning: {result.message}")
    print("sizes:", result.counts.tolist())                            # report
    print(f"SSE: {result.objective:.3f}  MSE: {result.mse:.4f}")
    print(f"iterations: {result.n_iter}  solver: {result.solver}  status: {result.status}")
    free = fsclust.solve(fsclust.Problem.create(X, n_clusters=3, size_min=0, size_max=300),
                         n_init=10, random_state=0)
    print(f"unconstrained k-means for comparison: sizes {sorted(free.counts.tolist())}, "
          f"SSE {free.objective:.3f}")


if __name__ == "__main__":
    main()
