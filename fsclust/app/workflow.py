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
from fsclust.app.outputs import check_targets, commit
from fsclust.app.report import (
    ClusterStats,
    centers_csv,
    cluster_stats,
    labels_csv,
    medoids_csv,
    summary_json,
    write_atomic,
)
from fsclust.app.spec import SCHEMA, Spec, check_backend, output_plan
from fsclust.engine.core import Run
from fsclust.engine.driver import Options, run_model
from fsclust.engine.result import SolveResult
from fsclust.errors import SpecError
from fsclust.pairwise.mds import classical_mds

__all__ = ["output_files", "output_targets", "plot_coordinates", "solve_spec", "spec_context",
           "spec_stats", "with_overrides", "write_outputs"]


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
    options = Options(solver=settings.backend, init=settings.init, n_init=settings.restarts,
                      max_iter=settings.max_iter, tol=settings.tol, random_state=settings.seed,
                      progress=progress, time_limit=settings.time_limit)
    return run_model(spec.problem, "medoids" if spec.medoids else "means", options)


def spec_stats(spec: Spec, result: SolveResult) -> list[ClusterStats]:
    """Per-cluster statistics; mean distances use the original matrix or the original points;
    with weights the objective parts are weighted and each cluster's total weight is reported."""
    return cluster_stats(spec.problem.X, result.labels, result.centers, spec.cluster_names,
                         distances=spec.distances, points=spec.points,
                         sample_weight=spec.problem.sample_weight, point_names=spec.point_names)


def output_targets(spec: Spec, *, out_dir: Path | None = None,
                   plot_file: Path | None = None) -> dict[str, Path]:
    """The output files a run will write (spec key -> path), checked before anything is solved:
    plain names in one folder, distinct, none of them an input of the spec.

    ``out_dir`` (the CLI's ``--out``) replaces ``output.dir``; ``plot_file`` (``--plot``)
    replaces ``output.plot`` and must lie in that folder (alone, without a folder).

    Raises
    ------
    ValidationError
    """
    return output_plan(spec.output, spec.inputs, folder=out_dir, plot_file=plot_file)


def output_files(spec: Spec, result: SolveResult, stats: list[ClusterStats], *,
                 out_dir: Path | None = None, plot_file: Path | None = None) -> dict[Path, bytes]:
    """Render every requested output to bytes, keyed by target path (nothing is written here;
    see `output_targets` for the targets and `write_outputs` to write them)."""
    render = {
        "output.labels": lambda: labels_csv(spec.point_names, result.labels, spec.cluster_names),
        "output.centers": lambda: (medoids_csv(stats) if spec.medoids else
                                   centers_csv(result.centers, spec.cluster_names, spec.features)),
        "output.summary": lambda: summary_json(result, stats, spec.point_names, **spec_context(spec)),
        "output.plot": lambda: _plot_png(spec, result),
        "--plot": lambda: _plot_png(spec, result),
    }
    targets = output_targets(spec, out_dir=out_dir, plot_file=plot_file)
    return {target: render[key]() for key, target in targets.items()}


def _plot_png(spec: Spec, result: SolveResult) -> bytes:
    from fsclust.app.plot import render_png

    coords, axes = plot_coordinates(spec)
    return render_png(coords, result.labels, spec.cluster_names, axes,
                      point_names=spec.point_names, title=spec.path.stem)


def write_outputs(spec: Spec, files: dict[Path, bytes], *, out_dir: Path | None = None) -> None:
    """Write the rendered ``files``: as one set committed into the output folder
    (`fsclust.app.outputs.commit`: the previous set stays whole on any failure), or, without a
    folder, the lone ``--plot`` file atomically. Inputs of the spec are never replaced."""
    folder = out_dir if out_dir is not None else spec.output.dir
    if folder is None:
        check_targets({str(target): target for target in files}, spec.inputs)
        write_atomic(files)
        return
    commit(folder, {target.name: data for target, data in files.items()}, protected=spec.inputs)


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
