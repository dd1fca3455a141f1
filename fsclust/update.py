"""The update step: move every center to the (weighted) mean of its cluster."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array

__all__ = ["mean_update"]


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
    w = np.ones(n) if sample_weight is None else sample_weight
    membership = csr_array((w, (labels, np.arange(n))), shape=(k, n))
    sums = membership @ X
    mass = membership.sum(axis=1)
    new = centers.copy()
    filled = mass > 0
    new[filled] = sums[filled] / mass[filled, None]
    return new
