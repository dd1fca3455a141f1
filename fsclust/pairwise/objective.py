"""The within-cluster pairwise-distance objective, straight from a distance matrix (no MDS).

.. math:: f(a) = \\sum_c \\alpha_c \\sum_{i < j,\\ a_i = a_j = c} D_{ij}

with ``objective="sum"``: ``alpha_c = 1`` (the total of within-cluster distances), or
``objective="mean"``: ``alpha_c = 1 / binom(s_c, 2)`` (the sum over clusters of the mean
within-cluster distance; clusters of fewer than 2 points contribute 0). With fixed sizes both
are linear in the "same cluster" pair indicators, so `fsclust.pairwise.proof` can prove optima for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fsclust._validation import MAX_RESTARTS, as_int, as_rng, as_square_matrix, fail
from fsclust.engine.core import best_of, restart_seeds
from fsclust.localsearch.exchange import LocalSearchResult, exchange
from fsclust.problem.sizes import resolve_sizes

__all__ = ["DISTANCE_RULES", "OBJECTIVES", "PairwiseModel", "cluster_weights", "pairwise_exchange",
           "pairwise_objective", "solve_pairwise", "within_cluster_means"]

OBJECTIVES = ("sum", "mean")
# The rules of a distance matrix for `fsclust._validation.as_square_matrix`: symmetric with a
# zero diagonal, up to a round-off of 1e-12 * max(1, max |d|).
DISTANCE_RULES: dict[str, Any] = {"symmetric": True, "zero_diagonal": True, "rtol": 1e-12}


def check_labels(labels: Any, n: int, n_clusters: int | None = None) -> np.ndarray:
    """Integer labels of shape (n,) in ``[0, n_clusters)``, or `ValidationError`."""
    lab = np.asarray(labels)
    if lab.shape != (n,) or lab.dtype.kind not in "iu" or (lab.size and lab.min() < 0):
        raise fail("labels", f"non-negative ints of shape ({n},)", lab)
    if n_clusters is not None and lab.size and lab.max() >= n_clusters:
        raise fail("labels", f"ints < n_clusters={n_clusters}", int(lab.max()))
    return lab.astype(np.int64)


def cluster_weights(counts: np.ndarray, objective: str) -> np.ndarray:
    """``alpha_c`` of shape (k,): ones for ``"sum"``, ``1 / binom(s_c, 2)`` for ``"mean"``."""
    if objective not in OBJECTIVES:
        raise fail("objective", f"one of {list(OBJECTIVES)}", objective)
    if objective == "sum":
        return np.ones(len(counts))
    pairs = counts * (counts - 1) / 2.0
    return np.divide(1.0, pairs, out=np.zeros(len(counts)), where=pairs > 0)


def within_cluster_means(distances: Any, labels: Any, n_clusters: int | None = None) -> np.ndarray:
    """Mean distance over the pairs of every cluster.

    Parameters
    ----------
    distances : array-like of shape (n, n)
        Symmetric, zero diagonal.
    labels : array-like of shape (n,)
    n_clusters : int, optional
        Default: ``max(labels) + 1``.

    Returns
    -------
    ndarray of shape (k,)
        0 for clusters below 2 points.
    """
    sums, counts = _cluster_sums(distances, labels, n_clusters)
    return sums * cluster_weights(counts, "mean")


def _cluster_sums(distances: Any, labels: Any, n_clusters: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Validated inputs -> (sum of within-cluster pair distances (k,), cluster counts (k,))."""
    D = as_square_matrix(distances, "distances", **DISTANCE_RULES)
    lab = check_labels(labels, D.shape[0], n_clusters)
    k = int(lab.max()) + 1 if n_clusters is None else n_clusters
    onehot = np.eye(k)[lab]
    return 0.5 * np.einsum("ic,ij,jc->c", onehot, D, onehot), onehot.sum(axis=0)


def pairwise_objective(distances: Any, labels: Any, *, objective: str = "sum",
                       n_clusters: int | None = None) -> float:
    """The objective ``f`` of the module docstring.

    Parameters
    ----------
    distances : array-like of shape (n, n)
        Symmetric, zero diagonal.
    labels : array-like of shape (n,)
    objective : {"sum", "mean"}, default "sum"
        Sum of within-cluster pair distances, or the sum of every cluster's mean.
    n_clusters : int, optional

    Returns
    -------
    float
    """
    sums, counts = _cluster_sums(distances, labels, n_clusters)
    return float((sums * cluster_weights(counts, objective)).sum())


class PairwiseModel:
    """`ExchangeModel` of ``f``: keeps ``R[i, c] = sum_{l in c} D[i, l]`` up to date (O(n) a swap).

    Parameters
    ----------
    distances : ndarray of shape (n, n)
    labels : ndarray of shape (n,)
    alpha : ndarray of shape (k,)
    """

    def __init__(self, distances: np.ndarray, labels: np.ndarray, alpha: np.ndarray) -> None:
        self.D = distances
        self.labels = labels.copy()
        self.alpha = alpha
        self.R = distances @ np.eye(len(alpha))[self.labels]

    def deltas(self, i: int) -> np.ndarray:
        a, lab, R = self.labels[i], self.labels, self.R
        b_alpha = self.alpha[lab]
        delta = (self.alpha[a] * (R[:, a] - R[i, a] - self.D[i])
                 + b_alpha * (R[i, lab] - R[np.arange(lab.size), lab] - self.D[i]))
        delta[lab == a] = np.inf
        return delta

    def swap(self, i: int, j: int) -> None:
        a, b = self.labels[i], self.labels[j]
        change = self.D[:, j] - self.D[:, i]
        self.R[:, a] += change
        self.R[:, b] -= change
        self.labels[i], self.labels[j] = b, a

    def objective(self) -> float:
        own = self.R[np.arange(self.labels.size), self.labels]
        return float(0.5 * (self.alpha[self.labels] * own).sum())


def pairwise_exchange(distances: Any, labels: Any, *, objective: str = "sum", max_passes: int = 100,
                      random_state: Any = None) -> LocalSearchResult:
    """Pairwise-exchange local search on ``f`` from ``labels``; sizes never change.

    Parameters
    ----------
    distances : array-like of shape (n, n)
        Symmetric, zero diagonal.
    labels : array-like of shape (n,)
        Start labeling (its cluster counts are the sizes kept).
    objective : {"sum", "mean"}, default "sum"
    max_passes : int, default 100
        Sweeps over all points at most; the search stops earlier at a local optimum.
    random_state : None, int or numpy.random.Generator
        Order in which points are visited.

    Returns
    -------
    LocalSearchResult

    Examples
    --------
    >>> import numpy as np
    >>> D = np.array([[0, 1, 9, 9], [1, 0, 9, 9], [9, 9, 0, 1], [9, 9, 1, 0]], dtype=float)
    >>> res = pairwise_exchange(D, [0, 1, 0, 1], random_state=0)
    >>> res.objective, res.local_optimum
    (2.0, True)
    """
    D = as_square_matrix(distances, "distances", **DISTANCE_RULES)
    lab = check_labels(labels, D.shape[0])
    passes = as_int(max_passes, "max_passes", minimum=1)
    alpha = cluster_weights(np.bincount(lab), objective)
    return exchange(PairwiseModel(D, lab, alpha), as_rng(random_state), max_passes=passes)


def solve_pairwise(distances: Any, sizes: Any, *, objective: str = "sum", n_init: int = 20,
                   max_passes: int = 100, random_state: Any = None,
                   n_jobs: int | None = None) -> LocalSearchResult:
    """Multi-start pairwise exchange for exact ``sizes``: random labelings, best local optimum.

    Parameters
    ----------
    distances : array-like of shape (n, n)
    sizes : array-like of shape (k,)
        Exact cluster sizes summing to n (or fractions, see `fsclust.resolve_sizes`).
    objective : {"sum", "mean"}, default "sum"
    n_init : int, default 20
    max_passes : int, default 100
    random_state : None, int or numpy.random.Generator
    n_jobs : None or int
        Worker threads; the result does not depend on it.

    Returns
    -------
    LocalSearchResult
        The best restart (earliest among ties), with ``run_objectives`` of all restarts.
    """
    D = as_square_matrix(distances, "distances", **DISTANCE_RULES)
    counts = resolve_sizes(D.shape[0], sizes=sizes).lo
    alpha = cluster_weights(counts, objective)
    restarts = as_int(n_init, "n_init", minimum=1, maximum=MAX_RESTARTS)
    passes = as_int(max_passes, "max_passes", minimum=1)
    base = np.repeat(np.arange(len(counts)), counts)

    def one(seed: int) -> LocalSearchResult:
        rng = np.random.default_rng(seed)
        return exchange(PairwiseModel(D, rng.permutation(base), alpha), rng, max_passes=passes)

    outcome = best_of(one, restart_seeds(as_rng(random_state), restarts), restarts, n_jobs=n_jobs)
    best = outcome.run
    best.run_objectives = outcome.objectives
    return best
