"""Dask input: validation of the points and weights, and their row blocks as delayed objects."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.delayed import Delayed

from fsclust._validation import fail
from fsclust.problem.sizes import Sizes, resolve_sizes

__all__ = ["DaskData", "as_dask_points", "as_dask_weights", "checked", "npy_array", "prepare",
           "tree_reduce"]

FAN_IN = 8            # summaries merged per task of the reduction tree


def tree_reduce(parts: Sequence[Any], func: Callable[..., Any], *args: Any) -> Any:
    """``func(list_of_parts, *args)`` applied up a tree of fan-in `FAN_IN` (one delayed result)."""
    parts = list(parts)
    while len(parts) > 1:
        parts = [dask.delayed(func, pure=True)(parts[i:i + FAN_IN], *args)
                 for i in range(0, len(parts), FAN_IN)]
    return parts[0] if isinstance(parts[0], Delayed) else dask.delayed(func, pure=True)(parts, *args)


def _npy_rows(path: str, start: int, stop: int) -> np.ndarray:
    """Rows ``start .. stop`` of the ``.npy`` file ``path``, read on the worker (memory-mapped)."""
    return np.array(np.load(path, mmap_mode="r")[start:stop])


def npy_array(path: str, rows: int) -> da.Array:
    """A 2-D ``.npy`` file as a dask array of blocks of ``rows`` rows that the workers read.

    The caller reads only the header: no block of data passes through the client (a
    ``da.from_array`` on a memory-mapped array would pickle the whole array into the graph).

    Parameters
    ----------
    path : str
        A 2-D ``.npy`` file, visible to every worker under the same path.
    rows : int
        Rows per block.

    Returns
    -------
    dask.array.Array of shape (n, d)
        The file's dtype, chunked ``(rows, d)``.
    """
    header = np.load(path, mmap_mode="r")
    n, d = header.shape
    read = dask.delayed(_npy_rows, pure=True)
    return da.concatenate([da.from_delayed(read(path, start, min(start + rows, n)),
                                           shape=(min(start + rows, n) - start, d), dtype=header.dtype)
                           for start in range(0, n, rows)])


def as_dask_points(X: da.Array, param: str = "X") -> da.Array:
    """A 2-D float64 dask array chunked by rows only (every block holds whole rows)."""
    if X.ndim != 2:
        raise fail(param, "a 2-D array", f"an array with {X.ndim} dimension(s)")
    if X.shape[0] < 1 or X.shape[1] < 1 or any(np.isnan(s) for s in X.shape):
        raise fail(param, "an array with known shape and at least 1 row and 1 column",
                   f"shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise fail(param, "an array of numbers", f"dtype {X.dtype}")
    return X.astype(np.float64).rechunk({1: -1})


def as_dask_weights(sample_weight: Any, X: da.Array) -> da.Array | None:
    """``sample_weight`` (dask or array-like of shape (n,)) chunked like the rows of ``X``."""
    if sample_weight is None:
        return None
    n = X.shape[0]
    if not isinstance(sample_weight, da.Array):
        w = np.asarray(sample_weight, dtype=np.float64)
        w = np.full(n, float(w)) if w.ndim == 0 else w
        sample_weight = da.from_array(w, chunks=(X.chunks[0],)) if w.shape == (n,) else w
    if sample_weight.shape != (n,):
        raise fail("sample_weight", f"of shape ({n},)", f"shape {sample_weight.shape}")
    return sample_weight.astype(np.float64).rechunk((X.chunks[0],))


@dataclass(frozen=True, eq=False)
class DaskData:
    """Validated dask input.

    Attributes
    ----------
    X : dask.array.Array of shape (n, d), float64, chunked by rows
    weight : dask.array.Array of shape (n,) or None, chunked like the rows of ``X``
    sizes : Sizes
    """

    X: da.Array
    weight: da.Array | None
    sizes: Sizes

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def row_chunks(self) -> tuple[int, ...]:
        return tuple(int(c) for c in self.X.chunks[0])

    @property
    def starts(self) -> np.ndarray:
        """First global row of every block (b,)."""
        return np.r_[0, np.cumsum(self.row_chunks)[:-1]].astype(np.int64)

    def blocks(self) -> list[tuple[Delayed, Delayed | None, int]]:
        """``(X block, weight block or None, first row)`` of every row block.

        (Labels that the steps persist on the workers are split with ``optimize_graph=False``
        instead, which keeps their futures alive in the derived graphs.)"""
        xs = self.X.to_delayed()[:, 0].tolist()       # optimised as every other compute of X
        ws = [None] * len(xs) if self.weight is None else self.weight.to_delayed().tolist()
        return list(zip(xs, ws, self.starts.tolist(), strict=True))

    def rows_array(self, parts: Sequence[Delayed], dtype: Any = np.int64) -> da.Array:
        """One dask array (n,) from one delayed (m_b,) result per row block."""
        return da.concatenate([da.from_delayed(p, shape=(m,), dtype=dtype)
                               for p, m in zip(parts, self.row_chunks, strict=True)])


def prepare(X: da.Array, *, sample_weight: Any = None, n_clusters: Any = None, sizes: Any = None,
            size_min: Any = None, size_max: Any = None) -> DaskData:
    """Validate dask input (one pass checks that ``X`` is finite and the weights finite and > 0).

    Raises
    ------
    ValidationError, InfeasibleError
    """
    X = as_dask_points(X)
    resolved = resolve_sizes(int(X.shape[0]), n_clusters=n_clusters, sizes=sizes,
                             size_min=size_min, size_max=size_max)
    return checked(X, sample_weight, resolved)


def checked(X: da.Array, sample_weight: Any, sizes: Sizes) -> DaskData:
    """`DaskData` after one pass checks that ``X`` (rows-chunked float64) is finite and the
    weights finite and > 0."""
    weight = as_dask_weights(sample_weight, X)
    checks = [da.isfinite(X).all()]
    if weight is not None:
        checks.append((da.isfinite(weight) & (weight > 0)).all())
    finite, *positive = dask.compute(*checks)
    if not finite:
        raise fail("X", "finite (no NaN or inf)", "an array with a non-finite entry")
    if positive and not positive[0]:
        raise fail("sample_weight", "finite and > 0", "an array with an entry <= 0 or non-finite")
    return DaskData(X, weight, sizes)
