"""From a loaded `Spec` to a solved, reported clustering: solve, summarise, render outputs.

The CLI is a thin shell over these functions; they are usable from Python too::

    spec = load_spec("models/karonkka.yaml")
    result = solve_spec(spec)
    stats = spec_stats(spec, result)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from fsclust.app import schema as s
from fsclust.app.outputs import check_targets, commit
from fsclust.app.plot import PlotView, legend_labels, plot_available, render_png, view_embedding, view_points
from fsclust.app.report import (
    ClusterStats,
    centers_csv,
    cluster_stats,
    labels_csv,
    medoids_csv,
    summary_json,
    write_atomic,
)
from fsclust.app.spec import SCHEMA, SPEC_TERMS, Spec, check_choices, output_plan
from fsclust.engine.core import IterationEvent, Run
from fsclust.engine.driver import Options, run_model
from fsclust.engine.result import SolveResult
from fsclust.errors import FsclustWarning, SpecError
from fsclust.pairwise.mds import classical_mds

__all__ = ["FLAGS", "output_files", "output_targets", "plot_legend", "plot_view", "solve_spec",
           "spec_context", "spec_plot", "spec_stats", "with_overrides", "without_plot",
           "write_dask_labels", "write_outputs"]

# The command-line flag of every overridable ``solver`` setting whose flag is not ``--NAME``.
FLAGS = {"backend": "--solver", "capacity_method": "--capacity-method"}
_FLAG_TERMS = replace(SPEC_TERMS, solver=FLAGS["backend"], capacity_method=FLAGS["capacity_method"])


def with_overrides(spec: Spec, **overrides: Any) -> Spec:
    """A copy of ``spec`` whose ``solver`` settings are replaced by the non-None ``overrides``
    (``backend``, ``capacity_method``, ``restarts``, ``seed``, ...), each checked by the same
    schema rule as the spec; errors name the command-line flag (`FLAGS`).

    Raises
    ------
    SpecError
        ``"--restarts: must be an integer >= 1, got 0"``.
    """
    changes = {name: value for name, value in overrides.items() if value is not None}
    if not changes:
        return spec
    try:
        checked = {name: SCHEMA["solver"][name].check(value, FLAGS.get(name, f"--{name}"))
                   for name, value in changes.items()}
        settings = replace(spec.solver, **checked)
        check_choices(settings.backend, settings.capacity_method,
                      by_weight=spec.problem.weight_bounds is not None, terms=_FLAG_TERMS)
    except s.Invalid as exc:
        raise SpecError(str(exc)) from None
    return replace(spec, solver=settings)


def without_plot(spec: Spec) -> Spec:
    """A copy of ``spec`` that asks for no plot (the CLI's ``--no-plot``).

    Parameters
    ----------
    spec : Spec

    Returns
    -------
    Spec
        ``output.plot`` is None.
    """
    return replace(spec, output=replace(spec.output, plot=None))


def solve_spec(spec: Spec, *, progress: Callable[[int, Run], None] | None = None,
               on_iteration: Callable[[int, IterationEvent], None] | None = None) -> SolveResult:
    """Run fixed-size k-means (or k-medoids, ``solver.method: medoids``) with the spec's solver
    settings.

    The one engine driver (`fsclust.engine.driver.run_model`) runs it: with hard constraints the
    assignment step is the registry's ``cpsat`` links backend (honouring ``solver.time_limit``)
    around the ``solver.backend`` count backend. With ``clusters.size_unit: weight`` it is the
    capacity method ``solver.capacity_method`` (`fsclust.assign.capacity.methods`).

    Parameters
    ----------
    spec : Spec
        From `load_spec`.
    progress : callable ``(restart_index, Run)``, optional
        Called as restarts finish.
    on_iteration : callable ``(restart_index, IterationEvent)``, optional
        Called after every assignment step.

    Returns
    -------
    SolveResult
    """
    settings = spec.solver
    if settings.engine == "dask":
        from fsclust.app.dask_engine import solve_dask_spec

        return solve_dask_spec(spec, progress)
    options = Options(solver=settings.backend, capacity_method=settings.capacity_method,
                      init=settings.init, n_init=settings.restarts, max_iter=settings.max_iter,
                      tol=settings.tol, random_state=settings.seed, progress=progress,
                      time_limit=settings.time_limit, on_iteration=on_iteration)
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
    see `output_targets` for the targets and `write_outputs` to write them). A plot that cannot
    be drawn (no matplotlib) is left out with a `FsclustWarning`. With the dask engine the
    labels file is left to `write_dask_labels` (the workers write it), the summary leaves the
    labels out, and there is no plot (the points stay on disk)."""
    dask_engine = spec.solver.engine == "dask"
    if dask_engine:
        from fsclust.app.dask_engine import summary_result

        result = summary_result(result)
    render = {
        "output.labels": lambda: labels_csv(spec.point_names, result.labels, spec.cluster_names),
        "output.centers": lambda: (medoids_csv(stats) if spec.medoids else
                                   centers_csv(result.centers, spec.cluster_names, spec.features)),
        "output.summary": lambda: summary_json(result, stats, spec.point_names, **spec_context(spec)),
        "output.plot": lambda: spec_plot(spec, result, targets["output.plot"]),
        "--plot": lambda: spec_plot(spec, result, targets["--plot"]),
    }
    targets = output_targets(spec, out_dir=out_dir, plot_file=plot_file)
    if dask_engine:
        targets = {key: t for key, t in targets.items() if key in ("output.centers", "output.summary")}
    files = {target: render[key]() for key, target in targets.items()}
    return {target: data for target, data in files.items() if data is not None}   # plot skipped


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


def plot_view(spec: Spec, result: SolveResult) -> PlotView:
    """What the spec's plot shows.

    Parameters
    ----------
    spec : Spec
    result : SolveResult
        The spec's solution.

    Returns
    -------
    PlotView
        The points with the centers, the k-means MDS embedding with the centers, or for
        k-medoids the first two classical MDS dimensions of the clustered matrix (for the
        picture only).
    """
    if spec.medoids:
        mds = classical_mds(spec.problem.X)
        return view_embedding(mds.X, mds.eigenvalues, result.labels)
    if spec.embedding is not None:
        return view_embedding(spec.embedding.X, spec.embedding.eigenvalues, result.labels,
                              result.centers)
    return view_points(spec.problem.X, spec.features, result.labels, result.centers)


def spec_plot(spec: Spec, result: SolveResult, target: Path | str = "the plot") -> bytes | None:
    """The spec's plot (legend from `plot_legend`).

    Parameters
    ----------
    spec : Spec
    result : SolveResult
    target : Path or str
        Where the plot was to go, for the warning.

    Returns
    -------
    bytes or None
        The PNG; None without matplotlib, with a `FsclustWarning` naming ``target``.
    """
    if not plot_available():
        warnings.warn(f"skipped the plot {target}: matplotlib is not installed (pip install "
                      "'fsclust[plot]')", FsclustWarning, stacklevel=2)
        return None
    return render_png(plot_view(spec, result), result.labels, spec.cluster_names,
                      legend=plot_legend(spec, result), medoids=result.centers if spec.medoids else None,
                      point_names=spec.point_names, title=spec.path.stem)


def plot_legend(spec: Spec, result: SolveResult) -> list[str]:
    """The plot's legend entries.

    Parameters
    ----------
    spec : Spec
    result : SolveResult

    Returns
    -------
    list of str, length k
        Each cluster's size in the unit that bounds it: points, or with ``clusters.size_unit:
        weight`` the total weight named after the weights (``"Team 1 (79.5 hours)"``).
    """
    problem = spec.problem
    weight = problem.sample_weight if problem.weight_bounds is not None else None
    return legend_labels(spec.cluster_names, result.labels, weight=weight, unit=spec.weight_name)


def write_dask_labels(spec: Spec, result: SolveResult, *, out_dir: Path | None = None) -> Path | None:
    """With the dask engine and an output folder: the labels CSV, written by the workers in
    chunks (outside the atomically committed set); returns its path (None when there is nothing
    to write)."""
    folder = out_dir if out_dir is not None else spec.output.dir
    if spec.solver.engine != "dask" or folder is None or not spec.output.labels:
        return None
    from fsclust.app.dask_engine import write_labels

    write_labels(folder / spec.output.labels, result.labels, spec.cluster_names)
    return folder / spec.output.labels


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
