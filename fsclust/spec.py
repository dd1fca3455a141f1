"""YAML problem specs: ``load_spec(path)`` -> a validated `Spec` (data, problem, settings).

The format is documented in ``docs/spec.md``. Loading validates everything once, at the
boundary: the YAML syntax (with line numbers), every key against a declarative schema (unknown
keys are rejected), the data files, the sizes and the constraints. Every error is a `SpecError`
(or an `InfeasibleError`) whose message reads ``FILE: PATH: what is wrong``, for example
``models/bad.yaml: clusters.sizes[2]: must be an integer >= 0, got -1``. Paths inside the spec
are relative to the spec file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import _schema as s
from .constraints import Links, check_feasible, make_links, override_distances
from .data_io import read_matrix, read_points
from .errors import FsclustError, InfeasibleError, SpecError
from .mds import MDSResult, classical_mds, pairwise_distances
from .problem import Problem
from .sizes import Sizes, resolve_sizes

__all__ = ["SCHEMA", "OutputSettings", "SolverSettings", "Spec", "load_spec"]


def _backend(value: Any, path: str) -> str:
    from .assign import solver_names

    return s.one_of("auto", *solver_names())(value, path)


def _init(value: Any, path: str) -> str:
    from .init import INITS

    return s.one_of(*INITS)(value, path)


def _size(value: Any, path: str) -> int | float:
    if isinstance(value, float):
        if not 0.0 <= value <= 1.0:
            raise s.Invalid(path, "a fraction in [0, 1]", value)
        return value
    return s.integer(0)(value, path)


def _link_list(value: Any, path: str) -> list[list[str | int]]:
    return s.list_of(s.list_of(s.key, min_len=2), min_len=0)(value, path)


SCHEMA: dict[str, dict[str, s.Field]] = {
    "data": {
        "points": s.Field(s.text, None, "CSV/TSV/NPY file of points, one row per point"),
        "matrix": s.Field(s.text, None, "CSV/TSV/NPY square distance matrix with names"),
        "columns": s.Field(s.list_of(s.key), None, "feature columns (names or indices); default all"),
        "name_column": s.Field(s.key, None, "column with unique point names"),
        "delimiter": s.Field(s.one_of(",", "\t", ";", " ", "|"), None, "default: tab for .tsv, else comma"),
        "mds_dims": s.Field(s.integer(1), None, "MDS dimensions; default all positive eigenvalues"),
    },
    "clusters": {
        "k": s.Field(s.integer(1), None, "number of clusters (balanced sizes when alone)"),
        "sizes": s.Field(s.list_of(_size), None, "exact sizes (ints summing to n) or fractions"),
        "size_min": s.Field(s.scalar_or_list(s.integer(0)), None, "lower size bound(s)"),
        "size_max": s.Field(s.scalar_or_list(s.integer(0)), None, "upper size bound(s)"),
        "names": s.Field(s.list_of(s.text), None, "cluster names; default cluster-1, ..."),
    },
    "constraints": {
        "mode": s.Field(s.one_of("hard", "override"), "hard", "hard (guaranteed) or override (distances)"),
        "must_link": s.Field(_link_list, [], "groups of points that share a cluster"),
        "cannot_link": s.Field(_link_list, [], "pairs/groups of points in different clusters"),
        "cannot_link_distance": s.Field(s.number(0.0, strict=True), None,
                                        "override mode: distance of cannot-link pairs"),
    },
    "solver": {
        "backend": s.Field(_backend, "flow", "assignment backend (fsclust solvers)"),
        "init": s.Field(_init, "k-means++", "initial centers"),
        "restarts": s.Field(s.integer(1), 10, "independent restarts (best is kept)"),
        "max_iter": s.Field(s.integer(1), 300, "assignment steps per restart"),
        "tol": s.Field(s.number(0.0), 1e-6, "relative objective decrease that stops a run"),
        "seed": s.Field(s.integer(0), 0, "random seed (runs are deterministic)"),
        "time_limit": s.Field(s.number(0.0, strict=True), None, "CP-SAT seconds per assignment step"),
    },
    "output": {
        "dir": s.Field(s.text, None, "output folder (relative to the spec); nothing written if unset"),
        "labels": s.Field(s.text, "labels.csv", "point name -> cluster name CSV"),
        "centers": s.Field(s.text, "centers.csv", "cluster centers CSV"),
        "summary": s.Field(s.text, "summary.json", "JSON summary"),
        "plot": s.Field(s.text, None, "PNG plot file (needs matplotlib)"),
    },
}
_TOP_KEYS = ("description", *SCHEMA)


@dataclass(frozen=True)
class SolverSettings:
    """The ``solver`` section: backend, init, restarts, max_iter, tol, seed, time_limit."""

    backend: str = "flow"
    init: str = "k-means++"
    restarts: int = 10
    max_iter: int = 300
    tol: float = 1e-6
    seed: int = 0
    time_limit: float | None = None


@dataclass(frozen=True)
class OutputSettings:
    """The ``output`` section; ``dir`` is None when nothing is to be written."""

    dir: Path | None = None
    labels: str | None = "labels.csv"
    centers: str | None = "centers.csv"
    summary: str | None = "summary.json"
    plot: str | None = None


@dataclass(frozen=True, eq=False)
class Spec:
    """A loaded, validated spec.

    Attributes
    ----------
    path : Path
    problem : Problem
        ``X`` of shape (n, d): the points, or their MDS embedding for matrix input.
    point_names : list of str, length n
    cluster_names : list of str, length k
    features : list of str, length d
        Names of the columns of ``problem.X`` (``mds1``, ... for an embedding).
    points : ndarray of shape (n, p) or None
        The points as read (points input); ``problem.X`` differs from them in override mode.
    distances : ndarray of shape (n, n) or None
        The matrix as read from the file (matrix input), before any override.
    embedding : MDSResult or None
    mode : {"hard", "override"}
    solver : SolverSettings
    output : OutputSettings
    """

    path: Path
    problem: Problem
    point_names: list[str]
    cluster_names: list[str]
    features: list[str]
    points: np.ndarray | None
    distances: np.ndarray | None
    embedding: MDSResult | None
    mode: str
    solver: SolverSettings
    output: OutputSettings


def load_spec(path: str | Path) -> Spec:
    """Read, validate and prepare a YAML problem spec.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        Unreadable file, YAML syntax error, unknown key, wrong type, bad data file.
    InfeasibleError
        Sizes or constraints that no clustering can meet.
    OSError
        The spec file cannot be read.
    """
    path = Path(path)
    try:
        raw = s.load_yaml(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SpecError(f"{path}: {exc}") from None
    try:
        top = s.check_section(raw, {k: s.Field(_section(k)) for k in _TOP_KEYS}, "")
        for required in ("data", "clusters"):
            if top[required] is None:
                raise s.Invalid(required, "given (a mapping)", "nothing")
        return _build(path, {name: top[name] or s.check_section(None, SCHEMA[name], name)
                             for name in SCHEMA})
    except s.Invalid as exc:
        raise SpecError(f"{path}: {exc}") from None
    except _At as exc:
        kind = InfeasibleError if isinstance(exc.error, InfeasibleError) else SpecError
        where = "" if str(exc.error).startswith(exc.where.split(".")[0]) else f"{exc.where}: "
        raise kind(f"{path}: {where}{exc.error}") from None


def _section(name: str) -> s.Check:
    if name == "description":
        return s.text
    return lambda raw, where: s.check_section(raw, SCHEMA[name], where)


class _At(Exception):
    """A library error raised while building from the spec section ``where``."""

    def __init__(self, where: str, error: FsclustError) -> None:
        super().__init__(str(error))
        self.where, self.error = where, error


def _build(path: Path, sections: dict[str, Any]) -> Spec:
    data, clusters, links_raw = sections["data"], sections["clusters"], sections["constraints"]
    table, distances = _read_data(path.parent, data)
    n, names = len(table.names), table.names
    sizes = _sizes(clusters, n)
    links = _links(links_raw, names, sizes)
    X, embedding = _features(table.values, distances, links, links_raw, data["mds_dims"])
    hard = links if links_raw["mode"] == "hard" and not links.empty else None
    problem = Problem(X, sizes, None, hard)
    features = table.columns if embedding is None else [f"mds{j + 1}" for j in range(X.shape[1])]
    return Spec(path, problem, names, _cluster_names(clusters["names"], sizes.n_clusters), features,
                None if distances is not None else table.values, distances, embedding,
                links_raw["mode"], SolverSettings(**sections["solver"]),
                _output(path.parent, sections["output"]))


def _read_data(base: Path, data: dict[str, Any]) -> tuple[Any, np.ndarray | None]:
    if (data["points"] is None) == (data["matrix"] is None):
        raise s.Invalid("data", "given exactly one of 'points' and 'matrix'",
                        "both" if data["points"] else "neither")
    if data["matrix"] is not None:
        for extra in ("columns", "name_column"):
            if data[extra] is not None:
                raise s.Invalid(f"data.{extra}", "omitted for a distance matrix", data[extra])
    where = "data.points" if data["points"] is not None else "data.matrix"
    file = base / (data["points"] or data["matrix"])
    if not file.is_file():
        raise s.Invalid(where, "an existing file (relative to the spec)", str(file))
    try:
        if data["points"] is not None:
            return read_points(file, columns=data["columns"], name_column=data["name_column"],
                               delimiter=data["delimiter"]), None
        table = read_matrix(file, delimiter=data["delimiter"])
        return table, table.values
    except FsclustError as exc:
        raise _At(where, exc) from None


def _sizes(clusters: dict[str, Any], n: int) -> Sizes:
    sizes = clusters["sizes"]
    if sizes is not None and any(isinstance(v, float) for v in sizes):
        if abs(sum(sizes) - 1.0) > 1e-6:
            raise s.Invalid("clusters.sizes", "fractions summing to 1", sizes)
        sizes = np.asarray(sizes, dtype=np.float64)
    if all(clusters[key] is None for key in ("k", "sizes", "size_min", "size_max")):
        raise s.Invalid("clusters", "a mapping with 'k', 'sizes' or 'size_min'/'size_max'",
                        None)
    where = next(key for key in ("sizes", "size_min", "size_max", "k") if clusters[key] is not None)
    try:
        return resolve_sizes(n, n_clusters=clusters["k"], sizes=sizes,
                             size_min=clusters["size_min"], size_max=clusters["size_max"])
    except FsclustError as exc:
        raise _At(f"clusters.{where}", exc) from None


def _index(value: str | int, names: list[str], lookup: dict[str, int], where: str) -> int:
    if isinstance(value, str):
        if value not in lookup:
            raise s.Invalid(where, f"a point name from the data (e.g. {names[:3]})", value)
        return lookup[value]
    if value >= len(names):
        raise s.Invalid(where, f"a point index in [0, {len(names)})", value)
    return value


def _links(raw: dict[str, Any], names: list[str], sizes: Sizes) -> Links:
    lookup = {name: i for i, name in enumerate(names)}
    resolved = {key: [[_index(v, names, lookup, f"constraints.{key}[{g}][{m}]")
                       for m, v in enumerate(group)] for g, group in enumerate(raw[key])]
                for key in ("must_link", "cannot_link")}
    if raw["mode"] == "hard" and raw["cannot_link_distance"] is not None:
        raise s.Invalid("constraints.cannot_link_distance", "omitted in hard mode",
                        raw["cannot_link_distance"])
    try:
        links = make_links(len(names), resolved["must_link"], resolved["cannot_link"], names=names)
        if raw["mode"] == "hard":
            check_feasible(links, sizes)
    except FsclustError as exc:
        raise _At("constraints", exc) from None
    return links


def _features(values: np.ndarray, distances: np.ndarray | None, links: Links,
              raw: dict[str, Any], dims: int | None) -> tuple[np.ndarray, MDSResult | None]:
    override = raw["mode"] == "override" and not links.empty
    if distances is None and not override:
        if dims is not None:
            raise s.Invalid("data.mds_dims", "omitted for points (no MDS is done)", dims)
        return values, None
    matrix = distances if distances is not None else pairwise_distances(values)
    if override:
        matrix = override_distances(matrix, links, far=raw["cannot_link_distance"])
    try:
        embedding = classical_mds(matrix, dims)
    except FsclustError as exc:
        raise _At("data.mds_dims", exc) from None
    return embedding.X, embedding


def _cluster_names(names: list[str] | None, k: int) -> list[str]:
    if names is None:
        return [f"cluster-{j + 1}" for j in range(k)]
    if len(names) != k:
        raise s.Invalid("clusters.names", f"a list of {k} names (one per cluster)", names)
    if len(set(names)) != k:
        raise s.Invalid("clusters.names", "a list of unique names", names)
    return names


def _output(base: Path, raw: dict[str, Any]) -> OutputSettings:
    folder = None if raw["dir"] is None else Path(os.path.normpath(base / raw["dir"]))
    return OutputSettings(dir=folder,
                          **{k: v for k, v in raw.items() if k != "dir"})

