"""Integer scaling of the weight-capacity problem (see `fsclust.assign.capacity.methods` for the rules).

Weights and bounds are scaled by a power of two (exact in floating point): exactly when they
are all multiples of one power of two and the totals stay below ``2**30``, otherwise rounded
towards a relaxation (``outer``) or towards a restriction (inner). Costs are row-shifted and
rounded so that the n costs of any labelling add up to at most ``2**40``
(`fsclust.assign._integer.integer_costs`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from fsclust.assign._integer import CPSAT_LIMIT, integer_costs

if TYPE_CHECKING:
    from fsclust.problem.weights import WeightBounds

__all__ = ["IntegerProblem", "integer_problem"]

_EXACT_BITS = 30
_SCALE_BITS = 30


@dataclass(frozen=True, eq=False)
class IntegerProblem:
    """The weight-capacity problem scaled to integers (see the module docstring).

    Attributes
    ----------
    cost : ndarray of shape (n, k), int64
        Row-shifted, scaled costs.
    w_up, w_down : ndarray of shape (n,), int64
        Weights rounded up (for ``hi``) and down (for ``lo``); equal when ``exact``.
    lo, hi : ndarray of shape (k,), int64
        Scaled bounds; ``hi`` is -1 where the float bound is infinite (no constraint).
    exact : bool
        Whether the weight scaling is exact.
    objective_tolerance : float
        Bound on the float-objective error caused by rounding the costs.
    """

    cost: np.ndarray
    w_up: np.ndarray
    w_down: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    exact: bool
    weight_scale: float
    objective_tolerance: float

    def loads(self, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact integer cluster loads ``(with w_up, with w_down)``, each of shape (k,)."""
        up, down = np.zeros(k, np.int64), np.zeros(k, np.int64)
        np.add.at(up, labels, self.w_up)
        np.add.at(down, labels, self.w_down)
        return up, down

    def feasible(self, labels: np.ndarray, k: int) -> bool:
        up, down = self.loads(labels, k)
        capped = self.hi >= 0
        return bool((down >= self.lo).all() and (up[capped] <= self.hi[capped]).all())


def _capped(weight: np.ndarray, bounds: WeightBounds) -> np.ndarray:
    """Mask (k,) of the clusters whose ``hi`` constrains anything (``hi < total weight``)."""
    return bounds.hi < math.fsum(weight)


def _weight_exponent(weight: np.ndarray, bounds: WeightBounds) -> tuple[int, bool]:
    capped = _capped(weight, bounds)
    values = [*weight.tolist(), *bounds.lo.tolist(), *bounds.hi[capped].tolist()]
    total = math.fsum(weight)
    exponent = max(float(v).as_integer_ratio()[1].bit_length() - 1 for v in values)
    if total * 2.0**exponent < 2.0**_EXACT_BITS:
        return exponent, True
    return _SCALE_BITS - math.ceil(math.log2(total)), False


def integer_problem(cost: np.ndarray, weight: np.ndarray, bounds: WeightBounds, *,
                    outer: bool = True) -> IntegerProblem:
    """Scale a validated problem to integers (power-of-two weight scale; see module docstring).

    ``outer=True`` rounds towards a *relaxation* (weights down and ``hi`` up in the capacity
    constraints, weights up and ``lo`` down in the minimum constraints): its infeasibility proves
    the float problem infeasible and a solution that passes the float check is optimal.
    ``outer=False`` rounds the other way: every integer solution meets the float bounds.
    """
    n = cost.shape[0]
    exponent, exact = _weight_exponent(weight, bounds)
    scale = 2.0**exponent
    inward, outward = (np.floor, np.ceil) if outer else (np.ceil, np.floor)
    hi = np.where(_capped(weight, bounds), outward(np.minimum(bounds.hi, 2.0**62) * scale), -1)
    costs = integer_costs(cost, CPSAT_LIMIT, terms=n)
    return IntegerProblem(
        cost=costs.values,
        w_up=inward(weight * scale).astype(np.int64),
        w_down=outward(weight * scale).astype(np.int64),
        lo=inward(bounds.lo * scale).astype(np.int64), hi=hi.astype(np.int64), exact=exact,
        weight_scale=scale, objective_tolerance=costs.error_bound)
