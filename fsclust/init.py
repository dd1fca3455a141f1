"""Initial centers: ``"k-means++"``, ``"random"``, an array, or a callable ``(X, k, rng)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validation import fail
from .costs import squared_distances

__all__ = ["INITS", "kmeans_plusplus", "random_points", "resolve_init"]

InitFunction = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]


def kmeans_plusplus(X: np.ndarray, k: int, rng: np.random.Generator,
                    sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Greedy k-means++ seeding (Arthur & Vassilvitskii 2007; ``2 + log k`` trials per center).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    k : int
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (n,), optional

    Returns
    -------
    ndarray of shape (k, d)
    """
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else sample_weight
    trials = 2 + int(np.log(k))
    centers = np.empty((k, X.shape[1]))
    first = rng.choice(n, p=w / w.sum())
    centers[0] = X[first]
    closest = squared_distances(X, X[first:first + 1])[:, 0]
    for c in range(1, k):
        weights = closest * w
        total = weights.sum()
        if total <= 0:
            cand = rng.choice(n, size=trials)
        else:
            cand = np.searchsorted(np.cumsum(weights), rng.random(trials) * total)
            cand = np.minimum(cand, n - 1)
        dist = np.minimum(closest[:, None], squared_distances(X, X[cand]))
        best = int((dist * w[:, None]).sum(axis=0).argmin())
        centers[c] = X[cand[best]]
        closest = dist[:, best]
    return centers


def random_points(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct data points chosen uniformly at random, shape (k, d)."""
    return X[rng.choice(X.shape[0], size=k, replace=False)].copy()


INITS: dict[str, InitFunction] = {"k-means++": kmeans_plusplus, "random": random_points}


def resolve_init(init: Any, k: int, d: int, sample_weight: np.ndarray | None = None
                 ) -> Callable[[np.ndarray, np.random.Generator], np.ndarray]:
    """Turn the ``init`` parameter into a function ``(X, rng) -> centers`` of shape (k, d).

    Raises
    ------
    ValidationError
        Unknown name, wrong array shape, or a callable returning the wrong shape.
    """
    if isinstance(init, str):
        if init not in INITS:
            raise fail("init", f"one of {list(INITS)}, an array of shape (k, d) or a callable", init)
        if init == "k-means++":
            return lambda X, rng: kmeans_plusplus(X, k, rng, sample_weight)
        func: Callable[..., Any] = INITS[init]
    elif callable(init):
        func = init
    else:
        arr = np.asarray(init, dtype=np.float64)
        if arr.shape != (k, d) or not np.isfinite(arr).all():
            raise fail("init", f"a finite array of shape ({k}, {d})", f"shape {arr.shape}")
        return lambda X, rng: arr.copy()

    def call(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        centers = np.asarray(func(X, k, rng), dtype=np.float64)
        if centers.shape != (k, d):
            raise fail("init", f"a callable returning shape ({k}, {d})", f"shape {centers.shape}")
        return centers

    return call
