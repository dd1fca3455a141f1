"""Exact backend for exact sizes: the Hungarian method on slot-expanded costs.

Cluster ``j`` becomes ``size_j`` identical columns ("slots"), giving an n x n linear assignment
problem (Malinen & Fränti 2014) solved by `scipy.optimize.linear_sum_assignment`. Memory is
O(n^2), so it is only for small n; larger problems are refused before allocating.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from fsclust.assign.base import Assignment, Capabilities, assignment_from_labels
from fsclust.errors import SolverError
from fsclust.problem.sizes import Sizes

__all__ = ["HungarianSolver"]


class HungarianSolver:
    """scipy ``linear_sum_assignment`` on the (n, n) slot-expanded matrix (exact sizes only).

    Parameters
    ----------
    max_bytes : int, default 2 GiB
        Largest n x n float64 matrix it will build.
    """

    name = "hungarian"
    library = "scipy"
    capabilities = Capabilities(exact_sizes=True, bounds=False)

    def __init__(self, max_bytes: int = 2 * 1024**3) -> None:
        self.max_bytes = max_bytes

    def is_available(self) -> bool:
        return importlib.util.find_spec("scipy") is not None

    def solve(self, cost: np.ndarray, sizes: Sizes, *,
              warm_start: np.ndarray | None = None) -> Assignment:
        from scipy.optimize import linear_sum_assignment

        n = cost.shape[0]
        need = 8 * n * n
        if need > self.max_bytes:
            raise SolverError(
                f"The solver 'hungarian' needs an n x n matrix: n={n} needs {need / 1e9:.1f} GB, "
                f"over its limit of {self.max_bytes / 1e9:.1f} GB; use solver='flow'")
        slot_cluster = np.repeat(np.arange(cost.shape[1]), sizes.lo)
        rows, cols = linear_sum_assignment(cost[:, slot_cluster])
        labels = np.empty(n, dtype=np.int64)
        labels[rows] = slot_cluster[cols]
        return assignment_from_labels(cost, labels, self.name)
