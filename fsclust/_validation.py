"""The one parameter-check style of fsclust: every message names the parameter, the rule and the
value received, in scikit-learn's form

    The {param!r} parameter must be {rule}. Got {value} instead.

`fail` builds that `ValidationError` (and records ``param``, ``rule`` and the shown value on it,
so that the YAML spec can re-render it under its own path); the ``as_*`` checkers below use it.
The value is shown by its ``repr`` (shortened), or by a ``detail`` text that describes it
(``"shape (3, 2)"``, ``"d[0, 1] = -2"``).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from fsclust.errors import ValidationError

__all__ = ["as_float_matrix", "as_int", "as_rng", "as_square_matrix", "as_weights", "fail", "shown"]

MAX_TOTAL = 1e300
"""Largest cost total a problem may reach: float64 overflows at about 1.8e308, and the margin
covers sums, integer scaling and penalties. Inputs whose costs could exceed it are refused."""

MAX_RESTARTS = 1_000_000
"""Most restarts (``n_init``) one solve accepts."""



_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxset = 3, 8, 8, 6, 6
_REPR.maxstring, _REPR.maxlong, _REPR.maxother = 60, 60, 60


def shown(value: Any, detail: str | None = None) -> str:
    """How an error shows the value received: ``detail`` when given, else a short ``repr`` that
    never walks more than a few levels and items (shared or recursive structures, such as YAML
    aliases, are not expanded)."""
    if detail is not None:
        return detail
    if isinstance(value, np.generic):
        value = value.item()
    containers = (list, tuple, dict, set, frozenset)
    text = _REPR.repr(value) if isinstance(value, containers) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(param: str, rule: str, value: Any = None, *, detail: str | None = None) -> ValidationError:
    """Build the standard error ``The 'param' parameter must be rule. Got value instead.``.

    Parameters
    ----------
    param : str
        The parameter's name, with an index where useful (``"sizes[2]"``).
    rule : str
        What the value must be, completing "must be ..." (``"an int >= 1"``).
    value : object
        The value received (shown by its ``repr`` unless ``detail`` is given).
    detail : str, optional
        A description of the value shown instead of its ``repr`` (``"shape (3, 2)"``).
    """
    got = shown(value, detail)
    error = ValidationError(f"The {param!r} parameter must be {rule}. Got {got} instead.",
                            param=param)
    error.rule, error.got = rule, got
    return error


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
    arr = as_real(value, param, "a 2-D array of numbers")
    if arr.ndim != 2:
        raise fail(param, "a 2-D array", arr, detail=f"an array with {arr.ndim} dimension(s)")
    if arr.shape[0] < min_rows or arr.shape[1] < min_cols:
        raise fail(param, f"an array with at least {min_rows} row(s) and {min_cols} column(s)", arr,
                   detail=f"shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise fail(param, "finite (no NaN or inf)", arr, detail=f"{arr[i, j]} at [{i}, {j}]")
    return arr


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _entries(arr: np.ndarray, where: np.ndarray, names: Sequence[str] | None = None,
             mirror: bool = False) -> str:
    """``"d[i, j] = v"`` for the first three (i, j) of ``where`` (names instead of indices when
    given; with ``mirror`` also ``d[j, i]``), and how many more there are."""
    def entry(i: int, j: int) -> str:
        row, column = (i, j) if names is None else (names[i], names[j])
        return f"d[{row}, {column}] = {_number(arr[i, j])}"

    parts = [entry(i, j) + (f" but {entry(j, i)}" if mirror else "") for i, j in where[:3]]
    more = f" and {len(where) - 3} more" if len(where) > 3 else ""
    return ("; " if mirror else ", ").join(parts) + more


def as_square_matrix(value: Any, param: str, *, symmetric: bool = False, zero_diagonal: bool = False,
                     nonnegative: bool = False, rtol: float = 0.0,
                     names: Sequence[str] | None = None) -> np.ndarray:
    """Return ``value`` as a finite square float64 matrix of shape (n, n) or raise a `ValidationError`.

    The checks run in this order: a 2-D array of finite numbers (`as_float_matrix`), square,
    then the optional rules ``nonnegative`` (every entry >= 0), ``zero_diagonal``
    (``|d[i, i]| <= tol``) and ``symmetric`` (``|d[i, j] - d[j, i]| <= tol``), with
    ``tol = rtol * max(1, max |d|)``. The message lists up to three offending entries.

    Parameters
    ----------
    value : array-like of shape (n, n)
    param : str
        Name used in the error message.
    symmetric, zero_diagonal, nonnegative : bool, default False
        Which optional rules to check.
    rtol : float, default 0.0
        Round-off tolerated by the diagonal and symmetry rules, relative to ``max(1, max |d|)``.
    names : sequence of str, optional
        Row/column names shown in the message instead of indices (``d[a, b] = 1``).
    """
    arr = as_float_matrix(value, param)
    if arr.shape[0] != arr.shape[1]:
        raise fail(param, "a square (n, n) matrix", arr, detail=f"shape {arr.shape}")
    tol = rtol * max(1.0, float(np.abs(arr).max(initial=0.0)))
    wanted = {"non-negative": nonnegative, "zero on the diagonal": zero_diagonal, "symmetric": symmetric}
    for rule in (rule for rule, on in wanted.items() if on):
        where = _OFFENDING[rule](arr, tol)
        if where.size:
            raise fail(param, rule, arr, detail=_entries(arr, where, names, mirror=rule == "symmetric"))
    return arr


def _diagonal(arr: np.ndarray, tol: float) -> np.ndarray:
    bad = np.flatnonzero(np.abs(np.diagonal(arr)) > tol)
    return np.stack([bad, bad], axis=1)


# rule -> the (i, j) index pairs, shape (m, 2), of the entries of a square matrix that break it
_OFFENDING: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "non-negative": lambda arr, tol: np.argwhere(arr < 0),
    "zero on the diagonal": _diagonal,
    "symmetric": lambda arr, tol: np.argwhere(np.triu(np.abs(arr - arr.T) > tol)),
}


def as_weights(value: Any, n: int, param: str = "sample_weight") -> np.ndarray:
    """Return finite weights >= 0, not all zero, of shape (n,) (all ones for ``None``).

    A zero weight is allowed (the point still takes a seat; it does not move a mean); all-zero
    weights are refused, as in scikit-learn.
    """
    if value is None:
        return np.ones(n)
    w = as_real(value, param, "an array of numbers")
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise fail(param, f"of shape ({n},)", w, detail=f"shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise fail(param, "finite and >= 0", w[~(np.isfinite(w) & (w >= 0))][0])
    if not (w > 0).any():
        raise fail(param, "an array with at least one non-zero weight", w, detail="all zero weights")
    if w.size and w.max() > MAX_TOTAL / n:
        raise fail(param, f"weights whose total stays below {MAX_TOTAL:g} (each <= {MAX_TOTAL / n:.3g} "
                   f"for n={n})", w, detail=f"max {w.max():.3g} at [{int(w.argmax())}]")
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
                   f"n={n}: larger totals overflow float64)", float(cost[i, j]),
                   detail=f"{cost[i, j]:.3g} at [{i}, {j}]")
