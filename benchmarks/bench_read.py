"""CSV reading speed: fsclust's points reader (NumPy fast path) vs the exact per-cell re-scan it
falls back to (the reader before the fast path) and pandas.read_csv (when installed).

Usage::

    python benchmarks/bench_read.py                 # 300,000 x 5, with and without a name column
    python benchmarks/bench_read.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from fsclust.app import data_io


def _write(folder: Path, rows: int, named: bool) -> Path:
    X = np.random.default_rng(0).normal(size=(rows, 5))
    path = folder / ("named.csv" if named else "plain.csv")
    with path.open("w") as out:
        out.write(("id," if named else "") + "a,b,c,d,e\n")
        for i, row in enumerate(X):
            out.write((f"p{i}," if named else "") + ",".join(f"{v:.10g}" for v in row) + "\n")
    return path


def _rescan(path: Path, named: bool) -> np.ndarray:
    """The exact csv-module scan with a Python float per cell (fsclust's reader before NumPy)."""
    header, rows = data_io.read_table(path)
    columns = range(1 if named else 0, len(header))
    return np.array([[data_io._number(cells[j], path, line, header[j]) for j in columns]
                     for line, cells in rows])


def _best(repeat: int, func: Callable[..., object], *args: object, **kwargs: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import pandas as pd
    except ImportError:
        pd = None
    print(f"load average {os.getloadavg()[0]:.2f}; best of {args.repeat}")
    print(f"{'file':<22} {'fsclust':>9} {'re-scan':>9} {'pandas':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for named in (False, True):
            path = _write(Path(folder), args.rows, named)
            name_column = "id" if named else None
            fast = _best(args.repeat, data_io.read_points, path, name_column=name_column)
            slow = _best(1, _rescan, path, named)
            other = _best(args.repeat, pd.read_csv, path) if pd is not None else float("nan")
            label = f"{args.rows:,} x 5{' + names' if named else ''}"
            print(f"{label:<22} {fast:>8.3f}s {slow:>8.3f}s {other:>8.3f}s")


if __name__ == "__main__":
    main()
