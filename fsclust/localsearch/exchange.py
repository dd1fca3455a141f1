"""Pairwise exchange: swap two points of different clusters when that lowers the objective.

A swap keeps every cluster size, so any objective over fixed-size partitions can be searched
this way. The driver is generic; an objective is an `ExchangeModel` that gives, for one point
``i``, the objective change of swapping it with every other point (vectorised, O(n d)).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

__all__ = ["CentroidModel", "ExchangeModel", "LocalSearchResult", "exchange"]


@dataclass
class LocalSearchResult:
    """Outcome of a local search over fixed-size partitions.

    Attributes
    ----------
    labels : ndarray of shape (n,)
    objective : float
        Recomputed from scratch for the final labels.
    n_swaps : int
        Improving swaps applied.
    n_passes : int
        Sweeps over all points.
    local_optimum : bool
        True when the last sweep found no improving swap: no exchange of two points lowers
        the objective (a pairwise-exchange local optimum).
    run_objectives : list of float
        Final objective of every restart (for multi-start searches).
    """

    labels: np.ndarray
    objective: float
    n_swaps: int
    n_passes: int
    local_optimum: bool
    run_objectives: list[float] = field(default_factory=list)


class ExchangeModel(Protocol):
    """An objective over labelings whose swaps the exchange driver evaluates."""

    labels: np.ndarray

    def deltas(self, i: int) -> np.ndarray:
        """Objective change of swapping ``i`` with every point, shape (n,); ``inf`` where the
        point is in ``i``'s cluster."""
        ...

    def swap(self, i: int, j: int) -> None:
        """Exchange the clusters of ``i`` and ``j`` and update the cached statistics."""
        ...

    def objective(self) -> float:
        """The objective of the current labels, recomputed from scratch."""
        ...


def exchange(model: ExchangeModel, rng: np.random.Generator, *, max_passes: int,
             deadline: float | None = None) -> LocalSearchResult:
    """Best-improvement pairwise exchange from the model's current labels.

    Sweeps the points in a random order; for each point applies its best swap if that lowers
    the objective by more than a relative 1e-12. Stops after a sweep without improvement (a
    local optimum), after ``max_passes`` sweeps, or at ``deadline`` (``time.perf_counter``).
    The objective never increases and the cluster sizes never change.
    """
    n = model.labels.shape[0]
    current = model.objective()
    swaps = passes = 0
    optimum = False
    while passes < max_passes and not _expired(deadline):
        passes += 1
        improved = False
        for i in rng.permutation(n):
            delta = model.deltas(int(i))
            j = int(np.argmin(delta))
            if delta[j] < -1e-12 * max(abs(current), 1e-300):
                model.swap(int(i), j)
                current += float(delta[j])
                swaps += 1
                improved = True
            if _expired(deadline):
                break
        if not improved:
            optimum = True
            break
    return LocalSearchResult(model.labels.copy(), model.objective(), swaps, passes, optimum)


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() > deadline


class CentroidModel:
    """Weighted SSE to cluster means, ``sum_i w_i |x_i - mean(cluster_i)|^2``, with means
    re-fitted after every swap (the exact k-means objective of a labeling).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    labels : ndarray of shape (n,)
    n_clusters : int
    sample_weight : ndarray of shape (n,), optional
    """

    def __init__(self, X: np.ndarray, labels: np.ndarray, n_clusters: int,
                 sample_weight: np.ndarray | None = None) -> None:
        self.X = X - X.mean(axis=0)                       # centred: smaller round-off
        self.w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        self.labels = np.asarray(labels, dtype=np.int64).copy()
        self.k = n_clusters
        self.mass = np.bincount(self.labels, weights=self.w, minlength=n_clusters)
        self.sums = np.zeros((n_clusters, X.shape[1]))
        np.add.at(self.sums, self.labels, self.w[:, None] * self.X)
        self._refresh()

    def _refresh(self) -> None:
        """Per point: its cluster's mass and mean without it, and the SSE drop of removing it."""
        own = self.mass[self.labels]
        self.rest = own - self.w
        ok = self.rest > 0
        safe = np.where(ok, self.rest, 1.0)
        self.mean_wo = np.where(ok[:, None], (self.sums[self.labels] - self.w[:, None] * self.X)
                                / safe[:, None], 0.0)
        dist = ((self.X - self.mean_wo) ** 2).sum(axis=1)
        self.removal = np.where(ok, self.w * safe / (safe + self.w), 0.0) * dist

    def deltas(self, i: int) -> np.ndarray:
        w, x, a = self.w, self.X, self.labels[i]
        add_j = np.where(self.rest[i] > 0, w * self.rest[i] / (self.rest[i] + w), 0.0)
        add_j = add_j * ((x - self.mean_wo[i]) ** 2).sum(axis=1)
        add_i = w[i] * self.rest / (self.rest + w[i]) * ((x[i] - self.mean_wo) ** 2).sum(axis=1)
        delta = add_j + add_i - self.removal[i] - self.removal
        delta[self.labels == a] = np.inf
        return delta

    def swap(self, i: int, j: int) -> None:
        a, b = self.labels[i], self.labels[j]
        moved = self.w[j] * self.X[j] - self.w[i] * self.X[i]
        self.sums[a] += moved
        self.sums[b] -= moved
        self.mass[a] += self.w[j] - self.w[i]
        self.mass[b] += self.w[i] - self.w[j]
        self.labels[i], self.labels[j] = b, a
        self._refresh()

    def centers(self, X: np.ndarray) -> np.ndarray:
        """Cluster means in the coordinates of the original ``X`` (n, d), shape (k, d)."""
        means = self.sums / np.where(self.mass > 0, self.mass, 1.0)[:, None]
        return means + X.mean(axis=0)

    def objective(self) -> float:
        means = self.sums / np.where(self.mass > 0, self.mass, 1.0)[:, None]
        return float((self.w * ((self.X - means[self.labels]) ** 2).sum(axis=1)).sum())
