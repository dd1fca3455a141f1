"""YAML specs with ``solver.engine: dask`` (the app layer over `fsclust.distributed`): a ``.npy``
file read memory-mapped in row blocks, the fit on a dask cluster, the report's statistics from
blockwise passes and ``labels.csv`` written by the workers, one part per row block, joined in
order. Imported only for such specs (it imports dask)."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np

from fsclust.app import schema as s
from fsclust.app.report import ClusterStats, cluster_stats
from fsclust.distributed.blocks import block_costs
from fsclust.distributed.data import DaskData, as_dask_points, checked, npy_array
from fsclust.distributed.fit import fit_kmeans
from fsclust.engine.result import SolveResult
from fsclust.problem.problem import Problem

__all__ = ["IndexNames", "build_dask_spec", "dask_stats", "solve_dask_spec", "write_labels"]

_BLOCK_BYTES = 64 * 1024**2     # row blocks of about this size
_EXACT_STATS = 20_000           # up to this many points, mean distances use every point


class IndexNames:
    """Point names ``"0"``, ``"1"``, ... of a points file without names, without a list of n strings."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> str:
        if not -self.n <= i < self.n:
            raise IndexError(i)
        return str(i % self.n)

    def __iter__(self):
        return (str(i) for i in range(self.n))


def build_dask_spec(path: Path, sections: dict[str, Any], solver: Any, sizes: Callable[..., Any],
                    names: Callable[..., Any], output: Callable[..., Any],
                    spec_type: Callable[..., Any]) -> Any:
    """The `Spec` of a dask-engine spec: ``data.points`` must be a 2-D ``.npy`` file (read
    memory-mapped by the workers, in row blocks of ~64 MB: `fsclust.distributed.data.npy_array`);
    ``data.columns`` and ``data.weight_column`` take column indices. Constraints, matrices,
    weight files and total-weight sizes are refused.
    ``spec_type`` is `fsclust.app.spec.Spec` (passed in: this module is imported by it)."""

    data, clusters = sections["data"], sections["clusters"]
    _refuse(data, clusters, sections["constraints"], solver)
    file = path.parent / data["points"]
    if file.suffix.lower() != ".npy" or not file.is_file():
        raise s.Invalid("data.points", "an existing .npy file with solver.engine: dask", str(file))
    raw = np.load(file, mmap_mode="r")
    if raw.ndim != 2 or raw.size == 0:
        raise s.Invalid("data.points", "a non-empty 2-D array", f"shape {raw.shape}")
    rows = max(1, _BLOCK_BYTES // (8 * raw.shape[1]))
    table = npy_array(str(file), rows).astype(np.float64)       # the workers read the blocks
    weight_at = data["weight_column"]
    columns = data["columns"] or [j for j in range(raw.shape[1]) if j != weight_at]
    for where, key in [("data.columns", c) for c in columns] + [("data.weight_column", weight_at)]:
        if key is not None and not (isinstance(key, int) and 0 <= key < raw.shape[1]):
            raise s.Invalid(where, f"a column index in [0, {raw.shape[1]})", key)
    X = table[:, columns]
    weight = None if weight_at is None else table[:, weight_at]
    resolved, _ = sizes(clusters, raw.shape[0], None)
    problem = Problem(X, resolved, weight)         # type: ignore[arg-type]  (validated at fit)
    cluster_names = names(clusters["names"], resolved.n_clusters)
    inputs = (path, file)
    return spec_type(path, problem, IndexNames(raw.shape[0]), cluster_names,  # type: ignore[arg-type]
                [str(c) for c in columns], None, None, None, "hard", solver,
                output(path.parent, sections["output"], solver.method, inputs), None, inputs)


def _refuse(data: dict[str, Any], clusters: dict[str, Any], links: dict[str, Any], solver: Any) -> None:
    """Raise `_schema.Invalid` for what the dask engine does not take."""
    checks = [("data.matrix", data["matrix"] is not None, "omitted"), ("data.points", data["points"] is None,
              "given"), ("data.weights", data["weights"] is not None, "omitted (use data.weight_column)"),
              ("data.name_column", data["name_column"] is not None, "omitted"),
              ("constraints", bool(links["must_link"] or links["cannot_link"]), "empty"),
              ("clusters.size_unit", clusters["size_unit"] != "count", "'count'"),
              ("solver.method", solver.method != "means", "'means'"),
              ("solver.backend", solver.backend not in ("flow", "auto", "dual"), "'dual' (or the default)")]
    for where, bad, rule in checks:
        if bad:
            raise s.Invalid(where, f"{rule} with solver.engine: dask", "something else")


def _client(scheduler: str, workers: int | None) -> Any:
    """The active dask.distributed client when it suits (``local``, or connected to
    ``scheduler``), else a new one: a local cluster of worker processes, or the given scheduler."""
    from distributed import default_client

    try:
        active = default_client()
    except ValueError:
        active = None
    if active is not None and scheduler in ("local", active.scheduler.address):
        return active
    return _new_client(scheduler, workers)


@functools.lru_cache(maxsize=4)
def _new_client(scheduler: str, workers: int | None) -> Any:
    from distributed import Client, LocalCluster

    if scheduler == "local":
        return Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None))
    return Client(scheduler)


def solve_dask_spec(spec: Any, progress: Any = None) -> SolveResult:
    """Fit a dask-engine spec on its scheduler (the client stays open for the outputs)."""
    settings = spec.solver
    _client(settings.scheduler, settings.workers)
    problem = spec.problem
    data = checked(as_dask_points(problem.X, "data.points"), problem.sample_weight, problem.sizes)
    return fit_kmeans(data, init=settings.init, n_init=settings.restarts, max_iter=settings.max_iter,
                      tol=settings.tol, random_state=settings.seed, progress=progress)


def _cluster_totals(X: np.ndarray, w: np.ndarray | None, labels: np.ndarray,
                    centers: np.ndarray) -> np.ndarray:
    """Per cluster: cost sum and weight sum (2, k) of a block."""
    k = centers.shape[0]
    cost = block_costs(X, w, centers)[np.arange(labels.shape[0]), labels]
    weight = np.ones(labels.shape[0]) if w is None else w
    return np.stack([np.bincount(labels, cost, k), np.bincount(labels, weight, k)])


def dask_stats(spec: Any, result: SolveResult) -> list[ClusterStats]:
    """The report's per-cluster statistics: size, SSE and weight from a blockwise pass; mean
    distances and members from every point up to 20,000 points, else from a random 20,000."""
    problem = spec.problem
    X, w, labels = problem.X, problem.sample_weight, result.labels
    data = DaskData(X, w, problem.sizes)
    parts = [dask.delayed(_cluster_totals)(x, wb, lab, result.centers)
             for (x, wb, _), lab in zip(data.blocks(), labels.to_delayed(optimize_graph=False), strict=True)]
    totals = np.sum(dask.compute(*parts), axis=0)
    n = problem.n_points
    rows = np.arange(n) if n <= _EXACT_STATS else np.sort(
        np.random.default_rng(0).choice(n, _EXACT_STATS, replace=False))
    Xs, labs = (np.asarray(a) for a in dask.compute(X[rows], labels[rows]))
    local = cluster_stats(Xs, labs, result.centers, spec.cluster_names)
    return [replace(stat, size=int(result.counts[j]), sse=float(totals[0, j]),
                    members=rows[stat.members].tolist() if n <= _EXACT_STATS else [],
                    weight=None if w is None else float(totals[1, j]))
            for j, stat in enumerate(local)]


def _write_part(labels: np.ndarray, start: int, names: list[str], target: str) -> str:
    with open(target, "w", encoding="utf-8") as out:
        out.writelines(f"{start + i},{names[j]}\n" for i, j in enumerate(labels.tolist()))
    return target


def write_labels(target: Path, labels: da.Array, names: list[str]) -> None:
    """``point,cluster`` CSV of dask ``labels``: every worker writes its row block's part next to
    ``target``; the parts are joined in order into a temporary file renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    starts = np.r_[0, np.cumsum(labels.chunks[0])[:-1]]
    blocks = labels.to_delayed(optimize_graph=False)
    parts = [dask.delayed(_write_part)(b, int(start), names, f"{target}.part{i:06d}")
             for i, (b, start) in enumerate(zip(blocks, starts, strict=True))]
    files = dask.compute(*parts)
    temp = f"{target}.tmp"
    try:
        with open(temp, "w", encoding="utf-8") as out:
            out.write("point,cluster\n")
            for part in files:
                with open(part, encoding="utf-8") as piece:
                    shutil.copyfileobj(piece, out)
        os.replace(temp, target)
    finally:
        for part in [*files, temp]:
            if os.path.exists(part):
                os.unlink(part)


def summary_result(result: SolveResult) -> SolveResult:
    """The result as the JSON summary shows it with the dask engine: labels left out (they are in
    the labels file)."""
    return replace(result, labels=np.zeros(0, np.int64))
