"""Fixed-size k-means: the engine's parts for squared Euclidean costs, and `solve`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ._validation import as_int, as_rng, fail
from .assign import DEFAULT_SOLVER, AssignmentSolver, get_solver, run_solver
from .assign.cpsat import ConstrainedSolver
from .capacity import CapacityMethod, capacity_method
from .costs import ON_DEMAND_MAX_D, SquaredEuclidean
from .engine import AssignFunction, Parts, Run, run_restarts
from .init import resolve_init
from .localsearch import check_local_search, make_refine
from .problem import Problem
from .result import SolveResult
from .update import mean_update

__all__ = ["assignment_step", "kmeans_parts", "resolve_backend", "result_from_runs", "solve"]


def kmeans_parts(problem: Problem, solver: AssignmentSolver | CapacityMethod, init: Any) -> Parts:
    """Engine parts for (weighted) fixed-size k-means on a validated `Problem`.

    A backend with the ``on_demand`` capability gets `PointCosts` (no (n, k) matrix) when
    ``d <= 4``; every other backend gets the matrix.
    """
    weight = problem.sample_weight
    model = SquaredEuclidean(weight, reuse_buffer=True)     # the engine drops every matrix
    sizes = problem.sizes
    on_demand = (not isinstance(solver, CapacityMethod) and solver.capabilities.on_demand
                 and problem.X.shape[1] <= ON_DEMAND_MAX_D)

    return Parts(
        cost=model.on_demand if on_demand else model.matrix,
        update=lambda X, labels, centers: mean_update(X, labels, centers, weight),
        init=resolve_init(init, problem.n_clusters, problem.X.shape[1], weight, sizes),
        assign=assignment_step(problem, solver),
    )


def assignment_step(problem: Problem, solver: AssignmentSolver | CapacityMethod) -> AssignFunction:
    """The engine's assignment step ``(cost, warm) -> Assignment`` for a validated problem."""
    if isinstance(solver, CapacityMethod):          # sizes are total weights (fsclust.capacity)
        return solver.step(problem.sample_weight, problem.weight_bounds)
    return lambda cost, warm: run_solver(solver, cost, problem.sizes, warm_start=warm)


def resolve_backend(problem: Problem, solver: Any) -> AssignmentSolver | CapacityMethod:
    """The backend for ``solver`` on ``problem``: a registry solver (wrapped for hard links) or,
    for total-weight sizes, a `CapacityMethod`."""
    if problem.weight_bounds is not None:
        return capacity_method(solver, problem.n_points, problem.n_clusters)
    backend = get_solver(solver, problem.sizes, problem.n_points)
    if problem.links is not None and not isinstance(backend, ConstrainedSolver):
        backend = ConstrainedSolver(problem.links, backend)  # hard must-link / cannot-link
    return backend


def _check_options(n_init: Any, max_iter: Any, tol: Any) -> None:
    as_int(n_init, "n_init", minimum=1)
    as_int(max_iter, "max_iter", minimum=1)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise fail("tol", "a float >= 0", tol)


def solve(problem: Problem, *, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
          init: Any = "k-means++", n_init: int = 10, max_iter: int = 300, tol: float = 1e-6,
          random_state: Any = None,
          progress: Callable[[int, Run], None] | None = None,
          n_jobs: int | None = None, local_search: str | None = None,
          local_search_budget: int | None = None,
          local_search_seconds: float | None = None) -> SolveResult:
    """Fixed-size k-means: Lloyd-style alternation with an exact size-constrained assignment step.

    Minimises the (weighted) sum of squared distances ``sum_i w_i |x_i - c_{a_i}|^2`` subject to
    the cluster sizes; converges to a local optimum, so the best of ``n_init`` restarts is kept.

    Parameters
    ----------
    problem : Problem
    solver : str or AssignmentSolver, default "flow"
        Assignment backend (see `solver_names`) or ``"auto"``. For a problem created with
        ``size_unit="weight"``: ``"auto"`` (also what the default means there), ``"cpsat"`` or
        ``"lp-round"`` (see `fsclust.capacity`).
    init : {"k-means++", "size-aware", "random"}, ndarray of shape (k, d) or callable ``(X, k, rng)``
        ``"size-aware"``: k-means++ seeding that accounts for the sizes
        (`fsclust.init.size_aware_plusplus`).
    n_init : int, default 10
    max_iter : int, default 300
    tol : float, default 1e-6
        Stop when the objective falls by at most ``tol`` times its previous value.
    random_state : None, int or numpy.random.Generator
    progress : callable ``(restart_index, Run)``, optional
    n_jobs : None or int
        Worker threads for the restarts (``-1`` = all cores); the result is the same for any
        value with the same ``random_state``.
    local_search : {None, "exchange", "random_swap"}
        Size-preserving local search applied to every restart (`fsclust.localsearch`):
        pairwise exchange of points on the SSE, or Fränti's random swap of a centroid.
    local_search_budget : int, optional
        Exchange sweeps / random-swap trials per restart (default 50).
    local_search_seconds : float, optional
        Wall-clock limit of the local search per restart (results then depend on timing).

    Returns
    -------
    SolveResult

    Examples
    --------
    >>> import numpy as np
    >>> import fsclust
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [9.0]])
    >>> problem = fsclust.Problem.create(X, sizes=[3, 3])
    >>> result = fsclust.solve(problem, n_init=3, random_state=0)
    >>> sorted(result.counts.tolist())
    [3, 3]
    """
    _check_options(n_init, max_iter, tol)
    check_local_search(local_search, local_search_budget, local_search_seconds)
    if local_search is not None and problem.links is not None:
        raise fail("local_search", "None for a problem with hard must-link / cannot-link constraints",
                   local_search)
    if local_search is not None and problem.weight_bounds is not None:
        raise fail("local_search", "None with size_unit='weight' (its moves keep counts, not weights)",
                   local_search)
    backend = resolve_backend(problem, solver)
    parts = kmeans_parts(problem, backend, init)
    if local_search is not None:
        parts = replace(parts, refine=make_refine(
            local_search, parts, budget=local_search_budget, seconds=local_search_seconds,
            max_iter=max_iter, tol=float(tol), sample_weight=problem.sample_weight))
    start = time.perf_counter()
    best, runs = run_restarts(problem.X, parts, n_init=n_init, max_iter=max_iter, tol=float(tol),
                              rng=as_rng(random_state), progress=progress, n_jobs=n_jobs)
    return result_from_runs(runs, best, n_points=problem.n_points, solver=backend.name,
                            max_iter=max_iter, seconds=time.perf_counter() - start)


def result_from_runs(runs: list[Run], best: int, *, n_points: int, solver: str, max_iter: int,
                     seconds: float) -> SolveResult:
    """The `SolveResult` of the best of ``runs`` (shared by every engine front end)."""
    run = runs[best]
    status = "CONVERGED" if run.converged else "MAX_ITER"
    message = ("labels are stable" if run.converged
               else f"stopped at max_iter={max_iter}; labels are optimal for the final centers")
    if run.assignment.status != "OPTIMAL":      # weight capacities: a heuristic / time-limited step
        gap = run.assignment.info.get("gap", float("nan"))
        message += f"; the last assignment step is {run.assignment.status} (gap {gap:.3%})"
    return SolveResult(
        labels=run.labels, centers=run.centers, objective=run.objective,
        mse=run.objective / n_points, n_iter=run.n_iter, converged=run.converged,
        status=status, message=message, solver=solver, counts=run.assignment.counts,
        history=run.history, run_objectives=[r.objective for r in runs], best_run=best,
        seconds=seconds)
