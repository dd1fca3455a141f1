"""Cluster sizes: exact counts, fractions, or per-cluster ``[size_min, size_max]`` bounds.

Everything is normalised to two integer arrays ``lo`` and ``hi`` of shape (k,) with
``lo <= count_j <= hi``; exact sizes are the case ``lo == hi``. Validation happens here once;
backends assume a validated `Sizes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fsclust._validation import as_int, fail
from fsclust.errors import InfeasibleError

__all__ = ["Sizes", "as_vector", "balanced_sizes", "check_not_both", "infer_k", "largest_remainder",
           "resolve_sizes", "scaled_sizes"]


@dataclass(frozen=True, eq=False)
class Sizes:
    """Validated per-cluster size bounds.

    Attributes
    ----------
    lo, hi : ndarray of shape (k,), int64
        Lower and upper bound on every cluster's number of points.
    """

    lo: np.ndarray
    hi: np.ndarray

    @property
    def n_clusters(self) -> int:
        return int(self.lo.shape[0])

    @property
    def exact(self) -> bool:
        """True when every cluster has one prescribed size (``lo == hi``)."""
        return bool(np.array_equal(self.lo, self.hi))

    @classmethod
    def from_counts(cls, counts: Any) -> Sizes:
        c = np.asarray(counts, dtype=np.int64)
        return cls(c.copy(), c.copy())


def largest_remainder(fractions: Any, n: int) -> np.ndarray:
    """Round ``fractions * n`` to non-negative ints summing to ``n`` (largest remainder).

    Ties go to the lower cluster index, so the result is deterministic.

    Parameters
    ----------
    fractions : array-like of shape (k,)
        Non-negative, summing to 1.
    n : int

    Returns
    -------
    counts : ndarray of shape (k,), int64
    """
    raw = np.asarray(fractions, dtype=np.float64) * n
    base = np.floor(raw + 1e-9).astype(np.int64)
    short = n - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:short]] += 1
    return base


def balanced_sizes(n: int, k: int) -> np.ndarray:
    """Sizes ``ceil(n/k)`` for the first ``n % k`` clusters and ``floor(n/k)`` for the rest."""
    counts = np.full(k, n // k, dtype=np.int64)
    counts[: n % k] += 1
    return counts


def _has_bool(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return True
    if isinstance(value, list | tuple):
        return any(_has_bool(v) for v in value)
    return isinstance(value, np.ndarray) and value.dtype == bool


def as_vector(value: Any, param: str, k: int | None) -> np.ndarray:
    """A scalar (broadcast to ``k``) or a 1-D numeric array of length ``k``, as float64.

    Booleans (``True`` is not a size) and complex numbers are refused."""
    if _has_bool(value):
        raise fail(param, "a number or a 1-D array of numbers (not booleans)", value)
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:          # ragged nesting
        raise fail(param, "a number or a 1-D array of numbers", value) from exc
    if arr.dtype.kind == "c":
        raise fail(param, "real numbers (complex values are not supported)", value)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise fail(param, "a number or a 1-D array of numbers", value)
    if arr.ndim == 0:
        return np.full(k if k is not None else 1, arr.item(), dtype=np.float64)
    if arr.ndim != 1:
        raise fail(param, "a number or a 1-D array", value, detail=f"an array of shape {arr.shape}")
    if k is not None and arr.shape[0] != k:
        raise fail(param, f"of length n_clusters={k}", value, detail=f"length {arr.shape[0]}")
    return arr.astype(np.float64)


_SIZES_RULE = "integer counts summing to n, or fractions in [0, 1] summing to 1"


def _check_counts(arr: np.ndarray, param: str, rule: str = "an integer") -> np.ndarray:
    fractional = (arr != np.floor(arr)) | ~np.isfinite(arr)
    bad = np.flatnonzero(fractional | (arr < 0))
    if bad.size:
        j = int(bad[0])
        if fractional[j]:
            raise fail(f"{param}[{j}]", rule, float(arr[j]))
        raise fail(f"{param}[{j}]", "an integer >= 0", int(arr[j]))
    return arr.astype(np.int64)


def _exact_counts(sizes: Any, n: int, k: int | None, prefix: str) -> np.ndarray:
    arr = as_vector(sizes, "sizes", k)
    is_float = np.asarray(sizes).dtype.kind == "f"
    if is_float and (arr >= 0).all() and (arr <= 1).all():
        if abs(arr.sum() - 1.0) <= 1e-6:
            return largest_remainder(arr / arr.sum(), n)
        if (arr != np.floor(arr)).any():        # fractions, as the CLI calls them
            raise fail("sizes", "fractions summing to 1 (or integer counts summing to n)", sizes,
                       detail=f"a sum of {arr.sum():.6g}")
    counts = _check_counts(arr, "sizes", f"an integer ({_SIZES_RULE})")
    if int(counts.sum()) != n:
        raise InfeasibleError(f"{prefix}sizes sum to {int(counts.sum())} but the data has {n} rows")
    return counts


def _bounds(size_min: Any, size_max: Any, n: int, k: int, prefix: str
            ) -> tuple[np.ndarray, np.ndarray]:
    lo = _check_counts(as_vector(0 if size_min is None else size_min, "size_min", k), "size_min")
    hi = _check_counts(as_vector(n if size_max is None else size_max, "size_max", k), "size_max")
    hi = np.minimum(hi, n)
    crossed = np.flatnonzero(lo > hi)
    if crossed.size:
        j = int(crossed[0])
        raise InfeasibleError(f"{prefix}size_min[{j}]={lo[j]} > {prefix}size_max[{j}]={hi[j]}")
    if int(hi.sum()) < n:
        raise InfeasibleError(
            f"{prefix}size_max sums to {int(hi.sum())} < {n} points: no assignment can place every point")
    if int(lo.sum()) > n:
        raise InfeasibleError(
            f"{prefix}size_min sums to {int(lo.sum())} > {n} points: the minimum sizes cannot all be met")
    return lo, hi


def check_not_both(sizes: Any, size_min: Any, size_max: Any) -> None:
    """Raise `ValidationError` when exact ``sizes`` come with ``size_min``/``size_max``."""
    if sizes is not None and (size_min is not None or size_max is not None):
        raise fail("sizes", "None (omitted) when 'size_min' or 'size_max' is given", sizes)


def _ndim(value: Any) -> int:
    try:
        return int(np.ndim(value))
    except (TypeError, ValueError):               # ragged nesting: as_vector says why
        return -1


MAX_EMPTY_CLUSTERS = 1000
"""More clusters than points (necessarily some empty) are accepted up to this many clusters."""


def infer_k(n_clusters: Any, *arrays: Any, n: int | None = None) -> int | None:
    """``n_clusters`` (validated) or the length of the first 1-D array; None when neither.

    With ``n`` (the number of points), k is at most ``max(n, MAX_EMPTY_CLUSTERS)``: beyond the
    points the clusters can only stay empty, and a huge k would only allocate."""
    k = None if n_clusters is None else as_int(n_clusters, "n_clusters", minimum=1)
    for arr in arrays:
        if arr is not None and _ndim(arr) == 1:
            if k is None:
                k = len(arr)
    if k is not None and n is not None and k > max(n, MAX_EMPTY_CLUSTERS):
        raise fail("n_clusters", f"at most max(n, {MAX_EMPTY_CLUSTERS}) = {max(n, MAX_EMPTY_CLUSTERS)} "
                   f"(more clusters than the {n} points can only stay empty)", k)
    return k


def resolve_sizes(n: int, *, n_clusters: int | None = None, sizes: Any = None,
                  size_min: Any = None, size_max: Any = None, prefix: str = "") -> Sizes:
    """Validate and normalise every way of giving cluster sizes.

    Parameters
    ----------
    n : int
        Number of points.
    n_clusters : int, optional
        Number of clusters k; inferred from ``sizes`` or array bounds when omitted.
    sizes : array-like of shape (k,), optional
        Exact sizes: non-negative ints summing to ``n``, or float fractions summing to 1
        (rounded to counts by largest remainder).
    size_min, size_max : int or array-like of shape (k,), optional
        Per-cluster bounds (defaults 0 and ``n``). With neither sizes nor bounds the sizes are
        balanced: ``n // k`` or ``n // k + 1``. More clusters than points is only accepted
        with explicit bounds (which then allow empty clusters).
    prefix : str, default ""
        Put before the parameter names in infeasibility messages, e.g. ``"clusters."`` for a
        spec path (``clusters.size_min[2]=5 > clusters.size_max[2]=4``).

    Returns
    -------
    Sizes

    Raises
    ------
    ValidationError
        Wrong types, negative or non-integer sizes, conflicting parameters.
    InfeasibleError
        Sizes that no assignment can meet (sum != n, k > n, bounds that exclude every count).
    """
    check_not_both(sizes, size_min, size_max)
    k = infer_k(n_clusters, sizes, size_min, size_max, n=n)
    if k is None:
        raise fail("n_clusters", "given when neither 'sizes' nor per-cluster bounds fix the number "
                   "of clusters", None)
    if k > n and size_min is None and size_max is None:
        raise InfeasibleError(f"n_clusters={k} exceeds the number of points ({n})")
    if sizes is not None:
        return Sizes.from_counts(_exact_counts(sizes, n, k, prefix))
    if size_min is None and size_max is None:
        return Sizes.from_counts(balanced_sizes(n, k))
    lo, hi = _bounds(size_min, size_max, n, k, prefix)
    return Sizes(lo, hi)


def scaled_sizes(sizes: Sizes, n: int, m: int) -> Sizes:
    """Sizes for a sample of ``m`` of the ``n`` points, in the same proportions.

    Parameters
    ----------
    sizes : Sizes
        Validated sizes of the ``n`` points.
    n, m : int
        Points of the whole and of the sample.

    Returns
    -------
    Sizes
        Exact sizes by largest remainder (summing to ``m``), or bounds rounded outwards (floor of
        the lower, ceiling of the upper, at most ``m``): feasible for ``m`` points.
    """
    if sizes.exact:
        return Sizes.from_counts(largest_remainder(sizes.lo / n, m))
    lo = np.floor(sizes.lo * (m / n)).astype(np.int64)
    hi = np.minimum(np.ceil(sizes.hi * (m / n)).astype(np.int64), m)
    return Sizes(lo, np.maximum(hi, lo))
