"""Reading data files: points (CSV/TSV/NPY) and square distance matrices (CSV/TSV/NPY with names).

Text files are parsed by NumPy's C reader (`numpy.loadtxt`) when their rows are regular (the
common case: every row has the header's number of cells); anything else, and every error, goes
through a re-scan with the `csv` module that reports the line and column at fault. Numbers are
plain decimal or scientific notation in ASCII: ``1_000`` (which Python's ``float`` accepts) is
refused, as are ``nan`` and ``inf``.

Every error is a `ValidationError`. Errors in the file's content start with the file name (and
line number for text files) and say which rule the content broke and what was found; errors
about a spec key (a column that does not exist, a matrix that is not symmetric, ...) are built
by `fsclust._validation.fail` for that key (``data.columns``, ``data.matrix``), and `load_spec`
renders them under the spec path.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fsclust._validation import as_square_matrix, fail
from fsclust.errors import ValidationError

__all__ = ["PointTable", "column_index", "read_header", "read_matrix", "read_points", "read_table"]


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


# The characters ``str.isspace`` accepts (and ``str.strip()`` removes).
_SPACES = "".join(chr(c) for c in [*range(9, 14), *range(28, 33), 0x85, 0xA0, 0x1680,
                                   *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000])


@contextmanager
def _readable(path: Path, reader: Any, offset: int = 0) -> Iterator[None]:
    """Turn the `csv` module's errors (a huge field, a NUL byte, ...) into a `ValidationError`
    naming the line."""
    try:
        yield
    except csv.Error as exc:
        raise ValidationError(f"{path}:{offset + reader.line_num}: not a readable delimited text "
                              f"file ({exc})") from None


@dataclass(eq=False)
class _Text:
    """A delimited text file: its lines, header and data rows.

    ``body`` holds the non-blank lines after the header when the rows are regular (every one has
    the header's number of cells, no quoted field spans lines), for the fast reader; otherwise it
    is None and `rows` (the exact scan) is used.
    """

    path: Path
    delimiter: str
    lines: list[str]
    header: list[str]
    start: int
    body: list[str] | None = None
    quoted: bool = False
    _rows: list[tuple[int, list[str]]] | None = field(default=None, repr=False)

    @classmethod
    def read(cls, path: Path, delimiter: str | None) -> _Text:
        """Read and split ``path``; raises for a file that is not UTF-8 or has no non-blank row."""
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError as exc:
            raise ValidationError(f"{path}: is not UTF-8 text ({exc.reason})") from exc
        sep = _delimiter(path, delimiter)
        reader = csv.reader(lines, delimiter=sep)
        with _readable(path, reader):
            for row in reader:
                if any(c.strip() for c in row):
                    text = cls(path, sep, lines, [c.strip() for c in row], reader.line_num)
                    text.body = text._regular_body()
                    return text
        raise ValidationError(f"{path}: the file is empty")

    def _regular_body(self) -> list[str] | None:
        """The non-blank data lines if every one has the header's width, else None."""
        width, sep = len(self.header), self.delimiter
        body = [line for line in self.lines[self.start:] if line.strip(_SPACES + sep)]
        if not body or any(line.count(sep) != width - 1 for line in body if '"' not in line):
            return None
        quoted = [line for line in body if '"' in line]
        self.quoted = bool(quoted)
        cells = list(csv.reader(quoted, delimiter=sep))
        regular = len(cells) == len(quoted) and all(
            len(row) == width and any(c.strip() for c in row) for row in cells)
        return body if regular else None

    def rows(self) -> list[tuple[int, list[str]]]:
        """The data rows as (line number, stripped cells), blank rows skipped.

        Raises
        ------
        ValidationError
            Ragged rows (with the line number), or no data rows.
        """
        if self._rows is None:
            reader = csv.reader(self.lines[self.start:], delimiter=self.delimiter)
            with _readable(self.path, reader, offset=self.start):
                rows = [(number, [c.strip() for c in row])
                        for number, row in enumerate(reader, start=self.start + 1)
                        if any(c.strip() for c in row)]
            for number, row in rows:
                if len(row) != len(self.header):
                    raise ValidationError(
                        f"{self.path}:{number}: ragged rows: this row has {len(row)} cells but the "
                        f"header has {len(self.header)}")
            if not rows:
                raise ValidationError(f"{self.path}: the file has a header but no data rows")
            self._rows = rows
        return self._rows

    @property
    def n_rows(self) -> int:
        return len(self.body) if self.body is not None else len(self.rows())

    def numbers(self, columns: list[int]) -> np.ndarray:
        """The cells of ``columns`` as float64, shape (n_rows, len(columns)).

        Raises
        ------
        ValidationError
            ``FILE:LINE: column 'x' must hold numbers, got '1_000'`` (or ``must be finite``).
        """
        if self.body is not None:
            try:
                values = np.loadtxt(self.body, delimiter=self.delimiter, usecols=columns, ndmin=2,
                                    dtype=np.float64, comments=None, quotechar='"')
            except ValueError:
                values = None
            if values is not None and np.isfinite(values).all():
                return values
            self.body = None            # the exact re-scan from here on, for every column
        return np.array([[_number(cells[j], self.path, line, self.header[j]) for j in columns]
                         for line, cells in self.rows()], dtype=np.float64).reshape(-1, len(columns))

    def strings(self, column: int) -> list[str]:
        """The stripped cells of one column, one per data row."""
        if self.body is not None and not self.quoted:
            return [line.split(self.delimiter, column + 1)[column].strip() for line in self.body]
        if self.body is not None:
            cells = np.loadtxt(self.body, delimiter=self.delimiter, usecols=[column], ndmin=2,
                               dtype=str, comments=None, quotechar='"')[:, 0]
            return [cell.strip() for cell in cells.tolist()]
        return [cells[column] for _, cells in self.rows()]

    def line_number(self, index: int) -> int:
        """The line number of data row ``index`` (0-based)."""
        return self.rows()[index][0]


def read_header(path: Path, delimiter: str | None = None) -> list[str]:
    """The header row (stripped cells) of a delimited text file.

    Parameters
    ----------
    path : Path
    delimiter : str, optional
        Default: tab for ``.tsv`` / ``.tab``, comma otherwise.

    Returns
    -------
    list of str
        The cells of the first non-blank row.

    Raises
    ------
    ValidationError
        The file is not UTF-8 or has no non-blank row.
    """
    return _Text.read(path, delimiter).header


def read_table(path: Path, delimiter: str | None = None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a delimited text file; blank lines are skipped, rows must not be ragged.

    Returns
    -------
    header : list of str
    rows : list of (line number, cells)
    """
    text = _Text.read(path, delimiter)
    return text.header, text.rows()


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
    if len(set(names)) == len(names):
        return names
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
            raise fail(param, f"a column index in [0, {len(header)}) ({path} has {len(header)} columns)",
                       key)
        return key
    if key not in header:
        raise fail(param, f"a column of {path} (one of {header})", key)
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
    text = _Text.read(path, delimiter)
    if text.body is None:
        text.rows()                     # ragged rows and a missing body fail first
    header = _unique(text.header, path, "column names")
    name_at = None if name_column is None else column_index(header, name_column, path, "data.name_column")
    keys = columns if columns is not None else [i for i in range(len(header)) if i != name_at]
    picked = [column_index(header, key, path, "data.columns") for key in keys]
    if not picked:
        raise ValidationError(f"{path}: no feature columns left to cluster")
    values = text.numbers(picked)
    names = [str(i) for i in range(text.n_rows)] if name_at is None else _unique(
        text.strings(name_at), path, "row names")
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
        raise fail("data.name_column", f"omitted for {path} (a .npy array has no names)", name_column)
    header = [str(j) for j in range(arr.shape[1])]
    for key in columns or []:
        if not isinstance(key, int):
            raise fail("data.columns", f"column indices for {path} (a .npy array has no column "
                       "names)", key)
    picked = [column_index(header, key, path, "data.columns") for key in columns or range(len(header))]
    return PointTable(arr[:, picked], [str(i) for i in range(arr.shape[0])],
                      [header[j] for j in picked])


def read_matrix(path: Path, *, delimiter: str | None = None) -> PointTable:
    """A square dissimilarity matrix: text with a header row of names and a first column of names
    (the corner cell is ignored), or a square ``.npy`` array (rows named ``"0"``, ``"1"``, ...).

    The matrix must be symmetric, non-negative, finite and have a zero diagonal (up to a round-off
    of ``1e-9 * max(1, max entry)``); an error names ``data.matrix`` and lists the entries that
    break the rule (`fsclust._validation.as_square_matrix`).

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
    values = as_square_matrix(values, "data.matrix", nonnegative=True, zero_diagonal=True,
                              symmetric=True, rtol=1e-9, names=names)
    return PointTable(values, names, list(names))


def _matrix_from_text(path: Path, delimiter: str | None) -> tuple[np.ndarray, list[str]]:
    text = _Text.read(path, delimiter)
    if text.body is None:
        text.rows()                     # ragged rows and a missing body fail first
    names = _unique(text.header[1:], path, "column names")
    if text.n_rows != len(names):
        raise ValidationError(f"{path}: a distance matrix must be square, but it has {text.n_rows} "
                              f"rows and {len(names)} named columns")
    for index, name in enumerate(text.strings(0)):
        if name != names[index]:
            raise ValidationError(f"{path}:{text.line_number(index)}: row {index} is named {name!r} "
                                  f"but column {index} is {names[index]!r}; rows and columns must be "
                                  "in the same order")
    return text.numbers(list(range(1, len(names) + 1))), names
