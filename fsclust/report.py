"""Reports of a solved clustering: per-cluster statistics, a text table, CSV/JSON writers.

Writers render to bytes first; `write_atomic` then writes every file to a temporary file in the
target directory and renames it into place (``os.replace``), so a failure never leaves a
half-written output file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .result import SolveResult

__all__ = ["ClusterStats", "centers_csv", "cluster_stats", "format_table", "labels_csv",
           "summary_json", "write_atomic"]

_BLOCK = 2048


@dataclass(frozen=True)
class ClusterStats:
    """One cluster's line of the report.

    Attributes
    ----------
    name : str
    size : int
    sse : float
        Sum of squared distances of the members to the center (in the clustered space).
    mean_distance : float
        Mean pairwise distance between members (original distances for matrix input), 0 for a
        cluster with fewer than two members.
    members : list of int
    """

    name: str
    size: int
    sse: float
    mean_distance: float
    members: list[int]


def _mean_pairwise(points: np.ndarray) -> float:
    m = points.shape[0]
    if m < 2:
        return 0.0
    total = 0.0
    for start in range(0, m, _BLOCK):
        block = points[start:start + _BLOCK]
        d2 = ((block[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
        total += float(np.sqrt(d2).sum())
    return total / (m * (m - 1))


def cluster_stats(X: np.ndarray, labels: np.ndarray, centers: np.ndarray, names: Sequence[str], *,
                  distances: np.ndarray | None = None,
                  points: np.ndarray | None = None) -> list[ClusterStats]:
    """Size, SSE and mean within-cluster pairwise distance of every cluster.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        The clustered coordinates.
    labels : ndarray of shape (n,)
    centers : ndarray of shape (k, d)
    names : sequence of str, length k
    distances : ndarray of shape (n, n), optional
        Original distance matrix; mean distances are taken from it when given.
    points : ndarray of shape (n, p), optional
        Original points (Euclidean mean distances); default ``X``.

    Returns
    -------
    list of ClusterStats
    """
    out = []
    for j, name in enumerate(names):
        members = np.flatnonzero(labels == j)
        sse = float(((X[members] - centers[j]) ** 2).sum())
        if distances is not None:
            m = members.size
            sub = distances[np.ix_(members, members)]
            mean = float(sub.sum() / (m * (m - 1))) if m > 1 else 0.0
        else:
            mean = _mean_pairwise((X if points is None else points)[members])
        out.append(ClusterStats(name, int(members.size), sse, mean, members.tolist()))
    return out


def format_table(stats: Sequence[ClusterStats], result: SolveResult, *, title: str = "") -> str:
    """The human summary: one row per cluster, totals, iterations, restarts and time."""
    width = max(7, *(len(s.name) for s in stats))
    lines = [title] if title else []
    lines.append(f"{'cluster':<{width}}  {'size':>6}  {'SSE':>12}  {'mean dist':>10}")
    for s in stats:
        lines.append(f"{s.name:<{width}}  {s.size:>6}  {s.sse:>12.4f}  {s.mean_distance:>10.4f}")
    pairs = sum(s.size * (s.size - 1) for s in stats)
    overall = sum(s.mean_distance * s.size * (s.size - 1) for s in stats) / pairs if pairs else 0.0
    lines.append(f"{'total':<{width}}  {sum(s.size for s in stats):>6}  {result.objective:>12.4f}  "
                 f"{overall:>10.4f}")
    lines.append(f"SSE {result.objective:.6g}  MSE {result.mse:.6g}  iterations {result.n_iter}  "
                 f"restarts {result.n_init} (best #{result.best_run + 1})  time {result.seconds:.2f} s")
    lines.append(f"status {result.status} (solver {result.solver}): {result.message}")
    return "\n".join(lines) + "\n"


def labels_csv(point_names: Sequence[str], labels: np.ndarray, cluster_names: Sequence[str]) -> bytes:
    """CSV ``point,cluster`` with one row per point (names, not indices)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["point", "cluster"])
    writer.writerows((name, cluster_names[j]) for name, j in zip(point_names, labels, strict=True))
    return buffer.getvalue().encode()


def centers_csv(centers: np.ndarray, cluster_names: Sequence[str], columns: Sequence[str]) -> bytes:
    """CSV with one row per cluster: its name and center coordinates (full float precision)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["cluster", *columns])
    writer.writerows([name, *(repr(float(v)) for v in row)]
                     for name, row in zip(cluster_names, centers, strict=True))
    return buffer.getvalue().encode()


def summary_json(result: SolveResult, stats: Sequence[ClusterStats], point_names: Sequence[str],
                 **extra: Any) -> bytes:
    """JSON summary: the result (labels as cluster names), per-cluster stats and ``extra``."""
    data = result.to_dict()
    data["labels"] = [stats[j].name for j in result.labels]
    data["clusters"] = [{"name": s.name, "size": s.size, "sse": s.sse,
                         "mean_distance": s.mean_distance,
                         "members": [point_names[i] for i in s.members]} for s in stats]
    data.update(extra)
    return (json.dumps(data, indent=2, default=_plain) + "\n").encode()


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then rename them all into place.

    Nothing is renamed unless every temporary file was written; temporaries are removed on
    failure. The target directories are created when missing.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for target, content in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((temp, target))
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.chmod(temp, 0o666 & ~_umask())
        for temp, target in staged:
            os.replace(temp, target)
    finally:
        for temp, _ in staged:
            if os.path.exists(temp):
                os.unlink(temp)
