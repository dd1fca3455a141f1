r"""Exact global optimum of the within-cluster pairwise-distance objective (small n) by CP-SAT.

Minimises, over labelings with exact cluster sizes ``s_c``,

.. math:: f(a) = \sum_c \alpha_c \sum_{i < j,\ a_i = a_j = c} D_{ij}

(``objective="sum"``: ``alpha_c = 1``; ``"mean"``: ``alpha_c = 1 / binom(s_c, 2)``, the sum of
the clusters' mean within-cluster distances; see `fsclust.localsearch.pairwise_objective`).

Model: Booleans ``x[i, c]`` (point i in cluster c) with one cluster per point and ``s_c``
points per cluster; for every pair and every group ``g`` of clusters sharing one ``alpha``, a
Boolean ``z[i, j, g] >= x[i, c] + x[j, c] - 1`` (c in g), so ``z`` is 1 when i and j share a
cluster of g; redundant cuts ``sum_j z[i, j, g] >= sum_{c in g} (s_c - 1) x[i, c]`` tighten the
relaxation. Clusters of equal size are interchangeable: symmetry is broken by ordering them by
their first member. The best local-search solution is given to CP-SAT as a hint.

CP-SAT needs integer coefficients. Distances with at most 6 decimals are scaled by a power of
ten times the least common multiple of the ``binom(s_c, 2)`` (``"mean"``), which is exact:
then "OPTIMAL" is a proof for the float objective. Other floats are rounded to integers of at
most 1e6 (``exact_scaling=False``); the optimum is then exact for the rounded matrix and the
float objective of the returned labels is recomputed from the original distances.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from fsclust._validation import as_int, as_square_matrix, fail
from fsclust.assign._integer import integer_costs
from fsclust.assign._sat import solve_interruptibly
from fsclust.errors import SolverError, SolverUnavailableError
from fsclust.pairwise.objective import (
    DISTANCE_RULES,
    cluster_weights,
    pairwise_objective,
    solve_pairwise,
    within_cluster_means,
)
from fsclust.problem.sizes import resolve_sizes

__all__ = ["MAX_EXACT_POINTS", "ExactResult", "integer_scale", "solve_exact"]

MAX_EXACT_POINTS = 60
_APPROX_MAX_COEF = 1e6


@dataclass(eq=False)
class ExactResult:
    """Outcome of `solve_exact`.

    Attributes
    ----------
    labels : ndarray of shape (n,)
    objective : float
        ``f(labels)`` recomputed in float64 from the input distances.
    lower_bound : float
        CP-SAT's proven lower bound on ``f`` (divided back by ``scale``).
    gap : float
        ``(objective - lower_bound) / objective`` (0 when proven optimal or objective is 0).
    proven_optimal : bool
    status : str
        CP-SAT status name: ``"OPTIMAL"`` or ``"FEASIBLE"`` (time limit hit).
    within_means : ndarray of shape (k,)
        Mean distance over the pairs of every cluster.
    scale : float
        Integer scaling applied to the coefficients.
    exact_scaling : bool
        True when the scaled coefficients are exactly integral (the proof holds for the floats).
    seconds : float
    """

    labels: np.ndarray
    objective: float
    lower_bound: float
    gap: float
    proven_optimal: bool
    status: str
    within_means: np.ndarray
    scale: float
    exact_scaling: bool
    seconds: float


def integer_scale(distances: np.ndarray, alpha: np.ndarray) -> tuple[float, bool]:
    """``(scale, exact)``: ``scale * alpha_c * D_ij`` is integral when ``exact``.

    Tries ``10**e * lcm(1 / alpha)`` for ``e = 0..6`` (``1 / alpha`` must be integers, as for
    both objectives); otherwise rounds to coefficients of at most 1e6 (the scale of
    `fsclust.assign._integer.integer_costs` for the largest ``alpha``, without a row shift: the
    pairwise objective is not one entry per row).
    """
    inverse = [round(1 / a) for a in alpha if a > 0]
    base = math.lcm(*inverse) if inverse and np.allclose([1 / a for a in alpha if a > 0], inverse) else 0
    top = float(np.abs(distances).max()) or 1.0
    for exponent in range(7) if base else ():
        scale = float(base * 10**exponent)
        coef = np.outer(alpha * scale, distances.ravel())
        if top * scale * alpha.max() * distances.size < 2**53 and np.allclose(coef, np.round(coef),
                                                                              rtol=0, atol=1e-9):
            return scale, True
    return integer_costs(alpha.max(initial=0.0) * distances, _APPROX_MAX_COEF, shift=False).scale, False


def _check_options(n: int, time_limit: Any, n_workers: Any) -> None:
    if n > MAX_EXACT_POINTS:
        raise fail("distances", f"at most {MAX_EXACT_POINTS} points for the exact solver", None,
                   detail=f"{n} points")
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
        raise fail("time_limit", "a number of seconds > 0", time_limit)
    if n_workers is not None:
        as_int(n_workers, "n_workers", minimum=1)


def _groups(counts: np.ndarray, alpha: np.ndarray) -> dict[float, list[int]]:
    groups: dict[float, list[int]] = {}
    for c, a in enumerate(alpha):
        if a > 0:
            groups.setdefault(float(a), []).append(c)
    return groups


def _build(D: np.ndarray, counts: np.ndarray, alpha: np.ndarray, scale: float) -> tuple[Any, Any]:
    from ortools.sat.python import cp_model

    n, k = D.shape[0], len(counts)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{c}") for c in range(k)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
    for c in range(k):
        model.add(sum(x[i][c] for i in range(n)) == int(counts[c]))
    terms = []
    for a, members in _groups(counts, alpha).items():
        z = {}
        for i in range(n):
            for j in range(i + 1, n):
                z[i, j] = z[j, i] = var = model.new_bool_var(f"z{i}_{j}_{members[0]}")
                for c in members:
                    model.add_bool_or([x[i][c].negated(), x[j][c].negated(), var])
                terms.append(round(a * scale * D[i, j]) * var)
        for i in range(n):
            model.add(sum(z[i, j] for j in range(n) if j != i)
                      >= sum(int(counts[c] - 1) * x[i][c] for c in members))
    _break_symmetry(model, x, counts)
    model.minimize(sum(terms))
    return model, x


def _break_symmetry(model: Any, x: list[list[Any]], counts: np.ndarray) -> None:
    """Among clusters of equal size, cluster t may only hold point i if the previous cluster
    of that size holds a point l < i (clusters ordered by their first member)."""
    n = len(x)
    for size in set(counts.tolist()):
        same = [c for c in range(len(counts)) if counts[c] == size]
        for prev, c in itertools.pairwise(same):
            for i in range(n):
                model.add(x[i][c] <= sum(x[m][prev] for m in range(i)))


def solve_exact(distances: Any, sizes: Any, *, objective: str = "sum", time_limit: float = 60.0,
                n_workers: int | None = None, hint_restarts: int = 20,
                random_state: Any = 0) -> ExactResult:
    """Globally optimal fixed-size partition for the within-cluster pairwise-distance objective.

    Parameters
    ----------
    distances : array-like of shape (n, n)
        Symmetric, non-negative, zero diagonal; n <= `MAX_EXACT_POINTS`.
    sizes : array-like of shape (k,)
        Exact cluster sizes summing to n.
    objective : {"sum", "mean"}, default "sum"
    time_limit : float, default 60
        Seconds for CP-SAT; when it runs out the best solution is returned with its gap.
    n_workers : int, optional
        CP-SAT search workers (default: all CPU cores).
    hint_restarts : int, default 20
        Restarts of `fsclust.localsearch.solve_pairwise` whose best labeling is the hint.
    random_state : None or int, default 0
        Seed of the hint's local search and of CP-SAT.

    Returns
    -------
    ExactResult

    Raises
    ------
    ValidationError
        Bad distances (not square/symmetric/finite, negative, too many points), sizes or options.
    SolverError
        CP-SAT found no solution within the time limit.
    SolverUnavailableError
        OR-Tools is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> D = np.array([[0, 1, 9, 9], [1, 0, 9, 9], [9, 9, 0, 1], [9, 9, 1, 0]], dtype=float)
    >>> res = solve_exact(D, [2, 2], n_workers=1)
    >>> res.objective, res.proven_optimal
    (2.0, True)
    """
    start = time.perf_counter()
    D = as_square_matrix(distances, "distances", nonnegative=True, **DISTANCE_RULES)
    counts = resolve_sizes(D.shape[0], sizes=sizes).lo
    alpha = cluster_weights(counts, objective)
    _check_options(D.shape[0], time_limit, n_workers)
    hint = solve_pairwise(D, counts, objective=objective, n_init=hint_restarts,
                          random_state=random_state).labels
    scale, exact = integer_scale(D, alpha)
    labels, status, bound = _run_cp_sat(D, counts, alpha, scale, hint, time_limit, n_workers,
                                        random_state)
    value = pairwise_objective(D, labels, objective=objective, n_clusters=len(counts))
    low = min(bound / scale, value)
    return ExactResult(labels=labels, objective=value, lower_bound=low,
                       gap=0.0 if value <= 0 else (value - low) / value,
                       proven_optimal=status == "OPTIMAL", status=status,
                       within_means=within_cluster_means(D, labels, len(counts)), scale=scale,
                       exact_scaling=exact, seconds=time.perf_counter() - start)


def _run_cp_sat(D: np.ndarray, counts: np.ndarray, alpha: np.ndarray, scale: float,
                hint: np.ndarray, time_limit: float, n_workers: int | None,
                seed: Any) -> tuple[np.ndarray, str, float]:
    try:
        from ortools.sat.python import cp_model
    except ImportError as exc:  # pragma: no cover - ortools is a runtime dependency
        raise SolverUnavailableError("The solver 'cp-sat' is not installed: pip install ortools") from exc
    model, x = _build(D, counts, alpha, scale)
    for i, c in enumerate(_canonical(hint, counts)):
        for j in range(len(counts)):
            model.add_hint(x[i][j], int(j == c))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(n_workers or os.cpu_count() or 1)
    solver.parameters.random_seed = int(seed or 0)
    status = solve_interruptibly(solver, model)
    name = solver.status_name(status)
    if name not in ("OPTIMAL", "FEASIBLE"):
        raise SolverError(f"CP-SAT returned status {name} within time_limit={time_limit} s")
    labels = np.array([[solver.value(v) for v in row].index(1) for row in x], dtype=np.int64)
    return labels, name, float(solver.best_objective_bound)


def _canonical(labels: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Relabel clusters of equal size in order of their first member (the symmetry-broken form)."""
    out = labels.copy()
    for size in set(counts.tolist()):
        same = [c for c in range(len(counts)) if counts[c] == size]
        first = {c: int(np.append(np.flatnonzero(labels == c), labels.size)[0]) for c in same}
        order = sorted(same, key=first.__getitem__)
        for target, source in zip(same, order, strict=True):
            out[labels == source] = target
    return out
