"""Fixed-size k-means: the engine's parts for squared Euclidean costs, and `solve`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ._validation import as_int, as_rng, fail
from .assign import DEFAULT_SOLVER, AssignmentSolver, get_solver, run_solver
from .costs import SquaredEuclidean
from .engine import Parts, Run, run_restarts
from .init import resolve_init
from .problem import Problem
from .result import SolveResult
from .update import mean_update

__all__ = ["kmeans_parts", "solve"]


def kmeans_parts(problem: Problem, solver: AssignmentSolver, init: Any) -> Parts:
    """Engine parts for (weighted) fixed-size k-means on a validated `Problem`."""
    weight = problem.sample_weight
    model = SquaredEuclidean(weight)
    sizes = problem.sizes

    return Parts(
        cost=model.matrix,
        update=lambda X, labels, centers: mean_update(X, labels, centers, weight),
        init=resolve_init(init, problem.n_clusters, problem.X.shape[1], weight),
        assign=lambda cost, warm: run_solver(solver, cost, sizes, warm_start=warm),
    )


def _check_options(n_init: Any, max_iter: Any, tol: Any) -> None:
    as_int(n_init, "n_init", minimum=1)
    as_int(max_iter, "max_iter", minimum=1)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise fail("tol", "a float >= 0", tol)


def solve(problem: Problem, *, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
          init: Any = "k-means++", n_init: int = 10, max_iter: int = 300, tol: float = 1e-6,
          random_state: Any = None,
          progress: Callable[[int, Run], None] | None = None) -> SolveResult:
    """Fixed-size k-means: Lloyd-style alternation with an exact size-constrained assignment step.

    Minimises the (weighted) sum of squared distances ``sum_i w_i |x_i - c_{a_i}|^2`` subject to
    the cluster sizes; converges to a local optimum, so the best of ``n_init`` restarts is kept.

    Parameters
    ----------
    problem : Problem
    solver : str or AssignmentSolver, default "flow"
        Assignment backend (see `solver_names`) or ``"auto"``.
    init : {"k-means++", "random"}, ndarray of shape (k, d) or callable ``(X, k, rng)``
    n_init : int, default 10
    max_iter : int, default 300
    tol : float, default 1e-6
        Stop when the objective falls by at most ``tol`` times its previous value.
    random_state : None, int or numpy.random.Generator
    progress : callable ``(restart_index, Run)``, optional

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
    backend = get_solver(solver, problem.sizes, problem.n_points)
    parts = kmeans_parts(problem, backend, init)
    start = time.perf_counter()
    best, runs = run_restarts(problem.X, parts, n_init=n_init, max_iter=max_iter, tol=float(tol),
                              rng=as_rng(random_state), progress=progress)
    run = runs[best]
    status = "CONVERGED" if run.converged else "MAX_ITER"
    message = ("labels are stable" if run.converged
               else f"stopped at max_iter={max_iter}; labels are optimal for the final centers")
    return SolveResult(
        labels=run.labels, centers=run.centers, objective=run.objective,
        mse=run.objective / problem.n_points, n_iter=run.n_iter, converged=run.converged,
        status=status, message=message, solver=backend.name, counts=run.assignment.counts,
        history=run.history, run_objectives=[r.objective for r in runs], best_run=best,
        seconds=time.perf_counter() - start)
