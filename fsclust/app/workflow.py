"""From a loaded `Spec` to a solved, reported clustering: solve, summarise, render outputs.

The CLI is a thin shell over these functions; they are usable from Python too::

    spec = load_spec("models/karonkka.yaml")
    result = solve_spec(spec)
    stats = spec_stats(spec, result)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from fsclust.app import schema as s
from fsclust.app.report import ClusterStats, centers_csv, cluster_stats, labels_csv, medoids_csv, summary_json
from fsclust.app.spec import SCHEMA, Spec, check_backend
from fsclust.engine.core import Run
from fsclust.engine.driver import Options, run_model
from fsclust.engine.result import SolveResult
from fsclust.errors import SpecError
from fsclust.pairwise.mds import classical_mds

__all__ = ["output_files", "plot_coordinates", "solve_spec", "spec_context", "spec_stats",
           "with_overrides", "write_dask_labels"]


def with_overrides(spec: Spec, **overrides: Any) -> Spec:
    """A copy of ``spec`` whose ``solver`` settings are replaced by the non-None ``overrides``
    (``backend``, ``restarts``, ``seed``, ...), each checked by the same schema rule as the spec.

    Raises
    ------
    SpecError
        ``"--restarts: must be an integer >= 1, got 0"``.
    """
    changes = {}
    for name, value in overrides.items():
        if value is None:
            continue
        try:
            changes[name] = SCHEMA["solver"][name].check(value, f"--{name}")
            if name == "backend":
                check_backend(changes[name], spec.problem.weight_bounds is not None, "--backend")
        except s.Invalid as exc:
            raise SpecError(str(exc).replace("--backend", "--solver")) from None
    return replace(spec, solver=replace(spec.solver, **changes)) if changes else spec


def solve_spec(spec: Spec, *, progress: Callable[[int, Run], None] | None = None) -> SolveResult:
    """Run fixed-size k-means (or k-medoids, ``solver.method: medoids``) with the spec's solver
    settings.

    The one engine driver (`fsclust.engine.driver.run_model`) runs it: with hard constraints the
    assignment step is `ConstrainedSolver` (CP-SAT, honouring ``solver.time_limit``) around the
    chosen backend. With ``clusters.size_unit: weight`` the
    backend names a capacity method (`fsclust.assign.capacity.methods`; ``flow`` means ``auto``).
    """
    settings = spec.solver
    if settings.engine == "dask":
        from fsclust.app.dask_engine import solve_dask_spec

        return solve_dask_spec(spec, progress)
    options = Options(solver=settings.backend, init=settings.init, n_init=settings.restarts,
                      max_iter=settings.max_iter, tol=settings.tol, random_state=settings.seed,
                      progress=progress, time_limit=settings.time_limit)
    return run_model(spec.problem, "medoids" if spec.medoids else "means", options)


def spec_stats(spec: Spec, result: SolveResult) -> list[ClusterStats]:
    """Per-cluster statistics; mean distances use the original matrix or the original points;
    with weights the objective parts are weighted and each cluster's total weight is reported (with
    the dask engine: `fsclust.app.dask_engine.dask_stats`)."""
    if spec.solver.engine == "dask":
        from fsclust.app.dask_engine import dask_stats

        return dask_stats(spec, result)
    return cluster_stats(spec.problem.X, result.labels, result.centers, spec.cluster_names,
                         distances=spec.distances, points=spec.points,
                         sample_weight=spec.problem.sample_weight, point_names=spec.point_names)


def output_files(spec: Spec, result: SolveResult, stats: list[ClusterStats], *,
                 out_dir: Path | None = None, plot_file: Path | None = None) -> dict[Path, bytes]:
    """Render every requested output to bytes, keyed by target path (nothing is written here).

    ``out_dir`` (the CLI's ``--out``) replaces ``output.dir``; ``plot_file`` (``--plot``) replaces
    ``output.plot``. Without a directory only an explicit plot file is produced. With the dask
    engine the labels file is left to `write_dask_labels` (the workers write it) and the summary
    leaves the labels out.
    """
    folder = out_dir if out_dir is not None else spec.output.dir
    files: dict[Path, bytes] = {}
    out = spec.output
    dask_engine = spec.solver.engine == "dask"
    if dask_engine:
        from fsclust.app.dask_engine import summary_result

        result = summary_result(result)
    if folder is not None:
        if out.labels and not dask_engine:
            files[folder / out.labels] = labels_csv(spec.point_names, result.labels, spec.cluster_names)
        if out.centers:
            files[folder / out.centers] = (medoids_csv(stats) if spec.medoids else
                                           centers_csv(result.centers, spec.cluster_names, spec.features))
        if out.summary:
            files[folder / out.summary] = summary_json(result, stats, spec.point_names,
                                                       **spec_context(spec))
    target = plot_file if plot_file is not None else (
        folder / out.plot if folder is not None and out.plot else None)
    if target is not None:
        from fsclust.app.plot import render_png

        coords, axes = plot_coordinates(spec)
        files[target] = render_png(coords, result.labels, spec.cluster_names, axes,
                                   point_names=spec.point_names, title=spec.path.stem)
    return files


def write_dask_labels(spec: Spec, result: SolveResult, *, out_dir: Path | None = None) -> Path | None:
    """With the dask engine and an output folder: the labels CSV, written by the workers; returns
    its path (None when there is nothing to write)."""
    folder = out_dir if out_dir is not None else spec.output.dir
    if spec.solver.engine != "dask" or folder is None or not spec.output.labels:
        return None
    from fsclust.app.dask_engine import write_labels

    write_labels(folder / spec.output.labels, result.labels, spec.cluster_names)
    return folder / spec.output.labels


def plot_coordinates(spec: Spec) -> tuple[np.ndarray, list[str]]:
    """Coordinates to plot, shape (n, d), and their names: ``problem.X``, or for k-medoids the
    first two classical MDS components of the clustered matrix (for the picture only)."""
    if not spec.medoids:
        return spec.problem.X, spec.features
    coords = classical_mds(spec.problem.X).X[:, :2]
    return coords, [f"mds{j + 1}" for j in range(coords.shape[1])]


def spec_context(spec: Spec) -> dict[str, Any]:
    """Facts about the spec for the JSON summary (file, sizes, constraint mode, method, size unit,
    total weight, MDS quality)."""
    problem = spec.problem
    context: dict[str, Any] = {"spec": str(spec.path), "n_points": problem.n_points,
                               "n_clusters": problem.n_clusters, "constraints_mode": spec.mode,
                               "method": spec.solver.method,
                               "size_unit": "count" if problem.weight_bounds is None else "weight"}
    if problem.sample_weight is not None:
        context["total_weight"] = math.fsum(problem.sample_weight)
    if spec.embedding is not None:
        context["mds"] = {"dimensions": spec.embedding.n_components, "stress": spec.embedding.stress,
                          "lost_variance": spec.embedding.lost_variance}
    return context
