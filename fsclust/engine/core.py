"""The generic alternating-optimisation engine: assign -> update -> check convergence, restarts.

The engine knows nothing about k-means: the cost function, the update step, the initialiser and
the assignment step are plugins (`Parts`), so any "assign under sizes, then re-fit the cluster
models" problem (k-medoids, weighted variants, ...) runs in the same loop.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from fsclust.assign.base import Assignment
from fsclust.engine.parallel import for_each

__all__ = ["IterationEvent", "Parts", "Restarts", "Run", "alternate", "best_of", "restart_seeds",
           "run_once", "run_restarts"]

T = TypeVar("T")
R = TypeVar("R")

CostFunction = Callable[[Any, Any], np.ndarray]
UpdateFunction = Callable[[Any, np.ndarray, Any], Any]
InitFunction = Callable[[Any, np.random.Generator], Any]
AssignFunction = Callable[[np.ndarray, "np.ndarray | None"], Assignment]
RefineFunction = Callable[[Any, "Run", np.random.Generator], "Run"]
IterationObserver = Callable[["IterationEvent"], None]
RestartObserver = Callable[[int, "IterationEvent"], None]


@dataclass(frozen=True)
class Parts:
    """The pluggable pieces of one alternating-optimisation problem.

    Attributes
    ----------
    cost : callable ``(data, centers) -> ndarray (n, k)``
        Assignment costs; the objective is the assigned total of the same matrix.
    update : callable ``(data, labels, centers) -> centers``
        Re-fits every cluster model to its members.
    init : callable ``(data, rng) -> centers``
    assign : callable ``(cost, warm_start) -> Assignment``
        An exact size-constrained assignment; ``warm_start`` is the previous step's prices.
    refine : callable ``(data, run, rng) -> Run``, optional
        A post-run hook (e.g. size-preserving local search, `fsclust.localsearch`) applied to
        every restart; it must return a run that is no worse than the one it got.
    """

    cost: CostFunction
    update: UpdateFunction
    init: InitFunction
    assign: AssignFunction
    refine: RefineFunction | None = None


@dataclass
class Run:
    """One restart's outcome: labels optimal for ``centers``; ``objective`` is their total cost."""

    labels: np.ndarray
    centers: Any
    objective: float
    n_iter: int
    converged: bool
    assignment: Assignment
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class IterationEvent:
    """One assignment step of a run, as an ``on_iteration`` observer sees it.

    Attributes
    ----------
    iteration : int
        1-based number of the assignment step.
    objective : float
        Objective of the step's labels for the centers they were assigned to.
    moved : int
        Points whose label changed since the previous step (every point at iteration 1).
    seconds : float
        Wall time of the assignment step.
    change : float
        Relative decrease of the objective since the previous step (NaN at iteration 1).
    stop : {None, "stable", "tol", "max_iter"}
        Why the run stops after this step: no label changed, the objective fell by at most
        ``tol`` (relative), or ``max_iter`` was reached (one final assignment step follows);
        None while the run goes on.
    """

    iteration: int
    objective: float
    moved: int
    seconds: float
    change: float = math.nan
    stop: str | None = None


def _step(data: Any, parts: Parts, centers: Any, warm: np.ndarray | None) -> Assignment:
    return parts.assign(parts.cost(data, centers), warm)


def run_once(data: Any, parts: Parts, *, max_iter: int, tol: float, rng: np.random.Generator,
             on_iteration: IterationObserver | None = None) -> Run:
    """One run: `alternate` from ``parts.init(data, rng)``, then ``parts.refine`` if given.

    Parameters
    ----------
    data : object
        What the parts work on (k-means: X of shape (n, d)).
    parts : Parts
    max_iter, tol
        As for `alternate`.
    rng : numpy.random.Generator
    on_iteration : callable ``(IterationEvent) -> None``, optional
        Called after every assignment step.

    Returns
    -------
    Run
    """
    run = alternate(data, parts, parts.init(data, rng), max_iter=max_iter, tol=tol,
                    on_iteration=on_iteration)
    return run if parts.refine is None else parts.refine(data, run, rng)


def _stop(iteration: int, moved: int, within_tol: bool, max_iter: int) -> str | None:
    """The reason the run stops after this step (`IterationEvent.stop`), or None."""
    if iteration > 1 and moved == 0:
        return "stable"
    if iteration > 1 and within_tol:
        return "tol"
    return "max_iter" if iteration == max_iter else None


def alternate(data: Any, parts: Parts, centers: Any, *, max_iter: int, tol: float,
              on_iteration: IterationObserver | None = None) -> Run:
    """Alternate assignment and update steps from the given initial ``centers``.

    Stops when no label changes, when the objective decreases by at most ``tol`` relative to
    its previous value, or after ``max_iter`` assignment steps (then one final assignment step
    keeps labels optimal for the returned centers). The objective never increases.
    ``on_iteration``, when given, is called with an `IterationEvent` after every assignment step
    of the loop (not the final one).
    """
    labels: np.ndarray | None = None
    previous = np.inf
    history: list[dict[str, Any]] = []
    warm: np.ndarray | None = None
    for iteration in range(1, max_iter + 1):
        start = time.perf_counter()
        result = _step(data, parts, centers, warm)                      # assignment step
        moved = result.labels.size if labels is None else int((result.labels != labels).sum())
        history.append({"iteration": iteration, "objective": result.cost, "moved": moved,
                        "seconds": time.perf_counter() - start})
        labels, warm = result.labels, result.prices
        decrease = previous - result.cost
        change = decrease / abs(previous) if iteration > 1 and previous else math.nan
        stop = _stop(iteration, moved, decrease <= tol * abs(previous), max_iter)
        if on_iteration is not None:
            on_iteration(IterationEvent(**history[-1], change=change, stop=stop))
        if stop in ("stable", "tol"):
            return Run(labels, centers, result.cost, iteration, True, result, history)
        previous = result.cost
        centers = parts.update(data, labels, centers)                   # update step
    result = _step(data, parts, centers, warm)                          # final assignment step
    return Run(result.labels, centers, result.cost, max_iter, False, result, history)


@dataclass
class Restarts(Generic[R]):
    """The outcome of independent restarts: the best one and every restart's objective.

    Attributes
    ----------
    best : int
        Index of the best restart (lowest objective, earliest among near-ties; see `best_index`).
    run : Run (or the restart's result type)
        The best restart's result; the others are not kept.
    objectives : list of float
        Every restart's objective, in restart order.
    """

    best: int
    run: R
    objectives: list[float]


def restart_seeds(rng: np.random.Generator, n: int) -> Iterator[int]:
    """The ``n`` restart seeds drawn from ``rng`` one at a time, on demand: the same values as
    ``rng.integers(0, 2**63 - 1, size=n)``, without holding them all."""
    for _ in range(n):
        yield int(rng.integers(0, 2**63 - 1))


def run_restarts(data: Any, parts: Parts, *, n_init: int, max_iter: int, tol: float,
                 rng: np.random.Generator,
                 progress: Callable[[int, Run], None] | None = None,
                 n_jobs: int | None = None,
                 on_iteration: RestartObserver | None = None) -> Restarts[Run]:
    """``n_init`` independent runs with seeds drawn from ``rng``; returns the best (`Restarts`).

    The best run has the lowest objective; among objectives equal up to float noise
    (relative 1e-12) the earliest run wins, so the choice is deterministic. Run ``i`` always
    gets the ``i``-th seed of ``rng`` (drawn lazily, see `restart_seeds`), so ``n_jobs``
    (worker threads, see `fsclust.engine.parallel.for_each`; ``-1`` = all cores) never changes
    the result; ``progress`` is called as runs finish, ``on_iteration``
    ``(restart_index, IterationEvent)`` after every assignment step (from the worker threads
    when ``n_jobs`` is not 1). Memory does not grow with ``n_init`` beyond one float per
    restart: only the runs that can still be the best are kept.

    Parameters
    ----------
    data : object
        What the parts work on (k-means: X of shape (n, d)).
    parts : Parts
    n_init, max_iter, tol
        Restarts, and as for `alternate`.
    rng : numpy.random.Generator
        Source of every restart's seed.
    progress : callable ``(restart_index, Run)``, optional
    n_jobs : int, optional
    on_iteration : callable ``(restart_index, IterationEvent)``, optional

    Returns
    -------
    Restarts
        The best run, its index, and every restart's objective.
    """
    def one(task: tuple[int, int]) -> Run:
        index, seed = task
        observer = None if on_iteration is None else functools.partial(on_iteration, index)
        return run_once(data, parts, max_iter=max_iter, tol=tol, rng=np.random.default_rng(seed),
                        on_iteration=observer)

    return best_of(one, enumerate(restart_seeds(rng, n_init)), n_init, n_jobs=n_jobs,
                   on_done=progress)


def best_of(func: Callable[[T], R], items: Iterable[T], total: int, *, n_jobs: int | None = None,
            on_done: Callable[[int, R], None] | None = None,
            objective: Callable[[R], float] = lambda result: result.objective) -> Restarts[R]:
    """Run ``func`` on ``total`` items (lazily, by `for_each`) and keep the best result.

    The choice equals ``best_index`` of all objectives, but only the results that can still win
    are held: those within the near-tie slack of the lowest objective so far that no earlier
    result matches or beats.
    """
    objectives = [float("nan")] * total
    kept: list[tuple[int, float, R]] = []

    def done(index: int, result: R) -> None:
        nonlocal kept
        objectives[index] = float(objective(result))
        value = objectives[index] if objectives[index] == objectives[index] else float("inf")  # NaN last
        if not any(i < index and v <= value for i, v, _ in kept):
            kept = [entry for entry in kept if not (entry[0] > index and entry[1] >= value)]
            kept.append((index, value, result))
            limit = _near(min(v for _, v, _ in kept))
            kept = [entry for entry in kept if entry[1] <= limit]
        if on_done is not None:
            on_done(index, result)

    for_each(func, items, total=total, n_jobs=n_jobs, on_done=done)
    index, _, result = min(kept, key=lambda entry: entry[0])
    return Restarts(index, result, objectives)


def _near(low: float) -> float:
    """The largest objective that counts as a tie with ``low`` (relative 1e-12)."""
    return low + 1e-12 * max(abs(low), 1e-300)


def best_index(objectives: list[float]) -> int:
    """Index of the lowest objective, earliest among near-ties (relative 1e-12)."""
    limit = _near(min(objectives))
    return next(i for i, value in enumerate(objectives) if value <= limit)
