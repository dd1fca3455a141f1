r"""Fixed-size k-medoids on a precomputed (n, n) dissimilarity matrix.

Centers are medoid *indices* ``m`` (k,). With dissimilarities :math:`D` and weights :math:`w`,

.. math::

    \min_{a, m} \sum_i w_i D_{i, m_{a_i}} \quad\text{s.t.}\quad
    \text{size\_min}_j \le |\{i : a_i = j\}| \le \text{size\_max}_j .

A medoid is a member of its cluster. The engine alternates the exact size-constrained
assignment on the cost matrix ``w[:, None] * D[:, m]`` (n, k), in which every medoid's own row is
*pinned* (a penalty above any total keeps medoid ``m_j`` in cluster ``j``, `medoid_cost` with
``pin=True``), with the medoid update: every cluster's new medoid is the member ``c``
minimising ``sum_{i in cluster} w_i D[i, c]`` (the current medoid is a member and wins ties).
Both steps never increase the objective, and the reported medoids are members of their
clusters; `home_medoids` is the final guard. Without the pin, sizes (or duplicate points) can put
a medoid's own point in another cluster, and a cluster would be represented by a stranger.
``D[i, c]`` is the cost of serving point i from medoid c; it need not be symmetric or metric.

**Medoids or MDS + means?** Prefer medoids when the dissimilarities are not Euclidean (travel
times, geodesics, compatibility scores, edit distances), when a cluster must be represented
by a real member, or when n is moderate (the matrix is n x n). Prefer classical MDS followed by
fixed-size k-means (`fsclust.pairwise.mds`) when the dissimilarities are (close to) Euclidean distances,
when you want centroids between points or to predict new points from coordinates, or when n is
too large for an n x n matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fsclust._validation import MAX_TOTAL, fail, lookup
from fsclust.errors import InfeasibleError
from fsclust.problem.sizes import Sizes

__all__ = [
    "MEDOID_INITS",
    "check_medoid_scale",
    "check_medoid_sizes",
    "home_medoids",
    "medoid_cost",
    "medoid_init",
    "medoid_update",
    "medoids_plusplus",
]

_BLOCK_ENTRIES = 2**23


def check_medoid_scale(dissimilarity: np.ndarray, sample_weight: np.ndarray | None = None,
                       param: str = "X") -> None:
    """Raise `ValidationError` when ``2 * n * max weight * max dissimilarity`` (the pin penalty
    of `medoid_cost`, above every total) would pass `fsclust._validation.MAX_TOTAL`."""
    n = dissimilarity.shape[0]
    weight_max = 1.0 if sample_weight is None else float(sample_weight.max())
    limit = MAX_TOTAL / (2.0 * max(n, 1) * weight_max)
    top = float(dissimilarity.max(initial=0.0))
    if not top <= limit:                        # NaN too (overflowed distances of huge points)
        worst = np.where(np.isnan(dissimilarity), np.inf, dissimilarity)
        i, j = np.unravel_index(int(worst.argmax()), dissimilarity.shape)
        top = float(dissimilarity[i, j])
        raise fail(param, f"dissimilarities <= {limit:.3g} (for n={n} and max weight {weight_max:g}: "
                   f"2 * n * max weight * dissimilarity must stay <= {MAX_TOTAL:g})",
                   top, detail=f"{top:.3g} at [{i}, {j}]")


def check_medoid_sizes(sizes: Sizes, n: int) -> None:
    """Raise `InfeasibleError` unless every cluster can hold at least one point (its medoid)."""
    empty = np.flatnonzero(sizes.hi < 1)
    if empty.size:
        raise InfeasibleError(f"k-medoids represents every cluster by one of its points, but "
                              f"size_max[{int(empty[0])}] = 0 leaves that cluster empty")
    need = int(np.maximum(sizes.lo, 1).sum())
    if need > n:
        raise InfeasibleError(f"k-medoids needs at least one point (its medoid) in every cluster: "
                              f"max(size_min, 1) sums to {need} > {n} points")


def medoid_cost(dissimilarity: np.ndarray, medoids: np.ndarray,
                sample_weight: np.ndarray | None = None, *, pin: bool = False) -> np.ndarray:
    """Assignment costs ``w_i * D[i, medoids[j]]`` of shape (n, k).

    With ``pin``, row ``medoids[j]`` costs ``2 n max(cost) + 1`` in every column but ``j``: more
    than any assignment that keeps each medoid in its own cluster, so an exact assignment does
    (whenever the sizes allow one point per cluster, `check_medoid_sizes`). The penalty never
    enters the objective of such an assignment.
    """
    cost = dissimilarity[:, medoids]
    if sample_weight is not None:
        cost = cost * sample_weight[:, None]
    if pin:
        k = len(medoids)
        own = cost[medoids, np.arange(k)]
        cost[medoids, :] = 2.0 * cost.shape[0] * float(cost.max(initial=0.0)) + 1.0
        cost[medoids, np.arange(k)] = own
    return cost


def home_medoids(dissimilarity: np.ndarray, labels: np.ndarray, medoids: np.ndarray,
                 sample_weight: np.ndarray | None = None) -> np.ndarray:
    """``medoids`` (k,) when each is a member of its cluster, else the best members (per cluster
    the member with the lowest weighted total), so that a medoid is always one of its points.

    Raises
    ------
    InfeasibleError
        A cluster without members (it has no point to be its medoid).
    """
    medoids = np.asarray(medoids, dtype=np.int64)
    if (labels[medoids] == np.arange(medoids.shape[0])).all():
        return medoids
    weight = np.ones(labels.shape[0]) if sample_weight is None else sample_weight
    new = medoids.copy()
    for j in range(new.shape[0]):
        members = np.flatnonzero(labels == j)
        if members.size == 0:
            raise InfeasibleError(f"k-medoids needs at least one point (its medoid) in every "
                                  f"cluster, but the assignment left cluster {j} empty")
        totals = _column_totals(dissimilarity, members, members, weight[members])
        new[j] = members[int(np.argmin(totals))]
    return new


def medoid_update(dissimilarity: np.ndarray, labels: np.ndarray, medoids: np.ndarray,
                  sample_weight: np.ndarray | None = None) -> np.ndarray:
    """New medoid indices (k,): per cluster the candidate with the lowest weighted total.

    Candidates are the members of cluster j and its current medoid ``medoids[j]`` (kept on
    ties, and for an empty cluster). In the engine the current medoid is a member (pinned
    assignment), so the new medoid is one too.

    Parameters
    ----------
    dissimilarity : ndarray of shape (n, n)
    labels : ndarray of shape (n,)
    medoids : ndarray of shape (k,), int
    sample_weight : ndarray of shape (n,), optional
    """
    weight = np.ones(labels.shape[0]) if sample_weight is None else sample_weight
    new = np.asarray(medoids, dtype=np.int64).copy()
    for j in range(new.shape[0]):
        members = np.flatnonzero(labels == j)
        if members.size == 0:
            continue
        candidates = np.concatenate([[new[j]], members[members != new[j]]])
        totals = _column_totals(dissimilarity, members, candidates, weight[members])
        new[j] = candidates[int(np.argmin(totals))]
    return new


def _column_totals(dissimilarity: np.ndarray, rows: np.ndarray, columns: np.ndarray,
                   row_weight: np.ndarray) -> np.ndarray:
    """``row_weight @ D[rows][:, columns]`` (len(columns),), in blocks of about 2**23 entries."""
    step = max(1, _BLOCK_ENTRIES // max(rows.size, 1))
    return np.concatenate([row_weight @ dissimilarity[np.ix_(rows, columns[start:start + step])]
                           for start in range(0, columns.size, step)])


def medoids_plusplus(dissimilarity: np.ndarray, k: int, rng: np.random.Generator,
                     sample_weight: np.ndarray | None = None) -> np.ndarray:
    """k-means++-style seeding on the costs ``D`` (greedy, ``2 + log k`` trials per medoid).

    Returns
    -------
    ndarray of shape (k,), int64
        Distinct point indices.
    """
    n = dissimilarity.shape[0]
    weight = np.ones(n) if sample_weight is None else sample_weight
    chosen = [int(rng.choice(n, p=weight / weight.sum()))]
    closest = dissimilarity[:, chosen[0]].copy()
    trials = 2 + int(np.log(k))
    for _ in range(1, k):
        mass = closest * weight
        mass[chosen] = 0.0
        free = np.setdiff1d(np.arange(n), chosen)
        if mass.sum() <= 0:
            candidates = rng.choice(free, size=min(trials, free.size), replace=False)
        else:
            candidates = rng.choice(n, size=trials, p=mass / mass.sum())
        reach = np.minimum(closest[:, None], dissimilarity[:, candidates])
        best = int((reach * weight[:, None]).sum(axis=0).argmin())
        chosen.append(int(candidates[best]))
        closest = reach[:, best]
    return np.array(chosen, dtype=np.int64)


def _random_medoids(dissimilarity: np.ndarray, k: int, rng: np.random.Generator,
                    sample_weight: np.ndarray | None = None) -> np.ndarray:
    return rng.choice(dissimilarity.shape[0], size=k, replace=False).astype(np.int64)


# Every entry takes ``(D, k, rng, sample_weight=None)`` and returns k distinct indices.
MEDOID_INITS = {"k-medoids++": medoids_plusplus, "random": _random_medoids}


def medoid_init(init: Any, n: int, k: int, sample_weight: np.ndarray | None = None) -> Any:
    """Turn ``init`` (a name in `MEDOID_INITS` or k distinct indices) into ``(D, rng) -> medoids``.

    Raises
    ------
    ValidationError
        Unknown name, or indices that are not k distinct ints in ``[0, n)``.
    """
    if isinstance(init, str):
        func = lookup(MEDOID_INITS, init, "init")
        return lambda D, rng: func(D, k, rng, sample_weight)
    arr = np.asarray(init)
    valid = (arr.shape == (k,) and arr.dtype.kind in "iu" and (arr >= 0).all() and (arr < n).all()
             and np.unique(arr).size == k)
    if not valid:
        raise fail("init", f"one of {list(MEDOID_INITS)} or {k} distinct point indices in [0, {n})",
                   init)
    fixed = arr.astype(np.int64)
    return lambda D, rng: fixed.copy()
