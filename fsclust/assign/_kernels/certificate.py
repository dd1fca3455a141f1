"""numba kernels of the price certificate (`fsclust.assign.certificate.certify_prices`); private.

One pass over the costs (a dense (n, k) matrix, or an on-demand view, see `._cost_access`),
in row blocks on every core (`.blocks`), without (m, k) temporaries; the tests compare it with a blocked numpy
reference (``tests/oracle.py``). Per-block results are combined in a fixed order, so the
returned total does not depend on the number of threads.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from fsclust.assign._kernels.blocks import ordered_sum, run_blocks
from fsclust.assign._kernels.cost_access import BLOCK, block_column, entry, load_block

_BLOCKS = 64          # row blocks of the dense pass


@nb.njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _gap_rows(C, labels, prices, gaps, bigs, sums, b0, b1):
    """Blocks ``b0 .. b1`` of `reduced_cost_gap` (``_BLOCKS`` row blocks): per-block results."""
    n, k = C.shape
    step = (n + _BLOCKS - 1) // _BLOCKS
    for blk in range(b0, b1):
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


def reduced_cost_gap(C: np.ndarray, labels: np.ndarray, prices: np.ndarray
                     ) -> tuple[float, float, float]:
    """``(max_i (C[i, a_i] - p[a_i]) - min_j (C[i, j] - p[j]), max |C|, sum_i C[i, a_i])`` for
    ``C`` (n, k) C-ordered float64, ``labels`` (n,) int64, ``prices`` (k,) float64; the gap is
    at least 0 and is ``inf`` for a label outside ``0 .. k-1`` (the total then skips it)."""
    return _combine(_gap_rows, _BLOCKS, C, labels, prices)


def _combine(kernel, n_blocks: int, *args) -> tuple[float, float, float]:
    """Run a per-block gap kernel over ``n_blocks`` blocks and combine in block order."""
    gaps, bigs, sums = np.zeros(n_blocks), np.zeros(n_blocks), np.zeros(n_blocks)
    run_blocks(kernel, n_blocks, *args, gaps, bigs, sums)
    return float(gaps.max()), float(bigs.max()), ordered_sum(sums)


@nb.njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _gap_points(view, labels, prices, gaps, bigs, sums, b0, b1):
    """Blocks ``b0 .. b1`` (of ``BLOCK`` rows) of `reduced_cost_gap_points`: per-block results."""
    X, CT, w = view
    n, d = X.shape
    k = CT.shape[1]
    xb, wb, col = np.empty((d, BLOCK)), np.empty(BLOCK), np.empty(BLOCK)
    low, top = np.empty(BLOCK), np.empty(BLOCK)
    for blk in range(b0, b1):
        lo = blk * BLOCK
        m = min(n, lo + BLOCK) - lo
        low[:] = np.inf
        top[:] = 0.0
        lab = labels[lo:lo + m]
        load_block(X, w, lo, m, xb, wb)
        for j in range(k):
            block_column(xb, wb, w.shape[0] > 0, CT, j, col)
            pj = prices[j]
            for t in range(BLOCK):
                low[t] = min(low[t], col[t] - pj)
                top[t] = max(top[t], col[t])
        gap = 0.0
        total = 0.0
        largest = 0.0
        for t in range(m):
            largest = max(largest, top[t])
            a = lab[t]
            if 0 <= a < k:
                own = entry(view, lo + t, a)
                gap = max(gap, own - prices[a] - low[t])
                total += own
            else:
                gap = np.inf
        gaps[blk], bigs[blk], sums[blk] = gap, largest, total


def reduced_cost_gap_points(view: tuple, labels: np.ndarray, prices: np.ndarray
                            ) -> tuple[float, float, float]:
    """`reduced_cost_gap` for an on-demand cost ``view = (X, CT, w)``, block by block."""
    n = view[0].shape[0]
    return _combine(_gap_points, (n + BLOCK - 1) // BLOCK, view, labels, prices)
