"""Cost models: the (n, k) matrix the assignment step minimises and the objective computed from it.

One function serves both, so the reported objective is exactly what the assignment minimised.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Protocol

import numpy as np

from fsclust._validation import MAX_TOTAL, as_float_matrix, as_weights, fail

__all__ = ["DENSE_MAX_BYTES", "PARALLEL_MIN_CELLS", "CostModel", "PointCosts", "SquaredEuclidean",
           "by_products", "check_point_scale", "max_point_norm", "row_norms_sq", "squared_distances"]

_BLOCK_BYTES = 64 * 1024**2


def row_norms_sq(X: np.ndarray) -> np.ndarray:
    """Squared Euclidean norm of every row of ``X`` (n, d) -> (n,)."""
    return np.einsum("ij,ij->i", X, X)


def max_point_norm(n: int, weight_max: float = 1.0) -> float:
    """Largest Euclidean norm of a point (or center) for n points of weight <= ``weight_max``:
    then every cost ``w |x - c|^2 <= 4 w max_norm^2`` and every total of n costs stays below
    `fsclust._validation.MAX_TOTAL` (1e300), far from float64 overflow (~1.8e308)."""
    return math.sqrt(MAX_TOTAL / (4.0 * max(n, 1) * weight_max))


def _safe_norms(X: np.ndarray) -> np.ndarray:
    """Row norms (m,) of ``X`` (m, d) computed without overflow (scaled by the largest entry)."""
    top = float(np.abs(X).max(initial=0.0))
    if top == 0.0 or not np.isfinite(top):
        return np.full(X.shape[0], top)
    return top * np.sqrt(row_norms_sq(X / top))


def check_point_scale(points: np.ndarray, n: int, sample_weight: np.ndarray | None = None,
                      param: str = "X") -> None:
    """Raise `ValidationError` when a row of ``points`` (m, d) is longer than
    `max_point_norm` for ``n`` points: its squared distances or their sums would overflow.

    Points within the limit are safe in every backend: the fused form ``|x|^2 - 2 x.c + |c|^2``,
    weighted costs, the objective and the flow backend's integer scaling all stay finite.
    """
    if points.size == 0:
        return
    weight_max = 1.0 if sample_weight is None else float(sample_weight.max())
    norms = _safe_norms(points)
    i = int(norms.argmax())
    limit = max_point_norm(n, weight_max)
    if not norms[i] <= limit:
        raise fail(param, f"points of Euclidean norm <= {limit:.3g} (for n={n} and max weight "
                   f"{weight_max:g}: n * max weight * (2 * norm)^2 must stay <= {MAX_TOTAL:g}, or "
                   "the squared distances and their sums overflow float64)",
                   float(norms[i]), detail=f"norm {norms[i]:.3g} at row {i}")


def squared_distances(X: np.ndarray, centers: np.ndarray, *, x_sq: np.ndarray | None = None,
                      out: np.ndarray | None = None) -> np.ndarray:
    """Squared Euclidean distances in fused form ``|x|^2 - 2 x.c + |c|^2``, block by block.

    Uses one BLAS product per block of rows, finished in one numba pass, so no (n, k, d)
    temporary is ever built and the extra memory is bounded by ~64 MB beyond the (n, k) output.
    With ``d <= 4`` a parallel kernel writes ``sum_t (x_t - c_t)^2`` directly in one pass instead.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    centers : ndarray of shape (k, d)
    x_sq : ndarray of shape (n,), optional
        Precomputed ``row_norms_sq(X)``.
    out : ndarray of shape (n, k), optional
        Buffer to write into.

    Returns
    -------
    ndarray of shape (n, k)
        Non-negative (round-off below zero is clipped).
    """
    n, k = X.shape[0], centers.shape[0]
    direct = _direct_kernel(X, centers, out)
    if direct is not None:
        out = np.empty((n, k)) if out is None else out
        direct(np.ascontiguousarray(X, dtype=np.float64),
               np.ascontiguousarray(centers, dtype=np.float64), out)
        return out
    from fsclust.assign._kernels.distance import finish_fused  # numba: imported when first needed

    x_sq = row_norms_sq(X) if x_sq is None else x_sq
    c_sq = row_norms_sq(centers)
    out = np.empty((n, k)) if out is None else out
    step = max(1, _BLOCK_BYTES // (8 * max(k, 1)))
    for start in range(0, n, step):
        block = slice(start, min(start + step, n))
        res = out[block]
        np.matmul(X[block], centers.T, out=res)
        finish_fused(res, x_sq[block], c_sq)
    return out


_DIRECT_MAX_D = 4
PARALLEL_MIN_CELLS = 1 << 16   # below this, the serial kernel (thread start-up dominates)


def by_products(d: int) -> bool:
    """Whether `squared_distances` makes ``d``-dimensional costs from one BLAS product ``X C^T``
    finished in fused form (``d > 4``; else each entry directly): a kernel that finishes the
    products itself (`fsclust.assign._kernels.distance.fused_entry`) gets the same numbers."""
    return d > _DIRECT_MAX_D


def _direct_kernel(X: np.ndarray, centers: np.ndarray, out: np.ndarray | None):
    """The numba kernel for few dimensions (``d <= 4``, C-ordered float64 ``out``), else None."""
    if X.shape[1] > _DIRECT_MAX_D or (out is not None and not (
            out.flags.c_contiguous and out.dtype == np.float64)):
        return None
    from fsclust.assign._kernels.distance import squared_distances_direct, squared_distances_serial

    small = X.shape[0] * centers.shape[0] < PARALLEL_MIN_CELLS
    return squared_distances_serial if small else squared_distances_direct


ON_DEMAND_MAX_D = _DIRECT_MAX_D
# Larger (n, k) float64 matrices are not built for a backend that can evaluate costs on demand:
# for d > 4 its per-entry sums cost about what the BLAS matrix pass does (n=1e5, d=32, k=100:
# 0.07 s per numba argmin pass, 0.3 s per matrix on a loaded 2-core machine), in O(n + k^2) memory.
DENSE_MAX_BYTES = 256 * 1024**2


def _check_points(X: object, centers: object, sample_weight: object
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validated ``(X (n, d), centers (k, d), weights (n,) > 0 or None)`` for `PointCosts`."""
    X = as_float_matrix(X, "X")
    centers = as_float_matrix(centers, "centers")
    if centers.shape[1] != X.shape[1]:
        raise fail("centers", f"an array with {X.shape[1]} column(s) like X", centers,
                   detail=f"shape {centers.shape}")
    weight = None if sample_weight is None else as_weights(sample_weight, X.shape[0])
    check_point_scale(X, X.shape[0], weight, "X")
    check_point_scale(centers, X.shape[0], weight, "centers")
    return X, centers, weight


class PointCosts:
    """Squared Euclidean costs ``C[i, j] = w_i * |x_i - c_j|^2`` that are never stored.

    Backends with the ``on_demand`` capability (the ``dual`` solver) evaluate entries where they
    need them, in blocks that stay in cache, so an assignment step needs O(n + k) memory instead
    of an (n, k) matrix, and no pass that writes one. With ``d <= 4`` every entry equals the
    corresponding entry of `dense` bit for bit (same operation order), and computing an entry
    costs less than reading it from memory; with more dimensions (used when the matrix would pass
    `DENSE_MAX_BYTES`) an entry sums ``(x_t - c_t)^2`` where `dense` uses the fused BLAS form, so
    the two differ by round-off.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    centers : ndarray of shape (k, d)
    sample_weight : ndarray of shape (n,), optional
    checked : bool, default False
        The caller passes validated data (``X`` a C-ordered float64 array, read in place: the
        kernels keep no copy of it).
    """

    def __init__(self, X: np.ndarray, centers: np.ndarray, sample_weight: np.ndarray | None = None,
                 *, checked: bool = False) -> None:
        if not checked:                   # a caller's input (the engine passes validated data)
            X, centers, sample_weight = _check_points(X, centers, sample_weight)
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.centers = np.ascontiguousarray(centers, dtype=np.float64)
        self.sample_weight = sample_weight

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, k)``."""
        return self.X.shape[0], self.centers.shape[0]

    def view(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(X (n, d), CT (d, k), w (n,) or (0,))``: the form the numba kernels take."""
        w = np.empty(0) if self.sample_weight is None else np.asarray(self.sample_weight, np.float64)
        return self.X, np.ascontiguousarray(self.centers.T), w

    def take(self, rows: np.ndarray) -> PointCosts:
        """The costs of the points ``rows`` (m,) only."""
        w = None if self.sample_weight is None else self.sample_weight[rows]
        return PointCosts(self.X[rows], self.centers, w, checked=True)

    def dense(self) -> np.ndarray:
        """The (n, k) matrix (what a backend without the ``on_demand`` capability gets)."""
        return SquaredEuclidean(self.sample_weight).matrix(self.X, self.centers)


class CostModel(Protocol):
    """The cost of assigning data rows to centers, and the objective of a labelling."""

    def matrix(self, X: np.ndarray, centers: np.ndarray) -> np.ndarray:
        """Cost matrix of shape (n, k)."""
        ...

    def objective(self, X: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> float:
        """``sum_i matrix(X, centers)[i, labels[i]]``."""
        ...


class SquaredEuclidean:
    """(Weighted) squared Euclidean cost: ``w_i * |x_i - c_j|^2``; its objective is the SSE.

    Parameters
    ----------
    sample_weight : ndarray of shape (n,), optional
    reuse_buffer : bool, default False
        Write every `matrix` into one kept (n, k) buffer per thread instead of a new array.
        Saves the allocation and page faults of a fresh (n, k) array per iteration (seconds at
        n*k = 1e8), for loops that drop each matrix before asking for the next one in the same
        thread (the engine does; restarts in worker threads get their own buffers).
        `objective` never touches the buffer.
    """

    def __init__(self, sample_weight: np.ndarray | None = None, *, reuse_buffer: bool = False) -> None:
        self.sample_weight = sample_weight
        self.reuse_buffer = reuse_buffer
        self._local = threading.local()
        self._of_x: dict[str, tuple[int, int, np.ndarray]] = {}

    def _per_x(self, name: str, X: np.ndarray, make: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``make(X)``, kept while the same ``X`` (same object, same rows) comes back."""
        kept = self._of_x.get(name)
        if kept is None or kept[:2] != (id(X), X.shape[0]):
            kept = self._of_x[name] = (id(X), X.shape[0], make(X))
        return kept[2]

    def _norms(self, X: np.ndarray) -> np.ndarray:
        return self._per_x("norms", X, row_norms_sq)

    def _buffer(self, shape: tuple[int, int]) -> np.ndarray | None:
        """This thread's kept output buffer (None without ``reuse_buffer``)."""
        if not self.reuse_buffer:
            return None
        buffer = getattr(self._local, "buffer", None)
        if buffer is None or buffer.shape != shape:
            buffer = self._local.buffer = np.empty(shape)
        return buffer

    def _costs(self, X: np.ndarray, centers: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        cost = squared_distances(X, centers, x_sq=self._norms(X), out=out)
        if self.sample_weight is not None:
            cost *= self.sample_weight[:, None]
        return cost

    def matrix(self, X: np.ndarray, centers: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        """The costs (n, k), into ``out`` (n, k) when given (else a new or the kept buffer)."""
        return self._costs(X, centers, self._buffer((X.shape[0], centers.shape[0])) if out is None else out)

    def on_demand(self, X: np.ndarray, centers: np.ndarray) -> PointCosts:
        """The same costs as `matrix`, as a `PointCosts` that is evaluated where it is needed."""
        X = self._per_x("contiguous", X, lambda X: np.ascontiguousarray(X, dtype=np.float64))
        return PointCosts(X, centers, self.sample_weight, checked=True)

    def objective(self, X: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> float:
        return float(self._costs(X, centers, None)[np.arange(X.shape[0]), labels].sum())
