"""Reading data files: points (CSV/TSV/NPY) and square distance matrices (CSV/TSV/NPY with names).

Every error is a `ValidationError` whose message starts with the file name (and line number for
text files) and says which rule the content broke and what was found.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fsclust.errors import ValidationError

__all__ = ["PointTable", "column_index", "read_matrix", "read_points", "read_table"]


@dataclass(frozen=True, eq=False)
class PointTable:
    """Rows read from a data file.

    Attributes
    ----------
    values : ndarray of shape (n, d), float64
    names : list of str, length n
        Row names (from the name column, else ``"0"``, ``"1"``, ...).
    columns : list of str, length d
    """

    values: np.ndarray
    names: list[str]
    columns: list[str]


def _delimiter(path: Path, delimiter: str | None) -> str:
    if delimiter is not None:
        return delimiter
    return "\t" if path.suffix.lower() in (".tsv", ".tab") else ","


def read_table(path: Path, delimiter: str | None = None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a delimited text file; blank lines are skipped, rows must not be ragged.

    Returns
    -------
    header : list of str
    rows : list of (line number, cells)
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: is not UTF-8 text ({exc.reason})") from exc
    reader = csv.reader(text.splitlines(), delimiter=_delimiter(path, delimiter))
    try:
        lines = [(number, [c.strip() for c in row]) for number, row in enumerate(reader, start=1)
                 if any(c.strip() for c in row)]
    except csv.Error as exc:                      # a huge field, a NUL byte, ...
        raise ValidationError(f"{path}:{reader.line_num}: not a readable delimited text file "
                              f"({exc})") from None
    if not lines:
        raise ValidationError(f"{path}: the file is empty")
    header = lines[0][1]
    for number, row in lines[1:]:
        if len(row) != len(header):
            raise ValidationError(
                f"{path}:{number}: ragged rows: this row has {len(row)} cells but the header has "
                f"{len(header)}")
    if len(lines) < 2:
        raise ValidationError(f"{path}: the file has a header but no data rows")
    return header, lines[1:]


# A plain decimal number: Python's float() would also take "1_000", non-ASCII digits and
# "infinity", which a data file should not mean.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def _number(cell: str, path: Path, line: int, column: str) -> float:
    if _NOT_FINITE.fullmatch(cell):
        raise ValidationError(f"{path}:{line}: column {column!r} must be finite, got {cell!r}")
    if not _DECIMAL.fullmatch(cell):
        raise ValidationError(
            f"{path}:{line}: column {column!r} must hold numbers, got {_cell(cell)}")
    value = float(cell)
    if not np.isfinite(value):
        raise ValidationError(f"{path}:{line}: column {column!r} must be finite, got {_cell(cell)} "
                              "(too large for float64)")
    return value


def _cell(cell: str) -> str:
    return repr(cell) if len(cell) <= 40 else repr(cell[:37]) + "..."


def _unique(names: list[str], path: Path, what: str) -> list[str]:
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            raise ValidationError(
                f"{path}: {what} must be unique, but {name!r} appears at positions {seen[name]} "
                f"and {index}")
        seen[name] = index
    return names


def column_index(header: list[str], key: str | int, path: Path, param: str) -> int:
    """Index of column ``key`` (a name or an index) in ``header``; errors name ``param`` and ``path``."""
    if isinstance(key, int):
        if not 0 <= key < len(header):
            raise ValidationError(f"{param}: column index must be in [0, {len(header)}), got {key} "
                                  f"({path} has {len(header)} columns)")
        return key
    if key not in header:
        raise ValidationError(f"{param}: column {key!r} not found in {path}; its columns are "
                              f"{header}")
    return header.index(key)


def read_points(path: Path, *, columns: list[str | int] | None = None,
                name_column: str | int | None = None, delimiter: str | None = None) -> PointTable:
    """Points from a CSV/TSV file with a header row, or from a 2-D ``.npy`` array.

    Parameters
    ----------
    path : Path
    columns : list of str or int, optional
        Feature columns by header name or 0-based index (default: every column except the name
        column).
    name_column : str or int, optional
        Column holding unique row names.
    delimiter : str, optional
        Default: tab for ``.tsv``, comma otherwise.

    Returns
    -------
    PointTable

    Raises
    ------
    ValidationError
        Empty file, ragged rows, non-numeric or non-finite cells, unknown or duplicate names.
    """
    if path.suffix.lower() == ".npy":
        return _points_from_array(_load_npy(path), path, columns, name_column)
    header, rows = read_table(path, delimiter)
    _unique(header, path, "column names")
    name_at = None if name_column is None else column_index(header, name_column, path, "data.name_column")
    keys = columns if columns is not None else [i for i in range(len(header)) if i != name_at]
    picked = [column_index(header, key, path, "data.columns") for key in keys]
    if not picked:
        raise ValidationError(f"{path}: no feature columns left to cluster")
    values = np.array([[_number(cells[j], path, line, header[j]) for j in picked]
                       for line, cells in rows])
    names = [str(i) for i in range(len(rows))] if name_at is None else _unique(
        [cells[name_at] for _, cells in rows], path, "row names")
    return PointTable(values, names, [header[j] for j in picked])


def _load_npy(path: Path) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise ValidationError(f"{path}: not a readable .npy array ({exc})") from exc
    if not isinstance(arr, np.ndarray):           # an .npz archive under a .npy name
        arr.close()
        raise ValidationError(f"{path}: not a .npy array (an .npz archive?)")
    if arr.ndim != 2 or arr.size == 0:
        raise ValidationError(f"{path}: must hold a non-empty 2-D array, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or arr.dtype.kind == "c":
        kind = "real numbers (complex values are not supported)" if arr.dtype.kind == "c" else "numbers"
        raise ValidationError(f"{path}: must hold {kind}, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        i, j = bad[0]
        raise ValidationError(f"{path}: entries must be finite, got {arr[i, j]} at [{i}, {j}]")
    return arr


def _points_from_array(arr: np.ndarray, path: Path, columns: list[str | int] | None,
                       name_column: str | int | None) -> PointTable:
    if name_column is not None:
        raise ValidationError(f"data.name_column: {path} is a .npy array without names")
    header = [str(j) for j in range(arr.shape[1])]
    for key in columns or []:
        if not isinstance(key, int):
            raise ValidationError(f"data.columns: {path} is a .npy array: give column indices, "
                                  f"got {key!r}")
    picked = [column_index(header, key, path, "data.columns") for key in columns or range(len(header))]
    return PointTable(arr[:, picked], [str(i) for i in range(arr.shape[0])],
                      [header[j] for j in picked])


def read_matrix(path: Path, *, delimiter: str | None = None) -> PointTable:
    """A square dissimilarity matrix: text with a header row of names and a first column of names
    (the corner cell is ignored), or a square ``.npy`` array (rows named ``"0"``, ``"1"``, ...).

    The matrix must be symmetric, non-negative, finite and have a zero diagonal; every error says
    which entries break the rule.

    Returns
    -------
    PointTable
        ``values`` of shape (n, n); ``names`` the row names; ``columns`` the same names.
    """
    if path.suffix.lower() == ".npy":
        values = _load_npy(path)
        names = [str(i) for i in range(values.shape[0])]
    else:
        values, names = _matrix_from_text(path, delimiter)
    check_distances(values, names, path)
    return PointTable(values, names, list(names))


def _matrix_from_text(path: Path, delimiter: str | None) -> tuple[np.ndarray, list[str]]:
    header, rows = read_table(path, delimiter)
    names = _unique(header[1:], path, "column names")
    if len(rows) != len(names):
        raise ValidationError(f"{path}: a distance matrix must be square, but it has {len(rows)} "
                              f"rows and {len(names)} named columns")
    for index, (line, cells) in enumerate(rows):
        if cells[0] != names[index]:
            raise ValidationError(f"{path}:{line}: row {index} is named {cells[0]!r} but column "
                                  f"{index} is {names[index]!r}; rows and columns must be in the same order")
    values = np.array([[_number(c, path, line, names[j]) for j, c in enumerate(cells[1:])]
                       for line, cells in rows])
    return values, names


def _pairs(names: list[str], where: np.ndarray, values: np.ndarray) -> str:
    shown = [f"d[{names[i]}, {names[j]}] = {values[i, j]:g}" for i, j in where[:3]]
    more = f" and {len(where) - 3} more" if len(where) > 3 else ""
    return ", ".join(shown) + more


def check_distances(values: np.ndarray, names: list[str], path: Path | str) -> None:
    """Raise `ValidationError` unless ``values`` (n, n) is a square, symmetric, non-negative,
    zero-diagonal matrix of finite numbers; the message lists the offending entries."""
    n = values.shape[0]
    if values.ndim != 2 or values.shape != (n, n):
        raise ValidationError(f"{path}: a distance matrix must be square, got shape {values.shape}")
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        raise ValidationError(f"{path}: distances must be finite: {_pairs(names, bad, values)}")
    negative = np.argwhere(values < 0)
    if negative.size:
        raise ValidationError(f"{path}: distances must be >= 0: {_pairs(names, negative, values)}")
    diagonal = np.flatnonzero(np.diag(values) != 0)
    if diagonal.size:
        cells = np.stack([diagonal, diagonal], axis=1)
        raise ValidationError(f"{path}: the diagonal must be 0: {_pairs(names, cells, values)}")
    tol = 1e-9 * max(float(values.max(initial=0.0)), 1.0)
    asym = np.argwhere(np.triu(np.abs(values - values.T) > tol))
    if asym.size:
        shown = [f"d[{names[i]}, {names[j]}] = {values[i, j]:g} but d[{names[j]}, {names[i]}] = "
                 f"{values[j, i]:g}" for i, j in asym[:3]]
        more = f" and {len(asym) - 3} more pair(s)" if len(asym) > 3 else ""
        raise ValidationError(f"{path}: the matrix must be symmetric: " + "; ".join(shown) + more)
