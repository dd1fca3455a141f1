"""Independent reference solvers for the assignment problem: the oracles of fsclust's tests.

Usable by anyone who embeds the assignment kernel or writes a backend, to check it on small
instances (NetworkX and itertools only; no fsclust backend is involved).

``network_simplex_optimum`` solves the transportation problem with NetworkX's network simplex on
*integer* costs (exact arithmetic); float costs are first rounded on a 2**40 grid
(`fsclust.assign._integer.integer_costs`), which bounds the error of the returned optimum by
``n * max|C| / 2**40`` (far below the 1e-9 relative tolerance).
NetworkX documents that float weights may fail, and they do, so they are never passed.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from fsclust.assign._integer import integer_costs
from fsclust.assign.certificate import bound_violation
from fsclust.problem.sizes import Sizes

_BLOCK_BYTES = 4 * 1024**2
_GRID = 2.0**40          # the largest shifted cost becomes 2**40 (exact integer arithmetic below)


def network_simplex_optimum(cost: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Optimal total float cost of assigning rows to columns with ``lo <= counts <= hi``."""
    n, k = cost.shape
    grid = integer_costs(cost, _GRID).values
    graph = nx.DiGraph()
    graph.add_node("sink", demand=int(n - lo.sum()))
    for j in range(k):
        graph.add_node(("c", j), demand=int(lo[j]))
        graph.add_edge(("c", j), "sink", capacity=int(hi[j] - lo[j]), weight=0)
    for i in range(n):
        graph.add_node(("p", i), demand=-1)
        for j in range(k):
            graph.add_edge(("p", i), ("c", j), capacity=1, weight=int(grid[i, j]))
    _, flow = nx.network_simplex(graph)
    labels = [next(j for j in range(k) if flow[("p", i)][("c", j)] == 1) for i in range(n)]
    return float(cost[np.arange(n), labels].sum())


def brute_force_optimum(cost: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Exhaustive minimum over all k**n labellings (tiny instances only)."""
    n, k = cost.shape
    best = np.inf
    for labels in itertools.product(range(k), repeat=n):
        counts = np.bincount(labels, minlength=k)
        if (counts >= lo).all() and (counts <= hi).all():
            best = min(best, float(cost[np.arange(n), list(labels)].sum()))
    return best


def price_violation(cost: np.ndarray, labels: np.ndarray, prices: np.ndarray, sizes: Sizes
                    ) -> tuple[float, float]:
    r"""Numpy reference of `certify_prices`' check: how far ``prices`` are from proving ``labels``
    optimal, in one blocked O(nk) pass.

    ``labels`` is optimal when every point sits at an argmin of ``cost[i] - prices`` and, with
    bounds, some dummy price :math:`u_D` has :math:`u_j \le u_D` where ``count_j > lo_j`` and
    :math:`u_j \ge u_D` where ``count_j < hi_j`` (LP complementary slackness).

    Parameters
    ----------
    cost : ndarray of shape (n, k)
    labels : ndarray of shape (n,)
    prices : ndarray of shape (k,)
    sizes : Sizes

    Returns
    -------
    violation : float
        Largest excess of a point's reduced cost over its row minimum, or of the bound
        conditions (<= 0 up to round-off for a proof of optimality).
    scale : float
        ``max |cost|``, the magnitude tolerances are relative to.
    """
    n, k = cost.shape
    step = max(1, _BLOCK_BYTES // (8 * k))
    worst, scale = 0.0, 0.0
    for start in range(0, n, step):
        block = cost[start:start + step]
        reduced = block - prices
        own = reduced[np.arange(block.shape[0]), labels[start:start + step]]
        worst = max(worst, float((own - reduced.min(axis=1)).max()))
        scale = max(scale, abs(float(block.max())), abs(float(block.min())))
    return max(worst, bound_violation(np.bincount(labels, minlength=k), prices, sizes)), scale
