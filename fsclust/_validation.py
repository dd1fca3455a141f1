"""Small checks shared by the public entry points; every message names the parameter,
the rule and the value received."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import numpy as np

from fsclust.errors import ValidationError


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(param: str, rule: str, value: Any) -> ValidationError:
    """Build the standard error ``The 'param' parameter must be rule. Got value instead.``."""
    return ValidationError(f"The {param!r} parameter must be {rule}. Got {_show(value)} instead.")


T = TypeVar("T")


def lookup(table: Mapping[str, T], value: Any, param: str, *, extra: Iterable[Any] = (),
           note: str = "") -> T:
    """``table[value]`` for a name of a lookup table, else the standard error
    ``The 'param' parameter must be one of [...]. Got value instead.``

    Parameters
    ----------
    table : mapping of str to a callable or object
        The lookup table (`fsclust.assign.SOLVERS`, ``INITS``, ...).
    value : Any
        The parameter's value.
    param : str
        Parameter name for the message.
    extra : iterable, optional
        Accepted values the caller handles itself (``"auto"``, ``None``), listed first.
    note : str, optional
        Appended to the rule, e.g. where a name of another table belongs instead.
    """
    if isinstance(value, str) and value in table:
        return table[value]
    raise fail(param, f"one of {[*extra, *table]}{note}", value)


def as_float_matrix(value: Any, param: str, *, min_rows: int = 1, min_cols: int = 1) -> np.ndarray:
    """Return ``value`` as a finite 2-D float64 array or raise a `ValidationError`.

    Parameters
    ----------
    value : array-like of shape (n, m)
    param : str
        Name used in the error message.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise fail(param, "a 2-D array of numbers", value) from exc
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
    try:
        w = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise fail(param, "an array of numbers", value) from exc
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise fail(param, f"of shape ({n},)", f"shape {w.shape}")
    if not np.isfinite(w).all() or (w <= 0).any():
        raise fail(param, "finite and > 0", w[~(np.isfinite(w) & (w > 0))][0])
    return w


def as_int(value: Any, param: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking type and lower bound."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise fail(param, "an int", value)
    if minimum is not None and value < minimum:
        raise fail(param, f"an int >= {minimum}", value)
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
