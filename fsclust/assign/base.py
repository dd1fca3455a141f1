"""What every assignment backend is: the `AssignmentSolver` protocol, its declared
`Capabilities`, and the typed `Assignment` it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from fsclust.problem.links import Links
from fsclust.problem.sizes import Sizes

__all__ = ["Assignment", "AssignmentSolver", "Capabilities", "LinksSolver", "assignment_from_labels"]

_LABELS = {"exact_sizes": "exact sizes", "bounds": "size bounds", "warm_start": "warm start",
           "on_demand": "on-demand costs",
           "links": "hard must-link / cannot-link (used automatically for hard constraints)"}


@dataclass(frozen=True)
class Capabilities:
    """What a backend can solve; the dispatcher checks these before calling it.

    Attributes
    ----------
    exact_sizes : bool
        Solves ``count_j == size_j``.
    bounds : bool
        Solves ``size_min_j <= count_j <= size_max_j``.
    warm_start : bool
        Accepts the previous solve's cluster prices to start from.
    on_demand : bool
        Accepts `fsclust.assign.costs.PointCosts` (costs evaluated where needed, no (n, k) matrix);
        other backends get ``PointCosts.dense()``.
    links : bool
        Honours hard must-link / cannot-link constraints (a `LinksSolver`). Such a backend is
        never named by the ``solver`` parameter: the driver uses it automatically for a problem
        with hard links, around the count backend ``solver`` names.
    """

    exact_sizes: bool = True
    bounds: bool = False
    warm_start: bool = False
    on_demand: bool = False
    links: bool = False

    def describe(self) -> str:
        """The capabilities in words, e.g. ``"exact sizes, size bounds"``."""
        return ", ".join(text for name, text in _LABELS.items() if getattr(self, name))


@dataclass(frozen=True, eq=False)
class Assignment:
    """The result of one assignment step.

    Attributes
    ----------
    labels : ndarray of shape (n,), int64
        Cluster index of every point.
    cost : float
        ``sum_i cost[i, labels[i]]``, recomputed in float64 from the input costs (numpy's sum
        for a matrix; for `fsclust.assign.costs.PointCosts`, the certificate pass's fixed-order sum).
    counts : ndarray of shape (k,), int64
        Points per cluster.
    solver : str
        Registry name of the backend that produced it.
    status : str
        ``"OPTIMAL"`` for every exact backend that succeeded.
    prices : ndarray of shape (k,) or None
        Cluster prices (LP duals) when the backend computes them: every point sits at an
        argmin of ``cost[i] - prices``. Used to warm-start the next solve.
    info : dict
        Backend-specific details (timings, iterations).
    """

    labels: np.ndarray
    cost: float
    counts: np.ndarray
    solver: str
    status: str = "OPTIMAL"
    prices: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)


def assignment_from_labels(cost: np.ndarray, labels: np.ndarray, solver: str, *,
                           prices: np.ndarray | None = None, **info: Any) -> Assignment:
    """Build an `Assignment`, computing its cost and counts from ``cost`` (n, k) and ``labels`` (n,)."""
    labels = np.asarray(labels, dtype=np.int64)
    total = float(cost[np.arange(cost.shape[0]), labels].sum())
    counts = np.bincount(labels, minlength=cost.shape[1]).astype(np.int64)
    return Assignment(labels, total, counts, solver, "OPTIMAL", prices, dict(info))


@runtime_checkable
class AssignmentSolver(Protocol):
    """An exact solver of: minimise ``sum_i cost[i, labels_i]`` subject to ``lo <= counts <= hi``.

    Implementations assume validated input: ``cost`` is a finite float64 array of shape
    (n, k) and ``sizes`` is a feasible `Sizes` the backend's capabilities cover.

    Attributes
    ----------
    name : str
        Registry name (``solver="name"``).
    library : str
        The third-party package it needs (for the install hint).
    capabilities : Capabilities
        What it can solve (exact sizes, bounds, warm starts, on-demand costs, links).
    """

    name: str
    library: str
    capabilities: Capabilities

    def is_available(self) -> bool:
        """Whether the backend's third-party library can be imported."""
        ...

    def solve(self, cost: np.ndarray, sizes: Sizes, *,
              warm_start: np.ndarray | None = None) -> Assignment:
        """Return an optimal `Assignment` or raise `SolverError` / `InfeasibleError`."""
        ...


@runtime_checkable
class LinksSolver(AssignmentSolver, Protocol):
    """A backend with the ``links`` capability: bound to a problem's hard constraints it solves
    ``min sum_i cost[i, labels_i]`` subject to the sizes *and* the links."""

    def with_links(self, links: Links, fallback: AssignmentSolver | None,
                   time_limit: float | None = None) -> AssignmentSolver:
        """A copy bound to ``links`` (`fsclust.problem.links.Links`); ``fallback`` is the count
        backend tried first on every step (its optimum is kept when it honours the links)."""
        ...
