"""Local search that keeps cluster sizes fixed.

* `exchange` / `CentroidModel`: best-improvement pairwise exchange (swap two points of different
  clusters when the objective drops) on the k-means SSE; `fsclust.pairwise` runs the same search
  on the within-cluster pairwise-distance objective of a distance matrix (no MDS needed).
* `LOCAL_SEARCHES`: engine ``refine`` hooks (``"exchange"``, ``"random_swap"``) used by
  ``fsclust.solve(..., local_search=...)``; build one with `make_refine`.
"""

from __future__ import annotations

from typing import Any

from fsclust._validation import as_int, fail, lookup
from fsclust.engine.core import Parts, RefineFunction
from fsclust.localsearch.exchange import CentroidModel, ExchangeModel, LocalSearchResult, exchange
from fsclust.localsearch.refine import LOCAL_SEARCHES, RefineOptions, exchange_refine, random_swap_refine

__all__ = [
    "DEFAULT_BUDGETS",
    "LOCAL_SEARCHES",
    "CentroidModel",
    "ExchangeModel",
    "LocalSearchResult",
    "RefineOptions",
    "check_local_search",
    "exchange",
    "exchange_refine",
    "make_refine",
    "random_swap_refine",
]

DEFAULT_BUDGETS = {"exchange": 50, "random_swap": 50}


def check_local_search(local_search: Any, budget: Any, seconds: Any) -> None:
    """Validate the ``local_search``, ``local_search_budget`` and ``local_search_seconds``
    parameters of `fsclust.solve` (raises `ValidationError`)."""
    if local_search is not None:
        lookup(LOCAL_SEARCHES, local_search, "local_search", extra=[None])
    if budget is not None:
        as_int(budget, "local_search_budget", minimum=1)
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not seconds > 0):
        raise fail("local_search_seconds", "None or a number > 0", seconds)


def make_refine(local_search: str, parts: Parts, *, budget: int | None = None,
                seconds: float | None = None, max_iter: int = 300, tol: float = 1e-6,
                sample_weight: Any = None) -> RefineFunction:
    """The engine ``refine`` hook named ``local_search`` (a key of `LOCAL_SEARCHES`).

    Parameters
    ----------
    local_search : {"exchange", "random_swap"}
    parts : Parts
        The problem's parts (centers must be an ndarray of shape (k, d)).
    budget : int, optional
        Exchange sweeps / random-swap trials per run (defaults in `DEFAULT_BUDGETS`).
    seconds : float, optional
        Wall-clock limit per run.
    max_iter, tol : as in `fsclust.solve`
    sample_weight : ndarray of shape (n,), optional
    """
    check_local_search(local_search, budget, seconds)
    options = RefineOptions(budget=budget or DEFAULT_BUDGETS[local_search], seconds=seconds,
                            max_iter=max_iter, tol=tol, sample_weight=sample_weight)
    return lookup(LOCAL_SEARCHES, local_search, "local_search", extra=[None])(parts, options)

