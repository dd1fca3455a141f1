r"""Optimality certificate and polish for size-constrained assignments, on the k-node cluster graph.

An assignment with feasible counts is optimal if and only if the *cluster graph* has no negative
cycle. Its arc ``p -> l`` costs

.. math:: W_{pl} = \min_{i : a_i = p} (C_{il} - C_{ip}),

the cheapest way to move one point from cluster ``p`` to ``l``. A simple cycle moves one point
out of and one point into every cluster on it, so counts are unchanged. With bounds
``lo <= count <= hi`` a zero-cost arc ``b -> a`` closes a path whenever ``count_b < hi_b`` and
``count_a > lo_a``. Building ``W`` costs O(nk); Bellman-Ford on it costs O(k^3) at worst.
"""

from __future__ import annotations

import numpy as np

from fsclust.assign.costs import PointCosts
from fsclust.errors import CertificateError
from fsclust.problem.sizes import Sizes

__all__ = ["bound_violation", "certify_prices", "cluster_graph", "find_negative_cycle", "is_optimal",
           "polish", "tolerance"]



def tolerance(cost: np.ndarray) -> float:
    """Improvements smaller than this are float noise (relative to the cost magnitude)."""
    return 1e-11 * max(float(np.abs(cost).max(initial=0.0)), 1e-300)


def cluster_graph(cost: np.ndarray, labels: np.ndarray, sizes: Sizes
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Arc weights of the cluster graph and the point each arc would move.

    Parameters
    ----------
    cost : ndarray of shape (n, k)
    labels : ndarray of shape (n,)
    sizes : Sizes

    Returns
    -------
    weight : ndarray of shape (k, k)
        ``weight[p, l]``: cheapest cost change of one move ``p -> l`` (inf where none exists, or
        0 for a bound-slack arc that moves nothing).
    mover : ndarray of shape (k, k), int64
        The point that arc moves, or -1 for a slack arc.
    """
    k = cost.shape[1]
    weight = np.full((k, k), np.inf)
    mover = np.full((k, k), -1, dtype=np.int64)
    for p in range(k):
        members = np.flatnonzero(labels == p)
        if members.size == 0:
            continue
        delta = cost[members] - cost[members, p][:, None]
        best = delta.argmin(axis=0)
        weight[p] = delta[best, np.arange(k)]
        mover[p] = members[best]
    np.fill_diagonal(weight, np.inf)
    if not sizes.exact:
        counts = np.bincount(labels, minlength=k)
        slack = (counts < sizes.hi)[:, None] & (counts > sizes.lo)[None, :]
        np.fill_diagonal(slack, False)
        use = slack & (weight > 0)
        weight[use] = 0.0
        mover[use] = -1
    return weight, mover


def find_negative_cycle(weight: np.ndarray, tol: float) -> list[int] | None:
    """A cycle of total weight below ``-tol`` in a dense graph (Bellman-Ford), or None.

    Parameters
    ----------
    weight : ndarray of shape (k, k)
        ``inf`` marks a missing arc.
    tol : float

    Returns
    -------
    list of int or None
        Nodes ``[c0, c1, ..., c_{m-1}]`` of the cycle ``c0 -> c1 -> ... -> c0``.
    """
    k = weight.shape[0]
    dist = np.zeros(k)
    pred = np.full(k, -1, dtype=np.int64)
    changed = np.zeros(k, dtype=bool)
    for _ in range(k + 1):
        cand = dist[:, None] + weight
        arg = cand.argmin(axis=0)
        best = cand[arg, np.arange(k)]
        changed = best < dist - tol
        if not changed.any():
            return None
        dist[changed] = best[changed]
        pred[changed] = arg[changed]
    node = int(np.flatnonzero(changed)[0])
    for _ in range(k):
        node = int(pred[node])
    cycle = [node]
    while (prev := int(pred[cycle[-1]])) != node:
        cycle.append(prev)
    return cycle[::-1]


def is_optimal(cost: np.ndarray, labels: np.ndarray, sizes: Sizes) -> bool:
    """True when ``labels`` (which must honour ``sizes``) minimises the total assignment cost."""
    weight, _ = cluster_graph(cost, labels, sizes)
    return find_negative_cycle(weight, tolerance(cost)) is None


def polish(cost: np.ndarray, labels: np.ndarray, sizes: Sizes, *, max_rounds: int | None = None
           ) -> tuple[np.ndarray, int]:
    """Cancel negative cycles until the assignment is optimal in float64.

    Used behind backends that round costs or solve with tolerances; a no-op on an optimal input.

    Parameters
    ----------
    cost : ndarray of shape (n, k)
    labels : ndarray of shape (n,)
        Feasible labels; not modified.
    sizes : Sizes

    Returns
    -------
    labels : ndarray of shape (n,)
        Optimal labels with the same feasibility.
    rounds : int
        Number of cycles cancelled.

    Raises
    ------
    CertificateError
        If ``max_rounds`` (default ``n + k``) cycles did not reach optimality.
    """
    labels = labels.copy()
    tol = tolerance(cost)
    limit = cost.shape[0] + cost.shape[1] if max_rounds is None else max_rounds
    for rounds in range(limit + 1):
        weight, mover = cluster_graph(cost, labels, sizes)
        cycle = find_negative_cycle(weight, tol)
        if cycle is None:
            return labels, rounds
        for src, dst in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            if mover[src, dst] >= 0:
                labels[mover[src, dst]] = dst
    raise CertificateError(f"polish did not reach an optimal assignment in {limit} cycle cancellations")


def bound_violation(counts: np.ndarray, prices: np.ndarray, sizes: Sizes) -> float:
    """How far ``prices`` are from admitting a dummy price for the size bounds (0 when they do).

    Parameters
    ----------
    counts : ndarray of shape (k,)
    prices : ndarray of shape (k,)
    sizes : Sizes

    Returns
    -------
    float
        ``max(prices[count > lo]) - min(prices[count < hi])`` where both sets are non-empty
        and the sizes are bounds, else 0.
    """
    if sizes.exact:
        return 0.0
    above, below = prices[counts > sizes.lo], prices[counts < sizes.hi]
    return max(0.0, float(above.max() - below.min())) if above.size and below.size else 0.0


def certify_prices(cost: np.ndarray | PointCosts, labels: np.ndarray, prices: np.ndarray,
                   sizes: Sizes) -> float:
    r"""Raise `CertificateError` unless ``labels`` honour ``sizes`` and ``prices`` prove them optimal.

    ``labels`` is optimal when every point sits at an argmin of ``cost[i] - prices`` and, with
    bounds, some dummy price :math:`u_D` has :math:`u_j \le u_D` where ``count_j > lo_j`` and
    :math:`u_j \ge u_D` where ``count_j < hi_j`` (LP complementary slackness). One parallel
    numba pass over ``cost`` (n, k) (a matrix, or `PointCosts` evaluated block by block) checks
    the first condition, `bound_violation` the second; ``labels`` is (n,), ``prices`` (k,).

    Returns
    -------
    float
        ``sum_i cost[i, labels[i]]``, summed in the same pass (in a fixed order).

    Raises
    ------
    CertificateError
        Counts outside the sizes, non-finite prices, or a point (or bound) that breaks the price
        conditions by more than ``1e-11 * max |cost|``.
    """
    counts = np.bincount(labels, minlength=cost.shape[1])
    if (counts < sizes.lo).any() or (counts > sizes.hi).any():
        raise CertificateError(f"counts {counts.tolist()} are outside the required sizes")
    if not np.isfinite(prices).all():
        raise CertificateError("the certificate prices are not all finite")
    from fsclust.assign._kernels.certificate import reduced_cost_gap, reduced_cost_gap_points

    args = (np.asarray(labels, dtype=np.int64), np.asarray(prices, dtype=np.float64))
    if isinstance(cost, PointCosts):
        gap, scale, total = reduced_cost_gap_points(cost.view(), *args)
    else:
        gap, scale, total = reduced_cost_gap(np.ascontiguousarray(cost, dtype=np.float64), *args)
    violation = max(gap, bound_violation(counts, prices, sizes))
    if violation > 1e-11 * max(scale, 1e-300):
        raise CertificateError(
            f"the prices do not prove optimality: a reduced cost exceeds its row minimum by "
            f"{violation:.3g} (tolerance {1e-11 * scale:.3g})")
    return float(total)
