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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fsclust._validation import MAX_RESTARTS
from fsclust.app import schema as s
from fsclust.app.data_io import PointTable, column_index, read_header, read_matrix, read_points
from fsclust.app.outputs import name_problem, plan
from fsclust.assign import ChoiceTerms, check_choice, solver_names
from fsclust.assign.capacity.methods import CAPACITY_METHODS
from fsclust.assign.costs import check_point_scale
from fsclust.errors import FsclustError, InfeasibleError, SpecError, ValidationError
from fsclust.models.init import INITS
from fsclust.models.kmedoids import MEDOID_INITS, check_medoid_scale
from fsclust.pairwise.mds import MDSResult, check_mds_scale, classical_mds, pairwise_distances
from fsclust.problem.links import (
    Links,
    check_contradictions,
    check_feasible,
    make_links,
    override_distances,
)
from fsclust.problem.problem import Problem
from fsclust.problem.sizes import Sizes, resolve_sizes
from fsclust.problem.weights import SIZE_UNITS, WeightBounds, weight_mode

__all__ = ["METHODS", "SCHEMA", "SPEC_TERMS", "WEIGHT_SIZES", "OutputSettings", "SolverSettings",
           "Spec", "check_choices", "load_spec", "output_plan"]

METHODS = ("means", "medoids")
_METHOD_INITS = {"means": list(INITS), "medoids": list(MEDOID_INITS)}
# How spec errors name the solver / capacity-method keys and the size units (`check_choices`).
SPEC_TERMS = ChoiceTerms(solver="solver.backend", capacity_method="solver.capacity_method",
                         weight="clusters.size_unit: weight", count="clusters.size_unit: count")


def _backend(value: Any, path: str) -> str:
    """A count-assignment backend (``fsclust solvers``) or ``auto``."""
    note = (f" (capacity methods such as {value!r} have their own setting, capacity_method)"
            if isinstance(value, str) and value in CAPACITY_METHODS else "")
    names = ["auto", *solver_names()]
    if value not in names:
        raise s.Invalid(path, "one of " + ", ".join(map(repr, names)) + note, value)
    return str(value)


def check_choices(backend: str, capacity_method: str, *, by_weight: bool,
                  terms: ChoiceTerms = SPEC_TERMS) -> None:
    """Raise `schema.Invalid` when ``solver.backend`` or ``solver.capacity_method`` is set but
    does not apply to the size unit (the rules of `fsclust.assign.check_choice`)."""
    broken = check_choice(backend, capacity_method, by_weight=by_weight, terms=terms)
    if broken is not None:
        raise s.Invalid(*broken)


def _init(value: Any, path: str) -> str:
    return s.one_of(*dict.fromkeys(_METHOD_INITS["means"] + _METHOD_INITS["medoids"]))(value, path)


def _size(value: Any, path: str) -> int | float:
    if not isinstance(value, float):
        return s.integer(0)(value, path)
    if 0.0 <= value <= 1.0:
        return value
    if value.is_integer() and value > 1:        # 4.0: a count written as a float
        return int(value)
    raise s.Invalid(path, "an integer >= 0 (a count) or a fraction in [0, 1]", value)


_weight_total = s.number(0.0, finite=True)


def _file_name(value: Any, path: str) -> str:
    """A plain file name inside ``output.dir``."""
    problem = name_problem(s.text(value, path))
    if problem is not None:
        raise s.Invalid(path, problem, value)
    return value


def _link_list(value: Any, path: str) -> list[list[str | int]]:
    return s.list_of(s.list_of(s.key, min_len=2), min_len=0)(value, path)


SCHEMA: dict[str, dict[str, s.Field]] = {
    "data": {
        "points": s.Field(s.text, None, "CSV/TSV/NPY file of points, one row per point"),
        "matrix": s.Field(s.text, None, "CSV/TSV/NPY square distance matrix with names"),
        "columns": s.Field(s.list_of(s.key), None, "feature columns (names or indices); default all"),
        "name_column": s.Field(s.key, None, "column with unique point names"),
        "weight_column": s.Field(s.key, None,
                                 "column of the points file holding sample weights (>= 0, not all zero)"),
        "weights": s.Field(s.text, None, "file of sample weights: columns point name, weight"),
        "delimiter": s.Field(s.one_of(",", "\t", ";", " ", "|"), None, "default: tab for .tsv, else comma"),
        "mds_dims": s.Field(s.integer(1), None, "MDS dimensions; default all positive eigenvalues"),
    },
    "clusters": {
        "k": s.Field(s.integer(1), None, "number of clusters (balanced sizes when alone)"),
        "sizes": s.Field(s.list_of(_size), None, "exact sizes (ints summing to n) or fractions"),
        "size_min": s.Field(s.scalar_or_list(s.integer(0)), None, "lower size bound(s)"),
        "size_max": s.Field(s.scalar_or_list(s.integer(0)), None, "upper size bound(s)"),
        "names": s.Field(s.list_of(s.text), None, "cluster names; default cluster-1, ..."),
        "size_unit": s.Field(s.one_of(*SIZE_UNITS), "count",
                             "count (points) or weight (total sample weight per cluster)"),
    },
    "constraints": {
        "mode": s.Field(s.one_of("hard", "override"), "hard", "hard (guaranteed) or override (distances)"),
        "must_link": s.Field(_link_list, [], "groups of points that share a cluster"),
        "cannot_link": s.Field(_link_list, [], "pairs/groups of points in different clusters"),
        "cannot_link_distance": s.Field(s.number(0.0, strict=True), None,
                                        "override mode: distance of cannot-link pairs"),
    },
    "solver": {
        "method": s.Field(s.one_of(*METHODS), "means",
                          "means (k-means; MDS first for a matrix) or medoids (k-medoids, no MDS)"),
        "backend": s.Field(_backend, "auto", "count-assignment backend (fsclust solvers); "
                                             "auto with clusters.size_unit: weight"),
        "capacity_method": s.Field(s.one_of("auto", *CAPACITY_METHODS), "auto",
                                   "total-weight method (clusters.size_unit: weight): "
                                   "auto, cpsat or lp-round"),
        "init": s.Field(_init, None, "initial centers; default k-means++ / k-medoids++"),
        "restarts": s.Field(s.integer(1, MAX_RESTARTS), 10, "independent restarts (best is kept)"),
        "max_iter": s.Field(s.integer(1), 300, "assignment steps per restart"),
        "tol": s.Field(s.number(0.0), 1e-6, "relative objective decrease that stops a run"),
        "seed": s.Field(s.integer(0), 0, "random seed (runs are deterministic)"),
        "time_limit": s.Field(s.number(0.0, strict=True), None, "CP-SAT seconds per assignment step"),
        "engine": s.Field(s.one_of("memory", "dask"), "memory",
                          "memory (numpy) or dask (a .npy file read in row blocks by dask workers)"),
        "scheduler": s.Field(s.text, "local", "dask engine: 'local' (a LocalCluster) or a scheduler "
                                              "address such as tcp://host:8786"),
        "workers": s.Field(s.integer(1), None, "dask engine, local: worker processes (default: dask's)"),
    },
    "output": {
        "dir": s.Field(s.text, None, "output folder (relative to the spec); nothing written if unset"),
        "labels": s.Field(_file_name, "labels.csv", "point name -> cluster name CSV"),
        "centers": s.Field(_file_name, None, "cluster centers (medoids) CSV; default centers.csv "
                                             "(medoids.csv)"),
        "summary": s.Field(_file_name, "summary.json", "JSON summary"),
        "plot": s.Field(_file_name, None, "PNG plot file (needs matplotlib)"),
    },
}
# With ``clusters.size_unit: weight`` the sizes are total weights: floats, no fractions.
WEIGHT_SIZES: dict[str, s.Field] = {
    "sizes": s.Field(s.list_of(_weight_total), None, "exact total weight of every cluster"),
    "size_min": s.Field(s.scalar_or_list(_weight_total), None, "lower total-weight bound(s)"),
    "size_max": s.Field(s.scalar_or_list(_weight_total), None, "upper total-weight bound(s)"),
}
_TOP_KEYS = ("description", *SCHEMA)


@dataclass(frozen=True)
class SolverSettings:
    """The ``solver`` section: method, backend, capacity_method, init, restarts, max_iter, tol,
    seed, time_limit."""

    method: str = "means"
    backend: str = "auto"
    capacity_method: str = "auto"
    init: str = "k-means++"
    restarts: int = 10
    max_iter: int = 300
    tol: float = 1e-6
    seed: int = 0
    time_limit: float | None = None
    engine: str = "memory"
    scheduler: str = "local"
    workers: int | None = None


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
        ``X`` of shape (n, d): the points, or their MDS embedding for matrix input; with
        ``solver.method: medoids`` the (n, n) dissimilarity matrix that is clustered (the
        matrix, or the points' Euclidean distances). ``sample_weight`` (n,) holds the weights of
        ``data.weights`` / ``data.weight_column``; ``weight_bounds`` is set with
        ``clusters.size_unit: weight``.
    point_names : list of str, length n
    cluster_names : list of str, length k
    features : list of str
        Names of the columns of ``problem.X`` (``mds1``, ... for an embedding, the point names
        for medoids).
    points : ndarray of shape (n, p) or None
        The points as read (points input); ``problem.X`` differs from them in override mode.
    distances : ndarray of shape (n, n) or None
        The matrix as read from the file (matrix input), before any override.
    embedding : MDSResult or None
    mode : {"hard", "override"}
    solver : SolverSettings
    output : OutputSettings
    weight_name : str or None
        Name of the weights (the header of ``data.weight_column`` or of the weights file's
        weight column), None without weights.
    inputs : tuple of Path
        The files read (the spec, the data, the weights): no output may replace them.
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
    weight_name: str | None = None
    inputs: tuple[Path, ...] = ()

    @property
    def medoids(self) -> bool:
        """True for ``solver.method: medoids``."""
        return self.solver.method == "medoids"


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
        raw = s.load_yaml(s.read_spec_text(path))
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
        raise exc.rendered(path) from None


def _section(name: str) -> s.Check:
    if name == "description":
        return s.text
    return lambda raw, where: s.check_section(raw, _fields(name, raw), where)


def _fields(name: str, raw: Any) -> dict[str, s.Field]:
    """The schema of section ``name``; ``clusters`` sizes are total weights in weight mode."""
    if name == "clusters" and isinstance(raw, dict) and raw.get("size_unit") == "weight":
        return {**SCHEMA[name], **WEIGHT_SIZES}
    return SCHEMA[name]


class _At(Exception):
    """A library error raised while building from the spec section ``where``."""

    def __init__(self, where: str, error: FsclustError) -> None:
        super().__init__(str(error))
        self.where, self.error = where, error

    def rendered(self, file: Path) -> FsclustError:
        """The error for the spec ``file``: a library parameter error (`fsclust._validation.fail`)
        rendered like every schema error, ``FILE: PATH: must be RULE, got VALUE``; any other
        error prefixed with ``where`` unless it names the section already."""
        error = self.error
        if isinstance(error, ValidationError) and error.param is not None and error.rule is not None:
            invalid = s.Invalid(_spec_path(self.where, error.param), error.rule, None, detail=error.got)
            return SpecError(f"{file}: {invalid}")
        kind = InfeasibleError if isinstance(error, InfeasibleError) else SpecError
        where = "" if str(error).startswith(self.where.split(".")[0]) else f"{self.where}: "
        return kind(f"{file}: {where}{error}")


# Library parameters that the spec spells differently.
_SPEC_NAMES = {"n_clusters": "clusters.k", "n_components": "data.mds_dims"}


def _spec_path(where: str, param: str) -> str:
    """The spec path of library parameter ``param`` (``"sizes[2]"`` -> ``"clusters.sizes[2]"``)
    raised while building ``where``; ``where`` itself for a parameter the spec does not have."""
    name, bracket, index = param.partition("[")
    section = where.split(".")[0]
    if name in _SPEC_NAMES:
        name = _SPEC_NAMES[name]
    elif name in SCHEMA.get(section, {}):
        name = f"{section}.{name}"
    elif not name.startswith(f"{section}."):
        return where
    return name + bracket + index


def _build(path: Path, sections: dict[str, Any]) -> Spec:
    data, clusters, links_raw = sections["data"], sections["clusters"], sections["constraints"]
    solver = _solver(sections["solver"], by_weight=clusters["size_unit"] == "weight")
    if solver.engine == "dask":
        from fsclust.app.dask_engine import build_dask_spec

        return build_dask_spec(path, sections, solver, _sizes, _cluster_names, _output, Spec)
    table, distances, (weight, weight_name) = _read_data(path.parent, data)
    n, names = len(table.names), table.names
    sizes, bounds = _sizes(clusters, n, weight)
    links = _links(links_raw, names, sizes, by_weight=bounds is not None)
    X, embedding = _features(table.values, distances, links, links_raw, data, solver.method, weight)
    hard = links if links_raw["mode"] == "hard" and not links.empty else None
    problem = Problem(X, sizes, weight, hard, bounds)
    features = (names if solver.method == "medoids" else table.columns if embedding is None
                else [f"mds{j + 1}" for j in range(X.shape[1])])
    inputs = (path, *(path.parent / data[key] for key in ("points", "matrix", "weights") if data[key]))
    return Spec(path, problem, names, _cluster_names(clusters["names"], sizes.n_clusters), features,
                None if distances is not None else table.values, distances, embedding,
                links_raw["mode"], solver, _output(path.parent, sections["output"], solver.method, inputs),
                weight_name, inputs)


def _solver(raw: dict[str, Any], *, by_weight: bool) -> SolverSettings:
    """Check the settings that depend on the method or the size unit; default the init."""
    check_choices(raw["backend"], raw["capacity_method"], by_weight=by_weight)
    inits = _METHOD_INITS[raw["method"]]
    if raw["init"] is None:
        return SolverSettings(**{**raw, "init": inits[0]})
    if raw["init"] not in inits:
        raise s.Invalid("solver.init", "one of " + ", ".join(map(repr, inits))
                        + f" with solver.method: {raw['method']}", raw["init"])
    return SolverSettings(**raw)


def _existing(base: Path, name: str, where: str) -> Path:
    file = base / name
    if not file.is_file():
        raise s.Invalid(where, "an existing file (relative to the spec)", str(file))
    return file


def _read_data(base: Path, data: dict[str, Any]
               ) -> tuple[PointTable, np.ndarray | None, tuple[np.ndarray | None, str | None]]:
    """The table (points, or the matrix), the matrix (n, n) or None, and the weights (n,) with
    their name, or (None, None)."""
    _check_data_keys(data)
    where = "data.points" if data["points"] is not None else "data.matrix"
    file = _existing(base, data["points"] or data["matrix"], where)
    try:
        if data["matrix"] is not None:
            table = read_matrix(file, delimiter=data["delimiter"])
            distances, weight, name = table.values, None, None
        else:
            (table, weight, name), distances = _read_points(file, data), None
    except FsclustError as exc:
        raise _At(where, exc) from None
    if data["weights"] is not None:
        weight, name = _weights_file(_existing(base, data["weights"], "data.weights"),
                                     data["delimiter"], table.names)
    if weight is not None:
        _check_positive(weight, table.names,
                        "data.weights" if data["weights"] is not None else "data.weight_column")
    return table, distances, (weight, name)


def _check_data_keys(data: dict[str, Any]) -> None:
    if (data["points"] is None) == (data["matrix"] is None):
        raise s.Invalid("data", "given exactly one of 'points' and 'matrix'",
                        "both" if data["points"] else "neither")
    if data["weights"] is not None and data["weight_column"] is not None:
        raise s.Invalid("data", "given at most one of 'weights' and 'weight_column'", "both")
    if data["matrix"] is not None:
        for extra in ("columns", "name_column", "weight_column"):
            if data[extra] is not None:
                raise s.Invalid(f"data.{extra}", "omitted for a distance matrix", data[extra])


def _read_points(file: Path, data: dict[str, Any]
                 ) -> tuple[PointTable, np.ndarray | None, str | None]:
    """The points and, with ``data.weight_column``, that column's values (n,), which are not a
    feature unless ``data.columns`` lists it, and its name."""
    options = {"name_column": data["name_column"], "delimiter": data["delimiter"]}
    if data["weight_column"] is None:
        return read_points(file, columns=data["columns"], **options), None, None
    header = (read_points(file).columns if file.suffix.lower() == ".npy"
              else read_header(file, data["delimiter"]))
    at = column_index(header, data["weight_column"], file, "data.weight_column")
    columns = data["columns"]
    if columns is None:
        skip = {at} if data["name_column"] is None else {
            at, column_index(header, data["name_column"], file, "data.name_column")}
        columns = [j for j in range(len(header)) if j not in skip]
        if not columns:
            raise s.Invalid("data.weight_column", "a column other than the only feature column",
                            data["weight_column"])
    table = read_points(file, columns=[*columns, at], **options)
    return (PointTable(table.values[:, :-1], table.names, table.columns[:-1]), table.values[:, -1],
            table.columns[-1])


def _weights_file(file: Path, delimiter: str | None, names: list[str]) -> tuple[np.ndarray, str]:
    """Weights (n,) in the order of ``names`` from a text file with columns point name, weight,
    and the weight column's name."""
    try:
        table = read_points(file, name_column=0, delimiter=delimiter)
    except FsclustError as exc:
        raise _At("data.weights", exc) from None
    if table.values.shape[1] != 1:
        raise s.Invalid("data.weights", "a file with two columns (point name, weight)",
                        table.values.shape[1] + 1, detail=f"{table.values.shape[1] + 1} columns")
    given = dict(zip(table.names, table.values[:, 0].tolist(), strict=True))
    missing = [name for name in names if name not in given]
    if missing:
        raise s.Invalid("data.weights", "a file with a row for every point of the data", missing,
                        detail=f"no row for point {missing[0]!r} ({len(missing)} point(s) missing)")
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise s.Invalid("data.weights", "a file with rows for points of the data only", unknown,
                        detail=f"unknown point {unknown[0]!r}")
    return np.array([given[name] for name in names]), table.columns[0]


def _check_positive(weight: np.ndarray, names: list[str], where: str) -> None:
    bad = np.flatnonzero(~(weight >= 0))
    if bad.size:
        i = int(bad[0])
        raise s.Invalid(where, "a weight >= 0 for every point", float(weight[i]),
                        detail=f"{weight[i]:g} for point {names[i]!r}")
    if not (weight > 0).any():
        raise s.Invalid(where, "weights with at least one > 0", 0.0, detail="all zero weights")


def _sizes(clusters: dict[str, Any], n: int, weight: np.ndarray | None
           ) -> tuple[Sizes, WeightBounds | None]:
    """Count sizes, or (with ``size_unit: weight``) 0..n counts and the total-weight bounds."""
    by_weight = clusters["size_unit"] == "weight"
    _check_size_keys(clusters, by_weight, has_weights=weight is not None)
    where = next(key for key in ("sizes", "size_min", "size_max", "k") if clusters[key] is not None)
    bounds = {"n_clusters": clusters["k"], "size_min": clusters["size_min"],
              "size_max": clusters["size_max"]}
    try:
        if by_weight:
            sizes, _, limits = weight_mode(n, weight, size_unit="weight", sizes=clusters["sizes"],
                                           has_links=False, **bounds,
                                           prefix="clusters.")
            return sizes, limits
        return resolve_sizes(n, sizes=_count_sizes(clusters["sizes"]), **bounds,
                             prefix="clusters."), None
    except FsclustError as exc:         # the key the library blames, else the first one given
        blamed = (getattr(exc, "param", None) or "").removeprefix("clusters.").replace("n_clusters", "k")
        raise _At(f"clusters.{blamed if blamed in (*_SIZE_KEYS, 'k') else where}", exc) from None


_SIZE_KEYS = ("sizes", "size_min", "size_max")


def _check_size_keys(clusters: dict[str, Any], by_weight: bool, *, has_weights: bool) -> None:
    if by_weight and not has_weights:
        raise s.Invalid("clusters.size_unit", "'count' unless the data has weights "
                        "(data.weights or data.weight_column)", "weight")
    keys = _SIZE_KEYS
    if all(clusters[key] is None for key in keys) and (by_weight or clusters["k"] is None):
        rule = ("a mapping with 'sizes' or 'size_min'/'size_max' (total weights)" if by_weight
                else "a mapping with 'k', 'sizes' or 'size_min'/'size_max'")
        raise s.Invalid("clusters", rule, None)
    if clusters["k"] is None and not any(isinstance(clusters[key], list) for key in keys):
        raise s.Invalid("clusters.k", "given when no list (sizes, or per-cluster size_min / "
                        "size_max) fixes the number of clusters", None)


def _count_sizes(sizes: list[int | float] | None) -> Any:
    if sizes is not None and any(isinstance(v, float) for v in sizes):
        if abs(sum(sizes) - 1.0) > 1e-6:
            raise s.Invalid("clusters.sizes", "fractions summing to 1", sizes)
        return np.asarray(sizes, dtype=np.float64)
    return sizes


def _index(value: str | int, names: list[str], lookup: dict[str, int], where: str) -> int:
    if isinstance(value, str):
        if value not in lookup:
            raise s.Invalid(where, f"a point name from the data (e.g. {names[:3]})", value)
        return lookup[value]
    if value >= len(names):
        raise s.Invalid(where, f"a point index in [0, {len(names)})", value)
    return value


def _links(raw: dict[str, Any], names: list[str], sizes: Sizes, *, by_weight: bool) -> Links:
    lookup = {name: i for i, name in enumerate(names)}
    resolved = {key: [[_index(v, names, lookup, f"constraints.{key}[{g}][{m}]")
                       for m, v in enumerate(group)] for g, group in enumerate(raw[key])]
                for key in ("must_link", "cannot_link")}
    if raw["mode"] == "hard" and raw["cannot_link_distance"] is not None:
        raise s.Invalid("constraints.cannot_link_distance", "omitted in hard mode",
                        raw["cannot_link_distance"])
    if raw["mode"] == "hard" and by_weight and (raw["must_link"] or raw["cannot_link"]):
        raise s.Invalid("constraints.mode", "'override' with clusters.size_unit: weight (hard "
                        "must-link / cannot-link need count sizes)", "hard")
    try:
        links = make_links(len(names), resolved["must_link"], resolved["cannot_link"], names=names)
        if raw["mode"] == "hard":
            check_feasible(links, sizes)
        else:
            check_contradictions(links)
    except FsclustError as exc:
        raise _At("constraints", exc) from None
    return links


def _features(values: np.ndarray, distances: np.ndarray | None, links: Links,
              raw: dict[str, Any], data: dict[str, Any], method: str, weight: np.ndarray | None
              ) -> tuple[np.ndarray, MDSResult | None]:
    """What is clustered: the points, their MDS embedding, or (medoids) a dissimilarity matrix
    (the matrix read, or the points' Euclidean distances; overridden in override mode). Values
    too large for float64 arithmetic are refused here (`_check_scale`)."""
    override = raw["mode"] == "override" and not links.empty
    dims, where = data["mds_dims"], "data.points" if data["points"] is not None else "data.matrix"
    if method == "medoids" and dims is not None:
        raise s.Invalid("data.mds_dims", "omitted with solver.method: medoids (no MDS is done)", dims)
    if distances is None and not override and method == "means":
        if dims is not None:
            raise s.Invalid("data.mds_dims", "omitted for points (no MDS is done)", dims)
        _check_scale(lambda: check_point_scale(values, len(values), weight), where)
        return values, None
    if distances is None:
        with np.errstate(over="ignore", invalid="ignore"):   # too large: refused just below
            distances = pairwise_distances(values)
    far = raw["cannot_link_distance"] if override else None
    matrix = override_distances(distances, links, far=far) if override else distances
    where = "constraints.cannot_link_distance" if far is not None and far > distances.max() else where
    if method == "medoids":
        _check_scale(lambda: check_medoid_scale(matrix, weight, "distances"), where)
        return matrix, None
    _check_scale(lambda: check_mds_scale(matrix), where)
    try:
        embedding = classical_mds(matrix, dims)
    except FsclustError as exc:
        raise _At("data.mds_dims", exc) from None
    _check_scale(lambda: check_point_scale(embedding.X, len(matrix), weight), where)
    return embedding.X, embedding


def _check_scale(check: Callable[[], None], where: str) -> None:
    """Run a magnitude check; its error is reported at the spec path ``where``."""
    try:
        check()
    except FsclustError as exc:
        raise _At(where, exc) from None


def _cluster_names(names: list[str] | None, k: int) -> list[str]:
    if names is None:
        return [f"cluster-{j + 1}" for j in range(k)]
    if len(names) != k:
        raise s.Invalid("clusters.names", f"a list of {k} names (one per cluster)", names)
    if len(set(names)) != k:
        raise s.Invalid("clusters.names", "a list of unique names", names)
    return names


def _output(base: Path, raw: dict[str, Any], method: str, inputs: tuple[Path, ...]) -> OutputSettings:
    """The output settings; their files are checked (distinct, none of the ``inputs``)."""
    folder = None if raw["dir"] is None else Path(os.path.normpath(base / raw["dir"]))
    centers = raw["centers"] or ("medoids.csv" if method == "medoids" else "centers.csv")
    settings = OutputSettings(dir=folder, **{**{k: v for k, v in raw.items() if k != "dir"},
                                             "centers": centers})
    try:
        output_plan(settings, inputs)
    except FsclustError as exc:
        raise _At("output", exc) from None
    return settings


def output_plan(settings: OutputSettings, inputs: tuple[Path, ...], *, folder: Path | None = None,
                plot_file: Path | None = None) -> dict[str, Path]:
    """The checked output files (spec key -> path) for ``settings``, with the CLI's ``--out``
    (``folder``) and ``--plot`` (``plot_file``) overrides (see `fsclust.app.outputs.plan`)."""
    names = {f"output.{key}": getattr(settings, key) for key in ("labels", "centers", "summary", "plot")}
    return plan(folder if folder is not None else settings.dir, names, plot_file=plot_file,
                inputs=inputs)
