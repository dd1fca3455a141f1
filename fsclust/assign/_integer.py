r"""Integer costs for the backends that need them: the one row-shift and scaling rule.

Every assignment backend minimises :math:`\sum_i C_{i, a_i}`, one entry per row. Subtracting
each row's minimum changes no optimal assignment (every point is assigned exactly once) and
leaves non-negative entries of the smallest range, ``top`` = the largest shifted entry. The
shifted costs are multiplied by

.. math:: \text{scale} = \frac{\text{limit}}{\text{terms} \cdot \text{top}}

and rounded to int64, so every entry lies in ``[0, limit / terms]`` and any sum of ``terms``
entries stays within ``limit``. Each target states its ``limit`` (and ``terms``):

* OR-Tools min-cost flow (`fsclust.assign.flow`): the cost-scaling algorithm multiplies costs by
  ``nodes + 1``, so ``(max + 1) * (nodes + 1)`` must fit in int64; OR-Tools' own range check
  (measured on 9.15) is about 2.5x stricter, hence a factor 4 of headroom: `flow_limit`.
* CP-SAT with hard links (`fsclust.assign.linked`): entries up to `CPSAT_LIMIT` = ``2**40``
  (``terms=1``); a unit's cost is the sum of its members' shifted costs.
* CP-SAT and the LP rounding for weight capacities (`fsclust.assign.capacity.integer`): the
  whole objective, ``n`` entries, within ``2**40`` (``terms=n``).
* The network-simplex test oracle (`fsclust.testing`) and the approximate CP-SAT proof
  coefficients (`fsclust.pairwise.proof`, ``limit=1e6``, no row shift).

**Error bound.** Rounding moves each entry by at most ``1 / (2 * scale)``, so the total of any
assignment by at most ``n / (2 * scale)``: an optimum of the integer costs is within
``error_bound = n / scale`` of the float optimum (0 when all shifted costs are 0). The flow
backend then polishes the rounded optimum to the exact float optimum
(`fsclust.assign.certificate.polish`). A subnormal ``top`` (whose ``scale`` overflows) is
scaled in two finite steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CPSAT_LIMIT", "INT64_MAX", "IntegerCosts", "flow_limit", "integer_costs", "shift_rows"]

INT64_MAX = int(np.iinfo(np.int64).max)
CPSAT_LIMIT = float(2**40)
_FLOW_HEADROOM = 4


def flow_limit(n_nodes: int) -> int:
    """The largest integer cost ``m`` of OR-Tools' min-cost flow on ``n_nodes`` nodes:
    ``4 * (m + 1) * (n_nodes + 1) <= INT64_MAX``."""
    return INT64_MAX // (_FLOW_HEADROOM * (n_nodes + 1)) - 1


def shift_rows(cost: np.ndarray) -> np.ndarray:
    """``cost`` (n, k) minus each row's minimum: non-negative, same optimal assignments."""
    return cost - cost.min(axis=1, keepdims=True)


@dataclass(frozen=True, eq=False)
class IntegerCosts:
    """Costs scaled to integers by `integer_costs`.

    Attributes
    ----------
    values : ndarray of shape (n, k), int64
        ``rint(shifted * scale)``, each in ``[0, limit / terms]``.
    scale : float
        The factor applied to the (shifted) costs (``inf`` when ``top`` is subnormal).
    error_bound : float
        ``n / scale``: how far the float cost of an optimum of ``values`` can exceed the float
        optimum.
    """

    values: np.ndarray
    scale: float
    error_bound: float


def integer_costs(cost: np.ndarray, limit: float, *, terms: int = 1, shift: bool = True) -> IntegerCosts:
    """Shift the rows of ``cost`` (n, k) and scale them to int64 within the target's ``limit``.

    Parameters
    ----------
    cost : ndarray of shape (n, k)
        Finite float costs (non-negative when ``shift=False``).
    limit : float
        The target's bound on a sum of ``terms`` entries (see the module docstring).
    terms : int, default 1
        How many entries one objective value adds up.
    shift : bool, default True
        Subtract each row's minimum first (False for costs that are not one-per-row sums).

    Returns
    -------
    IntegerCosts
    """
    shifted = shift_rows(cost) if shift else cost
    n = cost.shape[0]
    top = float(shifted.max(initial=0.0))
    if top <= 0:
        return IntegerCosts(np.zeros(cost.shape, np.int64), 1.0, 0.0)
    scale = limit / (top * terms)
    if 0 < scale < np.inf:
        scaled, bound = shifted * scale, n / scale
    else:          # ``top * terms`` subnormal (or overflowing): scale in two finite steps
        scaled, bound = (shifted / top) * (limit / terms), n * (top / (limit / terms))
        scale = (limit / terms) / top
    return IntegerCosts(np.minimum(np.rint(scaled), limit // terms).astype(np.int64), scale, bound)
