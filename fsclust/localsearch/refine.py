"""Size-preserving local search as engine ``refine`` hooks for centroid (k-means) problems.

* ``"exchange"``: pairwise exchange on the exact SSE (means re-fitted after every swap), then
  the assignment/update alternation from the new means; repeated until no swap improves.
* ``"random_swap"``: Fränti's random swap — move one random centroid onto a random data point,
  run a few alternation steps, keep the result only if the objective dropped.

Both keep the best run they have seen, so a refined run is never worse than the input run.
Budgets count sweeps or trials (deterministic); an optional wall-clock limit also stops them
(then results depend on the machine's speed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from fsclust.engine.core import Parts, RefineFunction, Run, alternate
from fsclust.localsearch.exchange import CentroidModel, exchange

__all__ = ["LOCAL_SEARCHES", "RefineOptions", "exchange_refine", "random_swap_refine"]


@dataclass(frozen=True)
class RefineOptions:
    """Settings shared by the refine hooks.

    Attributes
    ----------
    budget : int
        Exchange: sweeps over all points in total; random swap: trials.
    seconds : float or None
        Wall-clock limit per run (makes results timing-dependent).
    max_iter, tol : int, float
        Alternation settings (as in `fsclust.solve`).
    swap_iter : int
        Alternation steps after each random-swap trial (2 in Fränti's random swap).
    sample_weight : ndarray of shape (n,) or None
    """

    budget: int
    seconds: float | None
    max_iter: int
    tol: float
    swap_iter: int = 2
    sample_weight: np.ndarray | None = None


def _deadline(options: RefineOptions) -> float | None:
    return None if options.seconds is None else time.perf_counter() + options.seconds


def exchange_refine(parts: Parts, options: RefineOptions) -> RefineFunction:
    """Refine hook: pairwise exchange on the SSE alternated with assignment/update steps."""
    base = replace(parts, refine=None)

    def refine(X: np.ndarray, run: Run, rng: np.random.Generator) -> Run:
        deadline, passes_left, best = _deadline(options), options.budget, run
        while passes_left > 0:
            model = CentroidModel(X, best.labels, best.centers.shape[0], options.sample_weight)
            found = exchange(model, rng, max_passes=passes_left, deadline=deadline)
            passes_left -= found.n_passes
            if found.n_swaps == 0:
                break
            candidate = alternate(X, base, model.centers(X), max_iter=options.max_iter,
                                  tol=options.tol)
            if candidate.objective >= best.objective:
                break
            best = _merged(best, candidate)
        return best

    return refine


def random_swap_refine(parts: Parts, options: RefineOptions) -> RefineFunction:
    """Refine hook: random swap with ``options.budget`` trials, then a full alternation."""
    base = replace(parts, refine=None)

    def refine(X: np.ndarray, run: Run, rng: np.random.Generator) -> Run:
        deadline, best = _deadline(options), run
        for _ in range(options.budget):
            if deadline is not None and time.perf_counter() > deadline:
                break
            centers = np.array(best.centers, dtype=np.float64, copy=True)
            centers[rng.integers(centers.shape[0])] = X[rng.integers(X.shape[0])]
            candidate = alternate(X, base, centers, max_iter=options.swap_iter, tol=options.tol)
            if candidate.objective < best.objective:
                best = _merged(best, candidate)
        final = alternate(X, base, best.centers, max_iter=options.max_iter, tol=options.tol)
        return _merged(best, final) if final.objective < best.objective else best

    return refine


def _merged(previous: Run, new: Run) -> Run:
    """``new`` with the iteration history of both runs."""
    history = previous.history + [dict(entry, refine=True) for entry in new.history]
    return replace(new, n_iter=previous.n_iter + new.n_iter, history=history)


# Every entry builds the engine ``refine`` hook from ``(parts, options)``.
LOCAL_SEARCHES: dict[str, Callable[[Parts, RefineOptions], RefineFunction]] = {
    "exchange": exchange_refine, "random_swap": random_swap_refine}
