"""numba kernels of the price certificate (`fsclust.assign.certificate.certify_prices`); private.

One parallel pass over the costs (a dense (n, k) matrix, or an on-demand view, see
`._cost_access`), without (m, k) temporaries; the tests compare it with a blocked numpy
reference (``tests/oracle.py``). Per-block results are combined in a fixed order, so the
returned total does not depend on the number of threads.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from fsclust.assign._kernels.cost_access import BLOCK, block_column, entry, load_block

_BLOCKS = 64          # row blocks of the dense pass


@nb.njit(cache=True, parallel=True)
def reduced_cost_gap(C: np.ndarray, labels: np.ndarray, prices: np.ndarray
                     ) -> tuple[float, float, float]:
    """``(max_i (C[i, a_i] - p[a_i]) - min_j (C[i, j] - p[j]), max |C|, sum_i C[i, a_i])``; the
    gap is at least 0 and is ``inf`` for a label outside ``0 .. k-1`` (the total then skips it)."""
    n, k = C.shape
    step = (n + _BLOCKS - 1) // _BLOCKS
    gaps, bigs, sums = np.zeros(_BLOCKS), np.zeros(_BLOCKS), np.zeros(_BLOCKS)
    for blk in nb.prange(_BLOCKS):
        gap = 0.0
        big = 0.0
        total = 0.0
        for i in range(blk * step, min(n, (blk + 1) * step)):
            low = np.inf
            for j in range(k):
                low = min(low, C[i, j] - prices[j])
                big = max(big, abs(C[i, j]))
            a = labels[i]
            if 0 <= a < k:
                gap = max(gap, C[i, a] - prices[a] - low)
                total += C[i, a]
            else:
                gap = np.inf
        gaps[blk], bigs[blk], sums[blk] = gap, big, total
    return gaps.max(), bigs.max(), sums.sum()


@nb.njit(cache=True, parallel=True)
def reduced_cost_gap_points(view, labels: np.ndarray, prices: np.ndarray
                            ) -> tuple[float, float, float]:
    """`reduced_cost_gap` for an on-demand cost ``view = (XT, CT, w)``, block by block."""
    XT, CT, w = view
    d, n = XT.shape
    k = CT.shape[1]
    n_blocks = (n + BLOCK - 1) // BLOCK
    gaps, bigs, sums = np.zeros(n_blocks), np.zeros(n_blocks), np.zeros(n_blocks)
    for blk in nb.prange(n_blocks):
        lo = blk * BLOCK
        m = min(n, lo + BLOCK) - lo
        xb, wb, col = np.empty((d, BLOCK)), np.empty(BLOCK), np.empty(BLOCK)
        low, top = np.full(BLOCK, np.inf), np.zeros(BLOCK)
        lab = labels[lo:lo + m]
        load_block(XT, w, lo, m, xb, wb)
        for j in range(k):
            block_column(xb, wb, w.shape[0] > 0, CT, j, col)
            pj = prices[j]
            for t in range(BLOCK):
                low[t] = min(low[t], col[t] - pj)
                top[t] = max(top[t], col[t])
        gap = 0.0
        total = 0.0
        for t in range(m):
            a = lab[t]
            if 0 <= a < k:
                own = entry(view, lo + t, a)
                gap = max(gap, own - prices[a] - low[t])
                total += own
            else:
                gap = np.inf
        gaps[blk], bigs[blk], sums[blk] = gap, top[:m].max(), total
    return gaps.max(), bigs.max(), sums.sum()
