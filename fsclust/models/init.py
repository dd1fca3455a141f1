"""Initial centers: a name of `INITS` (``"k-means++"``, ``"random"``, ``"size-aware"``), an array,
or a callable ``(X, k, rng)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from fsclust._validation import as_real, fail, lookup
from fsclust.assign.costs import squared_distances

__all__ = ["INITS", "SIZE_AWARE", "kmeans_plusplus", "random_points", "resolve_init",
           "size_aware_plusplus"]

InitFunction = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]
# An `INITS` entry: ``(X, k, rng, sample_weight, sizes) -> centers (k, d)``.
InitMethod = Callable[[np.ndarray, int, np.random.Generator, "np.ndarray | None", Any], np.ndarray]


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


def size_aware_plusplus(X: np.ndarray, sizes: np.ndarray, rng: np.random.Generator,
                        sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Size-aware k-means++: D^2 seeding in which every center "uses up" its cluster's size.

    Centers are seeded in order of decreasing size (ties by index). After center j is chosen,
    its ``sizes[j]`` nearest still-uncovered points are marked covered, and the next center is
    drawn (greedy k-means++: ``2 + log k`` candidates, the one lowest on the potential kept)
    with probability proportional to ``w_i D(x_i)^2`` over uncovered points only. A dense
    region thus receives as many centers as its share of points requires, which plain
    k-means++ ignores. Center ``j`` is returned in row ``j``, matching cluster ``j`` of size
    ``sizes[j]``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    sizes : ndarray of shape (k,)
        Target points per cluster (summing to at most n).
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (n,), optional

    Returns
    -------
    ndarray of shape (k, d)
    """
    n, k = X.shape[0], len(sizes)
    w = np.ones(n) if sample_weight is None else sample_weight
    trials = 2 + int(np.log(k))
    centers = np.empty((k, X.shape[1]))
    free = np.ones(n, dtype=bool)
    closest = np.full(n, np.inf)
    for step, j in enumerate(np.argsort(-np.asarray(sizes), kind="stable")):
        weights = w * free * (1.0 if step == 0 else closest)
        total = weights.sum()
        draws = 1 if step == 0 else trials
        if total <= 0:
            cand = rng.choice(np.flatnonzero(free) if free.any() else np.arange(n), size=draws)
        else:
            cand = np.minimum(np.searchsorted(np.cumsum(weights), rng.random(draws) * total), n - 1)
        dist = np.minimum(closest[:, None], squared_distances(X, X[cand]))
        best = int((dist * (w * free)[:, None]).sum(axis=0).argmin())
        centers[j] = X[cand[best]]
        closest = dist[:, best]
        own = np.flatnonzero(free)
        near = own[np.argsort(squared_distances(X[own], centers[j:j + 1])[:, 0], kind="stable")]
        free[near[:int(sizes[j])]] = False
    return centers


def _target_sizes(n: int, k: int, sizes: Any) -> np.ndarray:
    """Sizes to seed for: exact sizes as given; bounds ``(lo, hi)`` -> ``lo`` plus the rest
    shared in proportion to ``hi - lo``; ``None`` -> balanced."""
    if sizes is None:
        return np.full(k, n // k) + (np.arange(k) < n % k)
    lo, hi = np.asarray(sizes.lo, dtype=np.float64), np.asarray(sizes.hi, dtype=np.float64)
    slack = hi - lo
    extra = (n - lo.sum()) * slack / slack.sum() if slack.sum() > 0 else np.zeros(k)
    return np.minimum(np.floor(lo + extra), hi).astype(np.int64)


def _plusplus_init(X: np.ndarray, k: int, rng: np.random.Generator,
                   sample_weight: np.ndarray | None = None, sizes: Any = None) -> np.ndarray:
    return kmeans_plusplus(X, k, rng, sample_weight)


def _random_init(X: np.ndarray, k: int, rng: np.random.Generator,
                 sample_weight: np.ndarray | None = None, sizes: Any = None) -> np.ndarray:
    return random_points(X, k, rng)


def _size_aware_init(X: np.ndarray, k: int, rng: np.random.Generator,
                     sample_weight: np.ndarray | None = None, sizes: Any = None) -> np.ndarray:
    return size_aware_plusplus(X, _target_sizes(X.shape[0], k, sizes), rng, sample_weight)


SIZE_AWARE = "size-aware"

# Every entry takes ``(X, k, rng, sample_weight=None, sizes=None)``; ``sizes`` is a `Sizes` or None.
INITS: dict[str, InitMethod] = {
    "k-means++": _plusplus_init,
    "random": _random_init,
    SIZE_AWARE: _size_aware_init,
}


def _one_blas_thread(method: InitMethod, X: np.ndarray, k: int, rng: np.random.Generator,
                     sample_weight: np.ndarray | None, sizes: Any) -> np.ndarray:
    """``method(X, k, rng, sample_weight, sizes)`` with one BLAS thread: seeding makes k thin
    products (n x d by d x (2 + log k)), where BLAS threads only add synchronisation (n = 1e4,
    d = 32, k = 100 on a busy 2-core machine: 0.5-1.8 s with them, 0.14-0.2 s without)."""
    with threadpool_limits(1, user_api="blas"):
        return method(X, k, rng, sample_weight, sizes)


def resolve_init(init: Any, k: int, d: int, sample_weight: np.ndarray | None = None,
                 sizes: Any = None) -> Callable[[np.ndarray, np.random.Generator], np.ndarray]:
    """Turn the ``init`` parameter into a function ``(X, rng) -> centers`` of shape (k, d).

    A name is looked up in `INITS`, whose entries get ``sample_weight`` and ``sizes`` (a
    `fsclust.Sizes`, optional: it feeds ``"size-aware"`` seeding; balanced without it).

    Raises
    ------
    ValidationError
        Unknown name, wrong array shape, or a callable returning the wrong shape.
    """
    if isinstance(init, str):
        method = lookup(INITS, init, "init")
        return lambda X, rng: _one_blas_thread(method, X, k, rng, sample_weight, sizes)
    if callable(init):
        func: Callable[..., Any] = init
    else:
        arr = as_real(init, "init", f"a finite array of shape ({k}, {d})")
        if arr.shape != (k, d) or not np.isfinite(arr).all():
            raise fail("init", f"a finite array of shape ({k}, {d})", arr, detail=f"shape {arr.shape}")
        return lambda X, rng: arr.copy()

    def call(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        centers = as_real(func(X, k, rng), "init", f"a callable returning shape ({k}, {d})")
        if centers.shape != (k, d) or not np.isfinite(centers).all():
            raise fail("init", f"a callable returning finite centers of shape ({k}, {d})", centers,
                       detail=f"shape {centers.shape}" if centers.shape != (k, d)
                       else "non-finite centers")
        return centers

    return call
