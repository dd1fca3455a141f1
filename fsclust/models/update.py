"""The update step: move every center to the (weighted) mean of its cluster."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array

__all__ = ["mean_update"]

_BINCOUNT_MAX_D = 16


def mean_update(X: np.ndarray, labels: np.ndarray, centers: np.ndarray,
                sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Weighted cluster means; an empty cluster keeps its previous center.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    labels : ndarray of shape (n,)
    centers : ndarray of shape (k, d)
        Previous centers.
    sample_weight : ndarray of shape (n,), optional

    Returns
    -------
    ndarray of shape (k, d)
    """
    n, k = X.shape[0], centers.shape[0]
    if X.shape[1] <= _BINCOUNT_MAX_D:     # one cheap bincount per column beats building a matrix
        mass = np.bincount(labels, weights=sample_weight, minlength=k).astype(np.float64)
        weighted = X if sample_weight is None else X * sample_weight[:, None]
        sums = np.column_stack([np.bincount(labels, weights=weighted[:, t], minlength=k)
                                for t in range(X.shape[1])]).reshape(k, X.shape[1])
    else:
        w = np.ones(n) if sample_weight is None else sample_weight
        membership = csr_array((w, (labels, np.arange(n))), shape=(k, n))
        sums = membership @ X
        mass = membership.sum(axis=1)
    new = centers.copy()
    filled = mass > 0
    new[filled] = sums[filled] / mass[filled, None]
    return new
