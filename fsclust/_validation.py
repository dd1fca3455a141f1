"""Small checks shared by the public entry points; every message names the parameter,
the rule and the value received."""

from __future__ import annotations

from typing import Any

import numpy as np

from fsclust.errors import ValidationError

MAX_TOTAL = 1e300
"""Largest cost total a problem may reach: float64 overflows at about 1.8e308, and the margin
covers sums, integer scaling and penalties. Inputs whose costs could exceed it are refused."""

MAX_RESTARTS = 1_000_000
"""Most restarts (``n_init``) one solve accepts."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(param: str, rule: str, value: Any) -> ValidationError:
    """Build the standard error ``The 'param' parameter must be rule. Got value instead.``."""
    return ValidationError(f"The {param!r} parameter must be {rule}. Got {_show(value)} instead.",
                           param=param)


def as_float_matrix(value: Any, param: str, *, min_rows: int = 1, min_cols: int = 1) -> np.ndarray:
    """Return ``value`` as a finite 2-D float64 array or raise a `ValidationError`.

    Parameters
    ----------
    value : array-like of shape (n, m)
    param : str
        Name used in the error message.
    """
    arr = as_real(value, param, "a 2-D array of numbers")
    if arr.ndim != 2:
        raise fail(param, "a 2-D array", f"an array with {arr.ndim} dimension(s)")
    if arr.shape[0] < min_rows or arr.shape[1] < min_cols:
        raise fail(param, f"an array with at least {min_rows} row(s) and {min_cols} column(s)",
                   f"shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise fail(param, "finite (no NaN or inf)", f"{arr[i, j]} at [{i}, {j}]")
    return arr


def as_weights(value: Any, n: int, param: str = "sample_weight") -> np.ndarray:
    """Return positive finite weights of shape (n,) (all ones for ``None``)."""
    if value is None:
        return np.ones(n)
    w = as_real(value, param, "an array of numbers")
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise fail(param, f"of shape ({n},)", f"shape {w.shape}")
    if not np.isfinite(w).all() or (w <= 0).any():
        raise fail(param, "finite and > 0", w[~(np.isfinite(w) & (w > 0))][0])
    if w.size and w.max() > MAX_TOTAL / n:
        raise fail(param, f"weights whose total stays below {MAX_TOTAL:g} (each <= {MAX_TOTAL / n:.3g} "
                   f"for n={n})", f"max {w.max():.3g} at [{int(w.argmax())}]")
    return w


def is_complex(value: Any) -> bool:
    """True for a complex number or an array(-like) of complex dtype."""
    if isinstance(value, complex | np.complexfloating):
        return True
    try:
        return bool(np.iscomplexobj(value))
    except (TypeError, ValueError):         # ragged or odd input: the float conversion says why
        return False


def as_real(value: Any, param: str, rule: str) -> np.ndarray:
    """``value`` as a float64 array; complex input is refused (casting would drop the imaginary
    part), as is anything NumPy cannot convert (then the message says ``rule``)."""
    if is_complex(value):
        raise fail(param, "real numbers (complex values are not supported)", value)
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise fail(param, rule, value) from exc


def as_int(value: Any, param: str, *, minimum: int | None = None,
           maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking type and bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise fail(param, "an int", value)
    if minimum is not None and value < minimum:
        raise fail(param, f"an int >= {minimum}", value)
    if maximum is not None and value > maximum:
        rule = f"an int <= {maximum:_}" if minimum is None else f"an int in [{minimum}, {maximum:_}]"
        raise fail(param, rule, value)
    return int(value)


def as_rng(value: Any, param: str = "random_state") -> np.random.Generator:
    """Turn ``None``, an int seed or a Generator into a `numpy.random.Generator`."""
    if value is None or (isinstance(value, (int, np.integer)) and not isinstance(value, bool)):
        return np.random.default_rng(value)
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, np.random.RandomState):
        return np.random.default_rng(value.randint(0, 2**31 - 1))
    raise fail(param, "None, an int or a numpy.random.Generator", value)


def check_cost_range(cost: np.ndarray, param: str = "cost") -> None:
    """Raise `ValidationError` unless every entry of the finite ``cost`` (n, k) has
    ``|c| <= MAX_TOTAL / n``, so that every total (and every difference of two) stays finite."""
    n = cost.shape[0]
    top = float(np.abs(cost).max(initial=0.0))
    if top > MAX_TOTAL / max(n, 1):
        i, j = np.unravel_index(int(np.abs(cost).argmax()), cost.shape)
        raise fail(param, f"costs with |c| <= {MAX_TOTAL / max(n, 1):.3g} ({MAX_TOTAL:g} / n for "
                   f"n={n}: larger totals overflow float64)", f"{cost[i, j]:.3g} at [{i}, {j}]")
