"""Sizes in total *weight* (``size_unit="weight"``): validated per-cluster weight bounds.

The assignment under these bounds is NP-hard; its methods live in `fsclust.assign.capacity`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fsclust._validation import as_weights, fail
from fsclust.errors import InfeasibleError
from fsclust.problem.sizes import Sizes, as_vector, check_not_both, infer_k

__all__ = ["SIZE_UNITS", "WeightBounds", "check_weight_bounds", "resolve_weight_bounds",
           "weight_mode"]


@dataclass(frozen=True, eq=False)
class WeightBounds:
    """Validated per-cluster bounds on the total weight.

    Attributes
    ----------
    lo, hi : ndarray of shape (k,), float64
        ``lo_j <= sum of the weights in cluster j <= hi_j``; ``hi`` may be ``inf``.
    """

    lo: np.ndarray
    hi: np.ndarray

    @property
    def n_clusters(self) -> int:
        return int(self.lo.shape[0])


def _weight_vector(value: Any, param: str, k: int, default: float, upper: bool = False) -> np.ndarray:
    arr = as_vector(default if value is None else value, param, k)
    for j, v in enumerate(arr):
        if np.isnan(v) or v < 0 or (not upper and not np.isfinite(v)):
            raise fail(f"{param}[{j}]", "a finite total weight >= 0", float(v))
    return arr


def resolve_weight_bounds(sample_weight: np.ndarray, *, n_clusters: int | None = None,
                          sizes: Any = None, size_min: Any = None, size_max: Any = None,
                          prefix: str = "") -> WeightBounds:
    """Validate total-weight bounds against validated weights ``sample_weight`` (n,).

    ``sizes`` (k,) gives exact totals (``size_min == size_max``); ``size_min``/``size_max`` are
    scalars or arrays of shape (k,). At least one of them must be given. ``prefix`` goes before
    the parameter names in messages (``"clusters."`` for the YAML spec's paths).

    Raises
    ------
    ValidationError
        Missing, negative, NaN or mis-shaped bounds; ``sizes`` together with bounds.
    InfeasibleError
        Bounds no assignment can meet, with the numbers (see `check_weight_bounds`).
    """
    check_not_both(sizes, size_min, size_max)
    names = (f"{prefix}size_min", f"{prefix}size_max")
    if sizes is None and size_min is None and size_max is None:
        raise fail(names[1], "given (a total-weight bound) when size_unit='weight'", None)
    k = infer_k(n_clusters, sizes, size_min, size_max, n=len(sample_weight))
    if k is None:
        raise fail("n_clusters", "given when no per-cluster array fixes the number of clusters", None)
    if sizes is not None:
        lo = _weight_vector(sizes, "sizes", k, 0.0)
        total, wanted = math.fsum(sample_weight), math.fsum(lo)
        if abs(wanted - total) > 1e-12 * total:
            raise InfeasibleError(f"{prefix}sizes sum to {wanted:.12g} but the total weight is {total:.12g}")
        bounds = WeightBounds(lo, lo.copy())
    else:
        total = math.fsum(sample_weight)
        bounds = WeightBounds(_weight_vector(size_min, names[0], k, 0.0),
                              _weight_vector(size_max, names[1], k, total, upper=True))
    check_weight_bounds(sample_weight, bounds, names)
    return bounds


def check_weight_bounds(weight: np.ndarray, bounds: WeightBounds,
                        names: tuple[str, str] = ("size_min", "size_max")) -> None:
    """Raise `InfeasibleError` (with the numbers) for bounds that obviously cannot be met.

    Checks ``lo_j <= hi_j``, ``sum(lo) <= W <= sum(hi)`` (``W`` the total weight) and that the
    heaviest point fits in some cluster. Passing them does not prove feasibility (bin packing);
    the solvers report the rest.
    """
    lo, hi = bounds.lo, bounds.hi
    low, high = names
    for j in range(bounds.n_clusters):
        if lo[j] > hi[j]:
            raise InfeasibleError(f"{low}[{j}]={lo[j]:.12g} > {high}[{j}]={hi[j]:.12g} "
                                  "(total weights)")
    total = math.fsum(weight)
    if math.fsum(hi) < total:
        raise InfeasibleError(f"{high} sums to {math.fsum(hi):.12g} < total weight {total:.12g}: "
                              "no assignment can place every point")
    if math.fsum(lo) > total:
        raise InfeasibleError(f"{low} sums to {math.fsum(lo):.12g} > total weight {total:.12g}: "
                              "the minimum total weights cannot all be met")
    heaviest = int(np.argmax(weight))
    if weight[heaviest] > hi.max():
        raise InfeasibleError(f"point {heaviest} has weight {weight[heaviest]:.12g} > the largest "
                              f"{high} {hi.max():.12g}: it fits in no cluster")


SIZE_UNITS = ("count", "weight")


def weight_mode(n: int, sample_weight: Any, *, size_unit: Any, n_clusters: Any, sizes: Any,
                size_min: Any, size_max: Any, has_links: bool,
                prefix: str = "",
                ) -> tuple[Sizes, np.ndarray | None, WeightBounds | None]:
    """Validate ``size_unit``; for ``"weight"`` return unconstrained count `Sizes` (0..n), the
    weights (n,) and the `WeightBounds`; for ``"count"`` return ``(None, None, None)``."""
    if not isinstance(size_unit, str) or size_unit not in SIZE_UNITS:
        raise fail("size_unit", f"one of {list(SIZE_UNITS)}", size_unit)
    if size_unit == "count":
        return None, None, None  # type: ignore[return-value]
    if has_links:
        raise fail("must_link", "empty with size_unit='weight' (links need count sizes)", None,
                   detail="hard must-link / cannot-link constraints")
    weight = as_weights(sample_weight, n)
    bounds = resolve_weight_bounds(weight, n_clusters=n_clusters, sizes=sizes,
                                   size_min=size_min, size_max=size_max, prefix=prefix)
    k = bounds.n_clusters
    return Sizes(np.zeros(k, np.int64), np.full(k, n, np.int64)), weight, bounds


