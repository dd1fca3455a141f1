r"""Capacity in total *weight*: every cluster's summed sample weight must lie within bounds.

.. math::

    \min_a \sum_i C_{i, a_i} \quad\text{s.t.}\quad
    \text{lo}_j \le \sum_{i : a_i = j} w_i \le \text{hi}_j \quad (j = 1..k).

Unlike count bounds (a min-cost flow, polynomial) this is a generalized assignment problem with
one knapsack per cluster, NP-hard in general. Two capacity methods (`CAPACITY_METHODS`, chosen by
the ``capacity_method`` parameter; the count backends of the ``solver`` parameter do not apply):

``"cpsat"``
    Exact: OR-Tools CP-SAT on n*k Boolean variables (status ``OPTIMAL``, or ``FEASIBLE`` with
    the solver's gap when the deterministic time limit stops it first).
``"lp-round"``
    Heuristic for large problems: the LP relaxation (HiGHS), rounded (a vertex splits at most k
    points), repaired and improved by single moves/swaps; ``info["gap"]`` is the relative gap
    to the LP lower bound (status ``HEURISTIC``).

``"auto"`` uses CP-SAT when ``n * k <= AUTO_EXACT_LIMIT`` and the heuristic otherwise.

**Integer scaling (both methods).** Weights and bounds are multiplied by a power of two
``S = 2**p`` (exact in floating point). When every weight and bound is a multiple of ``2**-p``
with ``(total weight) * S < 2**30`` (integers, halves, quarters, ...) the integer problem *is*
the float problem. Otherwise ``S`` is about ``2**30 / total`` and two roundings are used:

1. *outer* (a relaxation): weights rounded down and ``size_max`` up in the capacity constraints,
   weights up and ``size_min`` down in the minimum constraints. If it is infeasible, so is the
   float problem (that is the `InfeasibleError`); if its solution meets the float bounds
   (checked with `math.fsum`, correctly rounded), that solution is optimal for the float problem.
2. *inner* (a restriction, only when 1. broke a bound by rounding): the opposite roundings, so
   every integer solution meets the float bounds; the status is then at best ``FEASIBLE``.

(CP-SAT wrongly reported INFEASIBLE on a feasible 7-point instance with coefficients near
``2**37``; with ``2**30`` it matched brute force on 80 random instances.) Costs are shifted by
their row minima (free: each point is assigned once) and rounded to integers so that the
scaled total stays below ``2**40``; the solution is then optimal for the float costs up to
``info["objective_tolerance"]`` (``n**2 * range / 2**40``, range the largest shifted cost).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fsclust._validation import as_float_matrix, as_weights, fail, lookup
from fsclust.assign.base import Assignment
from fsclust.assign.capacity.cpsat import solve_cpsat
from fsclust.assign.capacity.integer import integer_problem
from fsclust.assign.capacity.lp_round import lp_round
from fsclust.errors import InfeasibleError, SolverError
from fsclust.problem.weights import WeightBounds, resolve_weight_bounds

__all__ = [
    "AUTO_EXACT_LIMIT",
    "CAPACITY_METHODS",
    "CapacityMethod",
    "assign_capacity",
    "resolve_method",
    "solve_capacity",
]

AUTO_EXACT_LIMIT = 1000


Method = Callable[..., "tuple[np.ndarray, str, dict[str, Any]]"]
CAPACITY_METHODS: dict[str, Method] = {"cpsat": solve_cpsat, "lp-round": lp_round}


def resolve_method(capacity_method: Any, n: int, k: int) -> str:
    """Validate the ``capacity_method`` parameter (``"auto"`` or a key of `CAPACITY_METHODS`)
    and resolve ``"auto"`` for n points and k clusters: ``"cpsat"`` when
    ``n * k <= AUTO_EXACT_LIMIT``, else ``"lp-round"``."""
    if isinstance(capacity_method, str) and capacity_method == "auto":
        return "cpsat" if n * k <= AUTO_EXACT_LIMIT else "lp-round"
    lookup(CAPACITY_METHODS, capacity_method, "capacity_method", extra=["auto"])
    return str(capacity_method)


def _totals(weight: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Correctly rounded total weight of every cluster, shape (k,)."""
    return np.array([math.fsum(weight[labels == j]) for j in range(k)])


def _within(totals: np.ndarray, bounds: WeightBounds) -> bool:
    return bool(((totals >= bounds.lo) & (totals <= bounds.hi)).all())


def _two_pass(cost: np.ndarray, weight: np.ndarray, bounds: WeightBounds, method: Method,
              **options: Any) -> tuple[np.ndarray, str, dict[str, Any], Any]:
    """Solve the outer (relaxed) integer problem; if its labelling breaks a float bound by
    rounding, solve the inner (restricted) one, whose solutions always meet the bounds."""
    outer = integer_problem(cost, weight, bounds, outer=True)
    labels, status, info = method(cost, outer, **options)   # InfeasibleError here is a proof
    if _within(_totals(weight, labels, bounds.n_clusters), bounds):
        return labels, status, info, outer
    inner = integer_problem(cost, weight, bounds, outer=False)
    try:
        labels, status, info = method(cost, inner, **options)
    except InfeasibleError as exc:
        raise SolverError(
            "every labelling found meets the total-weight bounds only up to rounding of the "
            f"weights at scale {inner.weight_scale:g}; loosen a bound by about "
            f"{cost.shape[0] / inner.weight_scale:g}") from exc
    return labels, ("FEASIBLE" if status == "OPTIMAL" else status), info, inner


def solve_capacity(cost: np.ndarray, weight: np.ndarray, bounds: WeightBounds, *,
                   capacity_method: str = "auto", time_limit: float = 10.0,
                   seed: int = 0) -> Assignment:
    """`assign_capacity` on validated input (``cost`` (n, k) float64, weights (n,), bounds)."""
    start = time.perf_counter()
    name = resolve_method(capacity_method, *cost.shape)
    labels, status, info, ip = _two_pass(cost, weight, bounds, CAPACITY_METHODS[name],
                                         time_limit=time_limit, seed=seed)
    labels = np.asarray(labels, dtype=np.int64)
    totals = _totals(weight, labels, bounds.n_clusters)
    if not _within(totals, bounds):
        raise SolverError(f"internal check failed: cluster totals {totals.tolist()} break the "
                          "total-weight bounds")
    total_cost = float(cost[np.arange(cost.shape[0]), labels].sum())
    counts = np.bincount(labels, minlength=cost.shape[1]).astype(np.int64)
    info.update(weight_totals=totals, exact_scaling=ip.exact, weight_scale=ip.weight_scale,
                objective_tolerance=ip.objective_tolerance, seconds=time.perf_counter() - start)
    return Assignment(labels, total_cost, counts, name, status, None, info)


def assign_capacity(cost: Any, sample_weight: Any, *, n_clusters: int | None = None,
                    sizes: Any = None, size_min: Any = None, size_max: Any = None,
                    capacity_method: str = "auto", time_limit: float = 10.0,
                    seed: int = 0) -> Assignment:
    r"""Assign n weighted points to k clusters under bounds on each cluster's total weight.

    Parameters
    ----------
    cost : array-like of shape (n, k)
        Finite float costs.
    sample_weight : array-like of shape (n,)
        Positive finite weights.
    sizes : array-like of shape (k,), optional
        Exact total weight of every cluster.
    size_min, size_max : float or array-like of shape (k,), optional
        Bounds on every cluster's total weight (defaults 0 and the total weight).
    capacity_method : {"auto", "cpsat", "lp-round"}, default "auto"
        See the module docstring.
    time_limit : float, default 10.0
        CP-SAT deterministic time limit (about seconds; deterministic given ``seed``) or HiGHS
        time limit in seconds.
    seed : int, default 0

    Returns
    -------
    Assignment
        ``status`` is ``"OPTIMAL"``, ``"FEASIBLE"`` (CP-SAT stopped by the limit) or
        ``"HEURISTIC"``; ``info`` has ``gap`` (relative, to CP-SAT's bound or the LP bound),
        ``weight_totals`` (k,), ``exact_scaling``, ``objective_tolerance``, ``seconds``.

    Raises
    ------
    ValidationError
        Bad shapes or values, or an unknown ``capacity_method``.
    InfeasibleError
        Bounds no assignment meets (checked up front, or proved by CP-SAT / the LP relaxation).
    SolverError
        No solution within the limit, or the heuristic could not repair its rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from fsclust.assign.capacity.methods import assign_capacity
    >>> cost = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    >>> a = assign_capacity(cost, [2.0, 1.0, 1.0], size_max=2.0)
    >>> a.status, a.info["weight_totals"].tolist()
    ('OPTIMAL', [2.0, 2.0])
    """
    cost = as_float_matrix(cost, "cost")
    weight = as_weights(sample_weight, cost.shape[0])
    bounds = resolve_weight_bounds(weight, n_clusters=cost.shape[1], sizes=sizes,
                                   size_min=size_min, size_max=size_max)
    if not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise fail("time_limit", "a number > 0", time_limit)
    return solve_capacity(cost, weight, bounds, capacity_method=capacity_method,
                          time_limit=float(time_limit), seed=seed)


@dataclass(frozen=True)
class CapacityMethod:
    """A weight-capacity method as the engine uses it (``name`` resolved from ``"auto"``)."""

    name: str
    time_limit: float = 10.0

    def step(self, weight: np.ndarray, bounds: WeightBounds) -> Callable[[np.ndarray, Any], Assignment]:
        """The engine's assignment step ``(cost, warm) -> Assignment``."""
        return lambda cost, warm: solve_capacity(cost, weight, bounds, capacity_method=self.name,
                                                 time_limit=self.time_limit)
