"""numba kernels for squared distances (used by `fsclust.assign.costs`); private.

With ``d <= 4`` a BLAS product has too little work per output to pay for itself; this kernel
writes every entry once, as ``sum_t (x_t - c_t)^2`` (non-negative by construction), in row blocks
on every core. Above, the BLAS product ``x.c`` is finished to ``|x|^2 - 2 x.c + |c|^2`` (clipped at
0) in one pass (`finish_fused`, where numpy takes four); `fused_entry` is that one entry, for
kernels that finish the products as they read them.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from fsclust.assign._kernels.blocks import run_blocks

_ROWS = 64            # rows per block handed to a thread


@nb.njit(cache=True, inline="always")
def _fill_row(X: np.ndarray, centers: np.ndarray, out: np.ndarray, i: int) -> None:
    """``out[i, j] = |X[i] - centers[j]|^2`` for every ``j``."""
    for j in range(centers.shape[0]):
        total = 0.0
        for t in range(X.shape[1]):
            diff = X[i, t] - centers[j, t]
            total += diff * diff
        out[i, j] = total


@nb.njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _fill_rows(X: np.ndarray, centers: np.ndarray, out: np.ndarray, b0: int, b1: int) -> None:
    """Rows of blocks ``b0 .. b1`` (``_ROWS`` rows each) of `squared_distances_direct`."""
    for i in range(b0 * _ROWS, min(X.shape[0], b1 * _ROWS)):
        _fill_row(X, centers, out, i)


def squared_distances_direct(X: np.ndarray, centers: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` (n, k) with ``|X[i] - centers[j]|^2`` for ``X`` (n, d), ``centers`` (k, d)."""
    run_blocks(_fill_rows, (X.shape[0] + _ROWS - 1) // _ROWS, X, centers, out)


def squared_distances_serial(X: np.ndarray, centers: np.ndarray, out: np.ndarray) -> None:
    """`squared_distances_direct` on one thread, for small ``n * k`` where handing blocks to
    the thread pool costs more than the work (and much more when another process holds a core)."""
    _fill_rows(X, centers, out, 0, (X.shape[0] + _ROWS - 1) // _ROWS)


@nb.njit(cache=True, inline="always")
def fused_entry(xc: float, x_sq: float, c_sq: float) -> float:
    """``max(-2 xc + x_sq + c_sq, 0)``, rounded as numpy's ``res *= -2; res += x_sq; res += c_sq``."""
    return max(xc * -2.0 + x_sq + c_sq, 0.0)


@nb.njit(cache=True, nogil=True)
def finish_fused(res: np.ndarray, x_sq: np.ndarray, c_sq: np.ndarray) -> None:
    """Turn the products ``res`` (m, k) = ``X C^T`` into squared distances in place (`fused_entry`)."""
    for i in range(res.shape[0]):
        for j in range(res.shape[1]):
            res[i, j] = fused_entry(res[i, j], x_sq[i], c_sq[j])
