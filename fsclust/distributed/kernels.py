"""numba kernels of the distributed step: the blockwise pass, one sweep over a chunk of costs that
stays in cache (`scan_rows`), and the potential of the client's Newton model (`model_potential`).

A pass labels every point by the argmin of its reduced costs, marks the points some candidate
list may need, adds up the clusters' coordinates and (on a cold step) counts the pairs' gaps. Done
with numpy on a whole row block, that is ten sweeps over (m, k) arrays and as many fresh 80 MB
allocations at m = 1e5, k = 100 (~125 ms on one core, twice that with two workers on two cores);
`fsclust.distributed.blocks.scan_block` makes the BLAS products of a chunk of ~1,300 rows into
one buffer and `scan_rows` finishes them into costs and does the rest in one sweep over it (~17 ms
a block on one thread, 33 ms with the histograms of every point; 21 ms before the finish moved
into the sweep, and 33 / 47 ms before it was one sweep).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from fsclust.assign._kernels.distance import fused_entry

__all__ = ["bin_table", "gap_bin", "model_potential", "scan_rows"]


_CELLS = 4096         # cells of the lookup table of the gap bins (`bin_table`)


def bin_table(edges: np.ndarray) -> np.ndarray:
    """For bin edges (B + 1,) from 0, the bin (`_CELLS`,) of the left end of every cell of a uniform
    grid on ``[0, edges[-1])``: where `gap_bin` starts its search (a step or two from the bin)."""
    cells = np.arange(_CELLS) * (edges[-1] / _CELLS)
    return np.minimum(np.searchsorted(edges, cells, side="right") - 1, edges.shape[0] - 2).astype(np.int64)


@nb.njit(cache=True, nogil=True, inline="always")
def gap_bin(edges: np.ndarray, table: np.ndarray, scale: float, g: float) -> int:
    """The bin ``b`` of ``edges`` (B + 1,) with ``edges[b] <= g < edges[b + 1]`` (``0 <= g < edges[-1]``),
    searched from the cell ``g * scale`` of ``table`` (`bin_table`; ``scale = len(table) / edges[-1]``,
    computed once by the caller: a division here is 3x the whole lookup)."""
    last = edges.shape[0] - 2
    b = table[min(int(g * scale), table.shape[0] - 1)]
    while b < last and edges[b + 1] <= g:
        b += 1
    while b > 0 and edges[b] > g:
        b -= 1
    return b


@nb.njit(cache=True, nogil=True)
def scan_rows(cost: np.ndarray, x_sq: np.ndarray, c_sq: np.ndarray, X: np.ndarray, w: np.ndarray,
              prices: np.ndarray, rho: np.ndarray, edges: np.ndarray, table: np.ndarray, stride: int,
              labels: np.ndarray, own: np.ndarray, near: np.ndarray, hist: np.ndarray, sums: np.ndarray,
              mass: np.ndarray) -> float:
    """One sweep over the costs (m, k) of a chunk of points ``X`` (m, d) with weights ``w`` (m,)
    (empty: none); returns the largest cost (at least 0).

    With squared norms ``x_sq`` (m,) and ``c_sq`` (k,), ``cost`` holds the products ``X C^T`` and
    each row is first finished in place to the costs ``w_i max(|x_i|^2 - 2 x_i.c_j + |c_j|^2, 0)``
    (`fsclust.assign._kernels.distance.fused_entry`, times ``w_i``: the numbers of
    `fsclust.assign.costs.SquaredEuclidean`), while it is in cache; with ``x_sq`` empty, ``cost``
    holds the costs.

    Writes ``labels`` (m,): the argmin of ``cost[i] - prices`` (first index on ties), ``own``
    (m,): ``cost[i, labels[i]]``, and ``near`` (m,): whether some gap
    ``g_ij = (cost[i, j] - prices[j]) - (cost[i, a] - prices[a])`` (``a = labels[i]``, ``j != a``)
    is below ``rho[a, j]``; adds ``w_i X[i]`` to ``sums[a]`` (k, d) and ``w_i`` to ``mass[a]``
    (k,), in row order as ``np.bincount`` does. With ``edges`` (B + 1,), B >= 1, and their
    `bin_table`, adds every gap below ``edges[-1]`` of the rows ``i`` with ``i % stride == 0``
    to its `gap_bin` in ``hist[a, j]`` (``hist`` (k, k, B)); with one edge, counts nothing."""
    m, k = cost.shape
    finish, listing = x_sq.shape[0] > 0, rho.max() > -np.inf   # listing: some point may be near
    count, cap = edges.shape[0] > 1, edges[edges.shape[0] - 1]
    scale = table.shape[0] / cap if count else 0.0
    reduced, below = np.empty(k), np.empty(k, np.int64)
    top = 0.0
    for i in range(m):
        wi = w[i] if w.shape[0] > 0 else 1.0
        if finish:
            for j in range(k):
                entry = fused_entry(cost[i, j], x_sq[i], c_sq[j])
                cost[i, j] = entry * wi if w.shape[0] > 0 else entry
        b0 = b1 = b2 = b3 = np.inf        # four running minima and maxima over four entries a
        t0 = t1 = t2 = t3 = 0.0           # step (one is a chain of dependent compares: 30 % slower)
        for j in range(0, k - k % 4, 4):
            c0, c1, c2, c3 = cost[i, j], cost[i, j + 1], cost[i, j + 2], cost[i, j + 3]
            r0 = reduced[j] = c0 - prices[j]
            r1 = reduced[j + 1] = c1 - prices[j + 1]
            r2 = reduced[j + 2] = c2 - prices[j + 2]
            r3 = reduced[j + 3] = c3 - prices[j + 3]
            b0, b1, b2, b3 = min(b0, r0), min(b1, r1), min(b2, r2), min(b3, r3)
            t0, t1, t2, t3 = max(t0, c0), max(t1, c1), max(t2, c2), max(t3, c3)
        for j in range(k - k % 4, k):
            c0 = cost[i, j]
            r0 = reduced[j] = c0 - prices[j]
            b0, t0 = min(b0, r0), max(t0, c0)
        best = min(min(b0, b1), min(b2, b3))
        top = max(top, max(max(t0, t1), max(t2, t3)))
        a = 0
        while reduced[a] != best:
            a += 1
        labels[i], own[i] = a, cost[i, a]
        hit = False
        for j in range(k if listing else 0):
            hit |= (reduced[j] - best < rho[a, j]) & (j != a)
        near[i] = hit
        found = 0                     # the columns with gaps below the cap, gathered without a branch
        for j in range(k if count and i % stride == 0 else 0):
            below[found] = j
            found += reduced[j] - best < cap
        for f in range(found):
            j = below[f]
            if j != a:
                hist[a, j, gap_bin(edges, table, scale, reduced[j] - best)] += 1
        for t in range(X.shape[1]):
            sums[a, t] += X[i, t] * wi                # exact for wi = 1
        mass[a] += wi
    return top


@nb.njit(cache=True, nogil=True)
def model_potential(hist: np.ndarray, cum: np.ndarray, area: np.ndarray, edges: np.ndarray,
                    delta: np.ndarray, moved: np.ndarray) -> float:
    """The pair terms of the Newton model's potential (`fsclust.distributed.balance._Model`) at
    price changes ``delta`` (k,): returns ``sum_pl G_pl(delta_l - delta_p)`` and writes ``moved``
    (k, k) = ``F_pl(delta_l - delta_p)``, the points of ``p`` it moves to ``l``.

    ``hist`` (k, k, B) are the gap histograms over ``edges`` (B + 1,), ``cum`` and ``area``
    (k, k, B + 1) their running sums and integrals at the edges; ``F_pl`` is linear within a bin
    and constant past the cap ``edges[-1]`` (``G_pl`` linear there), both 0 for ``t <= 0``. One
    loop over the pairs with a binary search of the bin: the potential takes 0.1 ms at k = 100
    where the numpy form took 0.47 ms, and L-BFGS evaluates it 100-250 times a step."""
    k, bins = hist.shape[0], hist.shape[2]
    cap = edges[bins]
    total = 0.0
    for p in range(k):
        for q in range(k):
            t = delta[q] - delta[p]
            if t <= 0.0:
                moved[p, q] = 0.0
                continue
            lo, hi = 0, bins - 1                    # the last edge <= min(t, cap), below the cap
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if edges[mid] <= t:
                    lo = mid
                else:
                    hi = mid - 1
            at = min(t, cap) - edges[lo]
            h, width = hist[p, q, lo], edges[lo + 1] - edges[lo]
            low = cum[p, q, lo]
            if t > cap:
                moved[p, q] = cum[p, q, bins]
                total += area[p, q, lo] + at * low + h * at * at / (2.0 * width) + (t - cap) * cum[p, q, bins]
            else:
                moved[p, q] = low + at * h / width
                total += area[p, q, lo] + at * low + h * at * at / (2.0 * width)
    return total
