"""Uniform numba access to assignment costs, dense or computed on demand; private.

A cost ``C`` reaches the kernels as one of

* a dense C-ordered float64 matrix of shape (n, k), or
* the on-demand view ``(X, CT, w)`` of `fsclust.assign.costs.PointCosts`: ``X`` (n, d) points
  (the caller's array, not a copy), ``CT`` (d, k) centers, ``w`` (n,) weights or (0,) for none,
  standing for ``C[i, j] = w_i * sum_t (X[i, t] - CT[t, j])^2``.

`entry` and `load_row` are overloaded on the two types, so one kernel source serves both; `as_view`
wraps a dense matrix in the view's type (read as dense by `load_row`), so that a large kernel needs
to compile only once for both (the kernels take ``k`` from their other arrays). The on-demand sum
runs over ``t`` in the same order as the dense distance kernel (`fsclust.assign._kernels.distance`)
and the weight multiplies last, as in `SquaredEuclidean`, so a point's cost is the same float either
way. `load_block` / `block_column` evaluate one column of a block of ``BLOCK`` rows at a time from
local copies, which the compiler vectorises.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.extending import overload

BLOCK = 256           # rows per block of the on-demand O(nk) passes


def entry(C, i, j):   # pragma: no cover - numba-only (see the overload)
    """``C[i, j]`` for a dense or on-demand cost."""
    raise NotImplementedError


@overload(entry)
def _entry(C, i, j):
    if isinstance(C, types.Array):
        return lambda C, i, j: C[i, j]

    def on_demand(C, i, j):
        X, CT, w = C
        total = 0.0
        for t in range(X.shape[1]):
            diff = X[i, t] - CT[t, j]
            total += diff * diff
        return total * w[i] if w.shape[0] > 0 else total
    return on_demand


def load_row(C, i, out):   # pragma: no cover - numba-only
    """``out[j] = C[i, j]`` for every ``j`` (one row, computed once)."""
    raise NotImplementedError


@overload(load_row)
def _load_row(C, i, out):
    if isinstance(C, types.Array):
        def dense(C, i, out):
            for j in range(out.shape[0]):
                out[j] = C[i, j]
        return dense

    def on_demand(C, i, out):
        X, CT, w = C
        if is_dense(C):
            for j in range(out.shape[0]):
                out[j] = X[i, j]
            return
        out[:] = 0.0
        for t in range(X.shape[1]):
            x = X[i, t]
            for j in range(out.shape[0]):
                diff = x - CT[t, j]
                out[j] += diff * diff
        if w.shape[0] > 0:
            for j in range(out.shape[0]):
                out[j] *= w[i]
    return on_demand


def as_view(C: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dense (n, k) C-ordered float64 matrix in the on-demand view's type: ``(C, (0, 0), (0,))``
    (`load_row` reads it as dense), so a kernel taking either form compiles once."""
    return C, np.empty((0, 0)), np.empty(0)


@nb.njit(cache=True, inline="always")
def is_dense(C) -> bool:
    """Whether the view ``C`` is a dense matrix wrapped by `as_view` (centers of shape (0, 0);
    an on-demand view has ``k >= 1`` centers)."""
    return C[1].shape[1] == 0


@nb.njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, _nrt=False)
def row_keys(C, i, p, out):
    """``out[j] = C[i, j] - C[i, p]``: the cost of moving point ``i`` from ``p`` to each ``j``."""
    load_row(C, i, out)
    base = out[p]
    for j in range(out.shape[0]):
        out[j] -= base


@nb.njit(cache=True, inline="always")
def load_block(X, w, lo, m, xb, wb):
    """Copy rows ``lo .. lo + m`` of the points (and weights) into the local ``xb`` (d, BLOCK) and
    ``wb`` (BLOCK,); the unused tail is zero."""
    xb[:, :] = 0.0
    wb[:] = 1.0
    for t in range(m):
        for s in range(X.shape[1]):
            xb[s, t] = X[lo + t, s]
    if w.shape[0] > 0:
        for t in range(m):
            wb[t] = w[lo + t]


@nb.njit(cache=True, inline="always")
def block_column(xb, wb, weighted, CT, j, col):
    """``col[t]`` = on-demand cost of block row ``t`` for cluster ``j`` (every ``t < BLOCK``)."""
    col[:] = 0.0
    for s in range(xb.shape[0]):
        c = CT[s, j]
        for t in range(col.shape[0]):
            diff = xb[s, t] - c
            col[t] += diff * diff
    if weighted:
        for t in range(col.shape[0]):
            col[t] *= wb[t]

