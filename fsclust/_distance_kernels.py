"""numba kernel for squared distances in few dimensions (used by `fsclust.costs`); private.

With ``d <= 4`` a BLAS product has too little work per output to pay for itself, and the fused
form ``|x|^2 - 2 x.c + |c|^2`` needs four passes over the (n, k) result; this kernel writes every
entry once, as ``sum_t (x_t - c_t)^2`` (non-negative by construction), in parallel over rows.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(parallel=True, cache=True)
def squared_distances_direct(X: np.ndarray, centers: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` (n, k) with ``|X[i] - centers[j]|^2`` for ``X`` (n, d), ``centers`` (k, d)."""
    n, d = X.shape
    k = centers.shape[0]
    for i in nb.prange(n):
        for j in range(k):
            total = 0.0
            for t in range(d):
                diff = X[i, t] - centers[j, t]
                total += diff * diff
            out[i, j] = total
