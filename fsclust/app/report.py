"""Reports of a solved clustering: per-cluster statistics, a text table, CSV/JSON writers.

Writers render to bytes first; the output set is then committed by `fsclust.app.outputs.commit`
(crash-safe, with a manifest), and a lone file by `write_atomic` (temporary file in the target
directory, renamed into place), so a failure never leaves a half-written output file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fsclust.engine.result import SolveResult

__all__ = ["ClusterStats", "centers_csv", "cluster_stats", "format_table", "labels_csv",
           "medoids_csv", "summary_json", "write_atomic"]

_BLOCK = 2048


@dataclass(frozen=True)
class ClusterStats:
    """One cluster's line of the report.

    Attributes
    ----------
    name : str
    size : int
    sse : float
        The cluster's part of the objective: the (weighted) sum of squared distances of the
        members to the center in the clustered space, or for k-medoids the (weighted) sum of
        their dissimilarities to the medoid.
    mean_distance : float
        Mean pairwise distance between members (original distances for matrix input), 0 for a
        cluster with fewer than two members.
    members : list of int
    weight : float or None
        Total sample weight of the members (None without weights).
    medoid : str or None
        Name of the medoid (k-medoids only).
    """

    name: str
    size: int
    sse: float
    mean_distance: float
    members: list[int]
    weight: float | None = None
    medoid: str | None = None


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


def _mean_within(members: np.ndarray, distances: np.ndarray | None, points: np.ndarray) -> float:
    if distances is None:
        return _mean_pairwise(points[members])
    m = members.size
    return float(distances[np.ix_(members, members)].sum() / (m * (m - 1))) if m > 1 else 0.0


def cluster_stats(X: np.ndarray, labels: np.ndarray, centers: np.ndarray, names: Sequence[str], *,
                  distances: np.ndarray | None = None, points: np.ndarray | None = None,
                  sample_weight: np.ndarray | None = None,
                  point_names: Sequence[str] | None = None) -> list[ClusterStats]:
    """Size, objective part, mean within-cluster pairwise distance (and total weight, medoid)
    of every cluster.

    Parameters
    ----------
    X : ndarray of shape (n, d), or (n, n) for k-medoids
        The clustered coordinates, or the clustered dissimilarity matrix.
    labels : ndarray of shape (n,)
    centers : ndarray of shape (k, d), or of shape (k,) (int) for k-medoids
        Center coordinates, or medoid indices (then ``X`` is the dissimilarity matrix).
    names : sequence of str, length k
    distances : ndarray of shape (n, n), optional
        Original distance matrix; mean distances are taken from it when given.
    points : ndarray of shape (n, p), optional
        Original points (Euclidean mean distances); default ``X``.
    sample_weight : ndarray of shape (n,), optional
        Weights of the objective; also reported as each cluster's total weight.
    point_names : sequence of str, length n, optional
        Names of the medoids (k-medoids); default their indices.

    Returns
    -------
    list of ClusterStats
    """
    medoids = centers.ndim == 1
    weight = np.ones(labels.shape[0]) if sample_weight is None else sample_weight
    out = []
    for j, name in enumerate(names):
        members = np.flatnonzero(labels == j)
        part = (X[members, centers[j]] if medoids
                else ((X[members] - centers[j]) ** 2).sum(axis=1))
        medoid = None if not medoids else (
            str(centers[j]) if point_names is None else point_names[centers[j]])
        out.append(ClusterStats(
            name, int(members.size), float(weight[members] @ part),
            _mean_within(members, distances, X if points is None else points), members.tolist(),
            None if sample_weight is None else math.fsum(sample_weight[members]), medoid))
    return out


def format_table(stats: Sequence[ClusterStats], result: SolveResult, *, title: str = "") -> str:
    """The human summary: one row per cluster, totals, iterations, restarts and time.

    Columns: cluster, size, total weight (with weights), SSE (``cost`` for k-medoids), mean
    within-cluster distance, and the medoid's name (k-medoids).
    """
    width = max(7, *(len(s.name) for s in stats))
    weighted, medoids = stats[0].weight is not None, stats[0].medoid is not None
    measure = "cost" if medoids else "SSE"
    lines = [title] if title else []
    lines.append(_line(width, "cluster", "size", "weight" if weighted else None, measure,
                       "mean dist", "medoid" if medoids else None))
    lines.extend(_line(width, s.name, str(s.size), f"{s.weight:.6g}" if weighted else None,
                       f"{s.sse:.4f}", f"{s.mean_distance:.4f}", s.medoid) for s in stats)
    pairs = sum(s.size * (s.size - 1) for s in stats)
    overall = sum(s.mean_distance * s.size * (s.size - 1) for s in stats) / pairs if pairs else 0.0
    lines.append(_line(width, "total", str(sum(s.size for s in stats)),
                       f"{math.fsum(s.weight for s in stats):.6g}" if weighted else None,
                       f"{result.objective:.4f}", f"{overall:.4f}", None))
    lines.append(f"{measure} {result.objective:.6g}  {'mean cost' if medoids else 'MSE'} "
                 f"{result.mse:.6g}  iterations {result.n_iter}  restarts {result.n_init} "
                 f"(best #{result.best_run + 1})  time {result.seconds:.2f} s")
    lines.append(f"status {result.status} (solver {result.solver}): {result.message}")
    return "\n".join(lines) + "\n"


def _line(width: int, name: str, size: str, weight: str | None, cost: str, mean: str,
          medoid: str | None) -> str:
    """One table line; a ``weight`` or ``medoid`` of None leaves that column out."""
    cells = [f"{name:<{width}}", f"{size:>6}", *([f"{weight:>12}"] if weight is not None else []),
             f"{cost:>12}", f"{mean:>10}", *([medoid] if medoid is not None else [])]
    return "  ".join(cells)


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


def medoids_csv(stats: Sequence[ClusterStats]) -> bytes:
    """CSV ``cluster,medoid`` with one row per cluster (k-medoids; names, not indices)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["cluster", "medoid"])
    writer.writerows((s.name, s.medoid) for s in stats)
    return buffer.getvalue().encode()


def summary_json(result: SolveResult, stats: Sequence[ClusterStats], point_names: Sequence[str],
                 **extra: Any) -> bytes:
    """JSON summary: the result (labels as cluster names), per-cluster stats and ``extra``.

    Per cluster: ``name``, ``size``, ``sse`` (``cost`` for k-medoids), ``mean_distance``,
    ``members``, and ``weight`` (with weights) / ``medoid`` (k-medoids) when known; k-medoids
    also get a top-level ``medoids`` list of names (``centers`` keeps their indices).
    """
    data = result.to_dict()
    data["labels"] = [stats[j].name for j in result.labels]
    data["clusters"] = [_cluster_entry(s, point_names) for s in stats]
    if stats and stats[0].medoid is not None:
        data["medoids"] = [s.medoid for s in stats]
    data.update(extra)
    return (json.dumps(data, indent=2, default=_plain) + "\n").encode()


def _cluster_entry(stats: ClusterStats, point_names: Sequence[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": stats.name, "size": stats.size}
    if stats.weight is not None:
        entry["weight"] = stats.weight
    entry["cost" if stats.medoid is not None else "sse"] = stats.sse
    entry["mean_distance"] = stats.mean_distance
    if stats.medoid is not None:
        entry["medoid"] = stats.medoid
    entry["members"] = [point_names[i] for i in stats.members]
    return entry


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
    failure, and an error names the target it was for. The target directories are created when
    missing. (A run's output set in ``output.dir`` is committed by `fsclust.app.outputs.commit`,
    which also survives crashes; this is for a lone file such as ``--plot`` without a folder.)
    """
    staged: list[tuple[str, Path]] = []
    target = None
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
    except OSError as exc:                      # name the real target, never a temporary file
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from None
    finally:
        for temp, _ in staged:
            if os.path.exists(temp):
                os.unlink(temp)
