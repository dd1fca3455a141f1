"""The one engine driver: options -> backend -> parts -> restarts -> `SolveResult`.

Every route runs through `run_model`: fixed-size k-means (`solve`), fixed-size k-medoids
(`solve_medoids`, `solve_medoid_problem`), the estimators and the YAML spec workflow. A model
(`MODELS`) only says how to build the engine's cost, update and init parts for a validated
`Problem`; the driver adds the assignment step, the optional local search, the restarts and the
result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from fsclust._validation import MAX_RESTARTS, as_int, as_rng, as_square_matrix, fail
from fsclust.assign import (
    DEFAULT_SOLVER,
    AssignmentSolver,
    check_choice,
    get_solver,
    links_solver,
    run_solver,
)
from fsclust.assign.capacity.methods import CapacityMethod, resolve_method
from fsclust.assign.costs import DENSE_MAX_BYTES, ON_DEMAND_MAX_D, SquaredEuclidean, check_point_scale
from fsclust.engine.core import AssignFunction, IterationEvent, Parts, Restarts, Run, run_restarts
from fsclust.engine.result import SolveResult
from fsclust.engine.verbose import verbose_observer, write_line
from fsclust.localsearch import check_local_search, make_refine
from fsclust.models.init import resolve_init
from fsclust.models.kmedoids import (
    check_medoid_scale,
    check_medoid_sizes,
    home_medoids,
    medoid_cost,
    medoid_init,
    medoid_update,
)
from fsclust.models.update import mean_update
from fsclust.problem.problem import Problem

__all__ = ["MODELS", "Options", "assignment_step", "kmeans_parts", "medoid_parts",
           "medoid_problem", "resolve_backend", "result_from_restarts", "run_model", "solve",
           "solve_medoid_problem", "solve_medoids"]

Backend = AssignmentSolver | CapacityMethod
Observer = Callable[[int, IterationEvent], None]


def kmeans_parts(problem: Problem, solver: Backend, init: Any) -> Parts:
    """Engine parts for (weighted) fixed-size k-means on a validated `Problem`.

    A backend with the ``on_demand`` capability gets `PointCosts` (no (n, k) matrix) when
    ``d <= 4`` or when the matrix would pass ``DENSE_MAX_BYTES`` (256 MB); every other backend
    gets the matrix. Points (and initial centers) whose squared distances could overflow are refused
    (`check_point_scale`).
    """
    weight = problem.sample_weight
    check_point_scale(problem.X, problem.n_points, weight)
    start = resolve_init(init, problem.n_clusters, problem.X.shape[1], weight, problem.sizes)

    def checked_init(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        centers = start(X, rng)
        check_point_scale(centers, problem.n_points, weight, "init")
        return centers

    model = SquaredEuclidean(weight, reuse_buffer=True)     # the engine drops every matrix
    on_demand = (not isinstance(solver, CapacityMethod) and solver.capabilities.on_demand
                 and (problem.X.shape[1] <= ON_DEMAND_MAX_D
                      or 8 * problem.n_points * problem.n_clusters > DENSE_MAX_BYTES))
    return Parts(
        cost=model.on_demand if on_demand else model.matrix,
        update=lambda X, labels, centers: mean_update(X, labels, centers, weight),
        init=checked_init,
        assign=assignment_step(problem, solver),
    )


def medoid_parts(problem: Problem, solver: Backend, init: Any) -> Parts:
    """Engine parts for fixed-size k-medoids; ``problem.X`` is the validated (n, n) matrix.

    The assignment keeps every medoid in its own cluster (pinned costs), and a final guard
    (`home_medoids`, as the ``refine`` hook) makes sure every reported medoid is a member of
    its cluster even when a heuristic capacity method ignored the pin.
    """
    weight = problem.sample_weight
    check_medoid_scale(problem.X, weight)
    check_medoid_sizes(problem.sizes, problem.n_points)

    def home(D: np.ndarray, run: Run, rng: np.random.Generator) -> Run:
        medoids = home_medoids(D, run.labels, run.centers, weight)
        if medoids is run.centers or np.array_equal(medoids, run.centers):
            return run
        cost = medoid_cost(D, medoids, weight)[np.arange(D.shape[0]), run.labels]
        return replace(run, centers=medoids, objective=float(cost.sum()))

    return Parts(
        cost=lambda D, medoids: medoid_cost(D, medoids, weight, pin=True),
        update=lambda D, labels, medoids: medoid_update(D, labels, medoids, weight),
        init=medoid_init(init, problem.n_points, problem.n_clusters, weight),
        assign=assignment_step(problem, solver),
        refine=home,
    )


@dataclass(frozen=True)
class Model:
    """How the driver builds one objective's parts, and what it supports.

    Attributes
    ----------
    name : str
    parts : callable ``(problem, backend, init) -> Parts``
    local_search : bool
        Whether the size-preserving local searches (which move centroids) apply.
    """

    name: str
    parts: Callable[[Problem, Backend, Any], Parts]
    local_search: bool


MODELS = {"means": Model("means", kmeans_parts, True),
          "medoids": Model("medoids", medoid_parts, False)}


def assignment_step(problem: Problem, solver: Backend) -> AssignFunction:
    """The engine's assignment step ``(cost, warm) -> Assignment`` for a validated problem."""
    if isinstance(solver, CapacityMethod):          # sizes are total weights (assign.capacity)
        return solver.step(problem.sample_weight, problem.weight_bounds)
    return lambda cost, warm: run_solver(solver, cost, problem.sizes, warm_start=warm)


def resolve_backend(problem: Problem, solver: Any = DEFAULT_SOLVER, time_limit: float | None = None,
                    capacity_method: Any = "auto") -> Backend:
    """The assignment backend for ``problem``.

    Sizes counted in points: the count backend ``solver`` names (`fsclust.assign.get_solver`),
    bound inside the registry's links backend (``cpsat``, with the CP-SAT ``time_limit``) when
    the problem has hard links. Total-weight sizes: the `CapacityMethod` ``capacity_method``
    names. The parameter that does not apply must be left at its default
    (`fsclust.assign.check_choice`).

    Raises
    ------
    ValidationError
        An unknown name, or a parameter set that does not apply to the size unit.
    """
    broken = check_choice(solver, capacity_method, by_weight=problem.weight_bounds is not None)
    if broken is not None:
        raise fail(*broken)
    if problem.weight_bounds is not None:
        return CapacityMethod(resolve_method(capacity_method, problem.n_points, problem.n_clusters))
    backend = get_solver(solver, problem.sizes, problem.n_points)
    if problem.links is not None:
        backend = links_solver(problem.links, backend, time_limit)      # hard must/cannot-link
    return backend


@dataclass(frozen=True)
class Options:
    """The engine options shared by every front end (validated by `check`)."""

    solver: str | AssignmentSolver | None = DEFAULT_SOLVER
    capacity_method: str = "auto"
    init: Any = None
    n_init: int = 10
    max_iter: int = 300
    tol: float = 1e-6
    random_state: Any = None
    progress: Callable[[int, Run], None] | None = None
    n_jobs: int | None = None
    local_search: str | None = None
    local_search_budget: int | None = None
    local_search_seconds: float | None = None
    time_limit: float | None = None
    verbose: int = 0
    on_iteration: Observer | None = None

    def check(self, problem: Problem, model: Model) -> None:
        """Raise `ValidationError` naming the first bad option."""
        as_int(self.n_init, "n_init", minimum=1, maximum=MAX_RESTARTS)
        if not isinstance(self.verbose, bool):
            as_int(self.verbose, "verbose", minimum=0)
        as_int(self.max_iter, "max_iter", minimum=1)
        tol = self.tol
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
            raise fail("tol", "a float >= 0", tol)
        check_local_search(self.local_search, self.local_search_budget, self.local_search_seconds)
        if self.local_search is None:
            return
        if not model.local_search:
            raise fail("local_search", f"None for k-{model.name} (the exchange and random-swap "
                       "searches move centroids in coordinate space)", self.local_search)
        if problem.links is not None:
            raise fail("local_search", "None for a problem with hard must-link / cannot-link "
                       "constraints", self.local_search)
        if problem.weight_bounds is not None:
            raise fail("local_search", "None with size_unit='weight' (its moves keep counts, "
                       "not weights)", self.local_search)


def run_model(problem: Problem, model: Model | str, options: Options) -> SolveResult:
    """Solve a validated ``problem`` with ``model`` (a `Model` or a key of `MODELS`).

    Raises
    ------
    ValidationError, InfeasibleError, SolverError
    """
    model = MODELS[model] if isinstance(model, str) else model
    if not isinstance(problem, Problem):
        raise fail("problem", "a fsclust.Problem (build one with fsclust.Problem.create(X, "
                   "n_clusters=..., sizes=...))", problem,
                   detail=f"a {type(problem).__name__}")
    options.check(problem, model)
    backend = resolve_backend(problem, options.solver, options.time_limit, options.capacity_method)
    init = options.init if options.init is not None else (
        "k-means++" if model.name == "means" else "k-medoids++")
    parts = model.parts(problem, backend, init)
    if options.local_search is not None:
        parts = replace(parts, refine=make_refine(
            options.local_search, parts, budget=options.local_search_budget,
            seconds=options.local_search_seconds, max_iter=options.max_iter,
            tol=float(options.tol), sample_weight=problem.sample_weight))
    start = time.perf_counter()
    measure = "inertia" if model.name == "means" else "cost"
    restarts = run_restarts(problem.X, parts, n_init=options.n_init, max_iter=options.max_iter,
                            tol=float(options.tol), rng=as_rng(options.random_state),
                            progress=options.progress, n_jobs=options.n_jobs,
                            on_iteration=_observers(options, measure))
    result = result_from_restarts(restarts, n_points=problem.n_points, solver=backend.name,
                                  max_iter=options.max_iter, seconds=time.perf_counter() - start)
    if options.verbose:
        plural = "s" if result.n_init != 1 else ""
        write_line(f"Best of {result.n_init} restart{plural}: restart {restarts.best + 1}, {measure} "
                   f"{result.objective:.8g} ({result.seconds:.3g} s)")
    return result


def _observers(options: Options, measure: str) -> Observer | None:
    """The user's ``on_iteration`` and the ``verbose`` printer as one observer (None if neither)."""
    printer = verbose_observer(options.verbose, n_init=options.n_init, measure=measure,
                               tol=float(options.tol))
    observers = [obs for obs in (printer, options.on_iteration) if obs is not None]
    if len(observers) < 2:
        return observers[0] if observers else None

    def both(index: int, event: IterationEvent) -> None:
        for observer in observers:
            observer(index, event)

    return both


def solve(problem: Problem, *, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
          capacity_method: str = "auto", init: Any = "k-means++", n_init: int = 10,
          max_iter: int = 300, tol: float = 1e-6, random_state: Any = None,
          progress: Callable[[int, Run], None] | None = None,
          n_jobs: int | None = None, local_search: str | None = None,
          local_search_budget: int | None = None,
          local_search_seconds: float | None = None, verbose: int = 0,
          on_iteration: Observer | None = None) -> SolveResult:
    """Fixed-size k-means: Lloyd-style alternation with an exact size-constrained assignment step.

    Minimises the (weighted) sum of squared distances ``sum_i w_i |x_i - c_{a_i}|^2`` subject to
    the cluster sizes; converges to a local optimum, so the best of ``n_init`` restarts is kept.

    Parameters
    ----------
    problem : Problem
    solver : str or AssignmentSolver, default "auto"
        Count-assignment backend (see `solver_names`) or ``"auto"``. With hard links the
        ``cpsat`` backend runs around it. For a problem created with ``size_unit="weight"`` it
        must be left at its default (or ``"auto"``): ``capacity_method`` applies instead.
    capacity_method : {"auto", "cpsat", "lp-round"}, default "auto"
        Total-weight assignment method for a problem created with ``size_unit="weight"`` (see
        `fsclust.assign.capacity`); must be ``"auto"`` when sizes count points.
    init : {"k-means++", "size-aware", "random"}, ndarray of shape (k, d) or callable ``(X, k, rng)``
        ``"size-aware"``: k-means++ seeding that accounts for the sizes
        (`fsclust.models.init.size_aware_plusplus`).
    n_init : int, default 10
    max_iter : int, default 300
    tol : float, default 1e-6
        Stop when the objective falls by at most ``tol`` times its previous value.
    random_state : None, int or numpy.random.Generator
    progress : callable ``(restart_index, Run)``, optional
        Called as each restart finishes.
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
    verbose : int, default 0
        With 1 or more, print scikit-learn-style progress to stdout: ``Initialization
        complete``, one line per assignment step (``Iteration 3, inertia 123.4, moved 12,
        0.01 s``), why each restart stopped, and the best restart.
    on_iteration : callable ``(restart_index, IterationEvent)``, optional
        Called after every assignment step of every restart (`fsclust.engine.core.IterationEvent`:
        iteration, objective, moved, seconds, stop), from the worker threads when ``n_jobs`` is
        not 1.

    Returns
    -------
    SolveResult
        ``centers`` holds the cluster means, shape (k, d).

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
    options = Options(solver=solver, capacity_method=capacity_method, init=init, n_init=n_init,
                      max_iter=max_iter, tol=tol, random_state=random_state, progress=progress,
                      n_jobs=n_jobs, local_search=local_search,
                      local_search_budget=local_search_budget,
                      local_search_seconds=local_search_seconds, verbose=verbose,
                      on_iteration=on_iteration)
    return run_model(problem, "means", options)


def solve_medoids(dissimilarity: Any, *, n_clusters: int | None = None, sizes: Any = None,
                  size_min: Any = None, size_max: Any = None, sample_weight: Any = None,
                  size_unit: str = "count", solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
                  capacity_method: str = "auto", init: Any = "k-medoids++", n_init: int = 10,
                  max_iter: int = 300,
                  tol: float = 1e-6, random_state: Any = None,
                  progress: Callable[[int, Run], None] | None = None,
                  n_jobs: int | None = None, verbose: int = 0,
                  on_iteration: Observer | None = None) -> SolveResult:
    r"""Fixed-size k-medoids: minimise ``sum_i w_i D[i, m_{a_i}]`` under the cluster sizes.

    Parameters
    ----------
    dissimilarity : array-like of shape (n, n)
        Finite, non-negative, zero diagonal; ``D[i, j]`` is the cost of serving point i from
        medoid j (need not be symmetric).
    n_clusters, sizes, size_min, size_max, sample_weight, size_unit
        As for `Problem.create` (per-cluster bounds as arrays of shape (k,)).
    solver : str or AssignmentSolver, default "auto"
    capacity_method : {"auto", "cpsat", "lp-round"}, default "auto"
        As for `fsclust.solve` (``solver`` applies to sizes counted in points,
        ``capacity_method`` to ``size_unit="weight"``).
    init : {"k-medoids++", "random"} or array of k distinct point indices
    n_init, max_iter, tol, random_state, progress, n_jobs, verbose, on_iteration
        As for `fsclust.solve` (k-medoids has no local search; verbose lines name the objective
        ``cost``).

    Returns
    -------
    SolveResult
        ``centers`` holds the medoid indices, shape (k,), int64.

    Raises
    ------
    ValidationError
        A malformed matrix (the message names the offending entry), bad sizes or options.
    InfeasibleError
        Sizes (or total-weight bounds) that no labelling meets.
    SolverError
        A backend failure.

    Examples
    --------
    >>> import numpy as np
    >>> from fsclust import solve_medoids
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> result = solve_medoids(np.abs(x[:, None] - x[None, :]), sizes=[3, 3], random_state=0)
    >>> sorted(result.centers.tolist()), result.objective
    ([1, 4], 4.0)
    """
    problem = medoid_problem(dissimilarity, n_clusters=n_clusters, sizes=sizes,
                             size_min=size_min, size_max=size_max, sample_weight=sample_weight,
                             size_unit=size_unit, param="dissimilarity")
    return solve_medoid_problem(problem, solver=solver, capacity_method=capacity_method, init=init,
                                n_init=n_init, max_iter=max_iter, tol=tol,
                                random_state=random_state, progress=progress, n_jobs=n_jobs,
                                verbose=verbose, on_iteration=on_iteration)


def medoid_problem(dissimilarity: Any, *, param: str = "X", **sizes: Any) -> Problem:
    """Validate the (n, n) matrix (errors name ``param``) and the sizes into a `Problem`.

    The matrix must be finite, non-negative and zero on the diagonal (up to a round-off of
    ``1e-9 * max(1, max entry)``); it need not be symmetric."""
    D = as_square_matrix(dissimilarity, param, nonnegative=True, zero_diagonal=True, rtol=1e-9)
    return Problem.create(D, **sizes)


def solve_medoid_problem(problem: Problem, *, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
                         capacity_method: str = "auto", init: Any = "k-medoids++",
                         n_init: int = 10, max_iter: int = 300,
                         tol: float = 1e-6, random_state: Any = None,
                         progress: Callable[[int, Run], None] | None = None,
                         n_jobs: int | None = None, local_search: str | None = None,
                         verbose: int = 0, on_iteration: Observer | None = None) -> SolveResult:
    """`solve_medoids` on a `Problem` from `medoid_problem` (``local_search`` must be None)."""
    options = Options(solver=solver, capacity_method=capacity_method, init=init, n_init=n_init,
                      max_iter=max_iter, tol=tol, random_state=random_state, progress=progress,
                      n_jobs=n_jobs, local_search=local_search, verbose=verbose,
                      on_iteration=on_iteration)
    return run_model(problem, "medoids", options)


def result_from_restarts(restarts: Restarts[Run], *, n_points: int, solver: str, max_iter: int,
                         seconds: float) -> SolveResult:
    """The `SolveResult` of the best restart (shared by every engine front end)."""
    run = restarts.run
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
        history=run.history, run_objectives=restarts.objectives, best_run=restarts.best,
        seconds=seconds)
