"""numba kernel of the price certificate (`fsclust.assign.certificate.certify_prices`); private.

One parallel pass over the (n, k) cost matrix, without (m, k) temporaries; the tests compare it
with a blocked numpy reference (``tests/oracle.py``).
"""

from __future__ import annotations

import numba as nb
import numpy as np

_BLOCKS = 64          # row blocks; each block's maxima are combined in a fixed order


@nb.njit(cache=True, parallel=True)
def reduced_cost_gap(C: np.ndarray, labels: np.ndarray, prices: np.ndarray) -> tuple[float, float]:
    """``(max_i (C[i, a_i] - p[a_i]) - min_j (C[i, j] - p[j]), max |C|)``; the gap is at least 0
    and is ``inf`` for a label outside ``0 .. k-1``."""
    n, k = C.shape
    step = (n + _BLOCKS - 1) // _BLOCKS
    gaps = np.zeros(_BLOCKS)
    bigs = np.zeros(_BLOCKS)
    for blk in nb.prange(_BLOCKS):
        gap = 0.0
        big = 0.0
        for i in range(blk * step, min(n, (blk + 1) * step)):
            low = np.inf
            for j in range(k):
                low = min(low, C[i, j] - prices[j])
                big = max(big, abs(C[i, j]))
            a = labels[i]
            gap = max(gap, C[i, a] - prices[a] - low) if 0 <= a < k else np.inf
        gaps[blk] = gap
        bigs[blk] = big
    return gaps.max(), bigs.max()
