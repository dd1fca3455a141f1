"""How a fitted model labels a new batch: the ``capacity`` modes of ``predict``.

Every mode maps the batch's cost matrix (m, k) to labels (m,):

``"nearest"``
    Each point to its cheapest cluster; no size constraint (any batch size).
``"proportional"``
    An optimal assignment in which cluster j gets between ``floor(f_j m)`` and ``ceil(f_j m)``
    points, ``f_j`` its share of the fitted points (any batch size, even 1, is feasible).
``"remaining"``
    An optimal assignment into what is left of the fitted capacity: cluster j still accepts
    ``size_max_j`` (its exact size when sizes were exact; ``n`` of the fitted data when only
    ``size_min`` was given) minus the points placed in it by
    ``fit`` and by earlier ``"remaining"`` predictions. The capacity is consumed by each call;
    ``reset_capacity`` restores it. A batch larger than what is left raises `InfeasibleError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fsclust._validation import fail, lookup
from fsclust.assign import assign
from fsclust.errors import InfeasibleError

__all__ = ["PREDICT_MODES", "CapacityLedger", "check_mode", "fitted_upper", "predict_labels",
           "proportional_bounds", "remaining_bounds"]


@dataclass(eq=False)
class CapacityLedger:
    """Fitted sizes and the capacity left for ``capacity="remaining"``.

    Attributes
    ----------
    fitted : ndarray of shape (k,), int64
        Points per cluster after ``fit``.
    upper : ndarray of shape (k,), int64, or None
        Fitted ``size_max`` (exact sizes: the sizes); None when sizes are not point counts.
    left : ndarray of shape (k,), int64, or None
        Places still free in every cluster.
    """

    fitted: np.ndarray
    upper: np.ndarray | None
    left: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.left is None:
            self.reset()

    def reset(self, include_fit: bool = True) -> None:
        """Free the capacity again: ``upper - fitted`` (``include_fit``) or all of ``upper``."""
        if self.upper is not None:
            self.left = self.upper - self.fitted if include_fit else self.upper.copy()


def fitted_upper(hi: np.ndarray, size_max: Any) -> np.ndarray:
    """Per-cluster capacity (k,) for "remaining": the validated ``hi`` (which is clipped to the
    fitted n) raised back to the user's ``size_max`` when one was given."""
    if size_max is None:
        return hi.copy()
    return np.maximum(hi, np.broadcast_to(np.asarray(size_max, dtype=np.int64), hi.shape))


def _nearest(cost: np.ndarray, ledger: CapacityLedger) -> np.ndarray:
    return cost.argmin(axis=1)


def proportional_bounds(ledger: CapacityLedger, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Size bounds (k,), (k,) of a batch of ``m`` points under ``capacity="proportional"``."""
    share = ledger.fitted / ledger.fitted.sum() * m
    return np.floor(share + 1e-9).astype(np.int64), np.ceil(share - 1e-9).astype(np.int64)


def remaining_bounds(ledger: CapacityLedger, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Size bounds (k,), (k,) of a batch of ``m`` points under ``capacity="remaining"``.

    Raises
    ------
    ValidationError
        The model was fitted with total-weight sizes.
    InfeasibleError
        More points than places left.
    """
    if ledger.left is None:
        raise fail("capacity", "'nearest' or 'proportional' for a model fitted with total-weight sizes "
                   "('remaining' needs sizes counted in points, size_unit='count')", "remaining")
    free = int(ledger.left.sum())
    if m > free:
        raise InfeasibleError(
            f"capacity='remaining': the batch has {m} points but only {free} places are left "
            f"(per cluster {ledger.left.tolist()}); call reset_capacity() or refit")
    return np.zeros_like(ledger.left), ledger.left.copy()


def _proportional(cost: np.ndarray, ledger: CapacityLedger) -> np.ndarray:
    low, high = proportional_bounds(ledger, cost.shape[0])
    return assign(cost, size_min=low, size_max=high, solver="flow").labels


def _remaining(cost: np.ndarray, ledger: CapacityLedger) -> np.ndarray:
    low, high = remaining_bounds(ledger, cost.shape[0])
    result = assign(cost, size_min=low, size_max=high, solver="flow")
    ledger.left = ledger.left - result.counts
    return result.labels


PREDICT_MODES: dict[str, Callable[[np.ndarray, CapacityLedger], np.ndarray]] = {
    "nearest": _nearest,
    "proportional": _proportional,
    "remaining": _remaining,
}


def predict_labels(cost: np.ndarray, capacity: str, ledger: CapacityLedger) -> np.ndarray:
    """Labels (m,) of a batch with costs ``cost`` (m, k) under a mode of `PREDICT_MODES`."""
    return check_mode(capacity)(cost, ledger)


def check_mode(capacity: Any) -> Callable[[np.ndarray, CapacityLedger], np.ndarray]:
    """The mode of `PREDICT_MODES` that ``capacity`` names, else the standard `ValidationError`."""
    return lookup(PREDICT_MODES, capacity, "capacity")
