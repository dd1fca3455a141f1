"""The update step: move every center to the (weighted) mean of its cluster."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array

__all__ = ["cluster_sums", "mean_update", "means_from_sums"]

_BINCOUNT_MAX_D = 16


def cluster_sums(X: np.ndarray, labels: np.ndarray, k: int,
                 sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster (weighted) coordinate sums (k, d) and masses (k,).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    labels : ndarray of shape (n,)
    k : int
    sample_weight : ndarray of shape (n,), optional

    Returns
    -------
    sums : ndarray of shape (k, d)
        ``sum_{i : labels_i = j} w_i x_i``.
    mass : ndarray of shape (k,)
        ``sum_{i : labels_i = j} w_i`` (the counts without weights).
    """
    n = X.shape[0]
    if X.shape[1] <= _BINCOUNT_MAX_D:     # one cheap bincount per column beats building a matrix
        mass = np.bincount(labels, weights=sample_weight, minlength=k).astype(np.float64)
        weighted = X if sample_weight is None else X * sample_weight[:, None]
        sums = np.column_stack([np.bincount(labels, weights=weighted[:, t], minlength=k)
                                for t in range(X.shape[1])]).reshape(k, X.shape[1])
        return sums, mass
    w = np.ones(n) if sample_weight is None else sample_weight
    membership = csr_array((w, (labels, np.arange(n))), shape=(k, n))
    return np.asarray(membership @ X), np.asarray(membership.sum(axis=1), dtype=np.float64)


def means_from_sums(sums: np.ndarray, mass: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """``sums / mass`` per cluster (k, d); a cluster without mass keeps its ``centers`` row."""
    new = centers.copy()
    filled = mass > 0
    new[filled] = sums[filled] / mass[filled, None]
    return new


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
    sums, mass = cluster_sums(X, labels, centers.shape[0], sample_weight)
    return means_from_sums(sums, mass, centers)
