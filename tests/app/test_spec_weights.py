"""Issue 6 in the YAML spec: sample weights, size_unit: weight, per-cluster bounds, k-medoids.

Every new key is run end to end through the CLI and its outputs are compared with the library
API called directly on the same inputs; every new error message is checked word for word.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import fsclust
from fsclust import InfeasibleError, SpecError, load_spec, solve, solve_medoids
from fsclust.cli import main
from fsclust.pairwise.mds import classical_mds, pairwise_distances
from fsclust.problem.links import make_links, override_distances

NAMES = [f"s{i:02d}" for i in range(12)]
X = np.array([[0.0, 0.0], [0.5, 0.2], [0.1, 0.9], [1.0, 1.0], [5.0, 5.0], [5.5, 4.8], [4.9, 5.6],
              [6.0, 6.0], [9.0, 0.0], [9.4, 0.7], [8.8, 1.1], [10.0, 0.4]])
W = np.array([1.0, 2.5, 1.0, 3.0, 0.5, 2.0, 1.5, 1.0, 4.0, 1.0, 0.5, 2.0])
D = np.round(np.abs(X[:, None, :] - X[None, :, :]).sum(axis=2), 1)   # Manhattan: not Euclidean


def _points_csv() -> str:
    rows = [f"{name},{x:g},{y:g},{w:g}" for name, (x, y), w in zip(NAMES, X, W, strict=True)]
    return "\n".join(["site,x,y,hours", *rows]) + "\n"


def _matrix_tsv() -> str:
    rows = ["\t".join([name, *(f"{v:g}" for v in row)]) for name, row in zip(NAMES, D, strict=True)]
    return "\n".join(["\t".join(["name", *NAMES]), *rows]) + "\n"


def _weights_csv(order: list[int]) -> str:      # rows in any order: matched by point name
    return "\n".join(["point,weight", *(f"{NAMES[i]},{W[i]:g}" for i in order)]) + "\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "p.csv").write_text(_points_csv())
    (tmp_path / "m.tsv").write_text(_matrix_tsv())
    (tmp_path / "w.csv").write_text(_weights_csv(list(range(11, -1, -1))))
    return tmp_path


POINTS = "data: {points: p.csv, name_column: site, weight_column: hours}\n"
MATRIX = "data: {matrix: m.tsv, weights: w.csv}\n"
SOLVER = "solver: {restarts: 4, seed: 3}\n"


def solve_cli(folder: Path, body: str, capsys: pytest.CaptureFixture[str]) -> tuple[dict, str, Path]:
    """Run ``fsclust solve`` (JSON, then the table) on ``body``; return summary, table, outputs."""
    spec = folder / "spec.yaml"
    spec.write_text(body)
    out = folder / "out"
    assert main(["solve", str(spec), "--json", "--quiet", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert main(["solve", str(spec), "--quiet"]) == 0
    return summary, capsys.readouterr().out, out


def labels_of(summary: dict) -> list[int]:
    names = [c["name"] for c in summary["clusters"]]
    return [names.index(label) for label in summary["labels"]]


def rows(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text().splitlines()]


def test_weight_column_weights_objective_and_centers(folder: Path, capsys) -> None:
    summary, table, out = solve_cli(folder, POINTS + "clusters: {sizes: [4, 4, 4]}\n" + SOLVER, capsys)
    problem = fsclust.Problem.create(X, sizes=[4, 4, 4], sample_weight=W)
    expected = solve(problem, n_init=4, random_state=3)
    assert labels_of(summary) == expected.labels.tolist()
    assert summary["objective"] == pytest.approx(expected.objective, rel=1e-12)
    centers = [[float(v) for v in row[1:]] for row in rows(out / "centers.csv")[1:]]
    np.testing.assert_allclose(centers, expected.centers, rtol=1e-12)
    assert rows(out / "centers.csv")[0] == ["cluster", "x", "y"]         # hours is not a feature
    for j, cluster in enumerate(summary["clusters"]):
        assert cluster["weight"] == pytest.approx(W[expected.labels == j].sum())
        assert cluster["size"] == 4
    assert sum(c["sse"] for c in summary["clusters"]) == pytest.approx(expected.objective)
    assert summary["total_weight"] == pytest.approx(W.sum()) and summary["size_unit"] == "count"
    header, *lines = table.splitlines()[1:6]
    assert header.split() == ["cluster", "size", "weight", "SSE", "mean", "dist"]
    assert lines[-1].split()[:3] == ["total", "12", f"{W.sum():g}"]


def test_weights_file_with_a_matrix_feeds_weighted_mds_means(folder: Path, capsys) -> None:
    summary, _, _ = solve_cli(folder, MATRIX + "clusters: {k: 3}\n" + SOLVER, capsys)
    embedded = classical_mds(D).X
    expected = solve(fsclust.Problem.create(embedded, n_clusters=3, sample_weight=W), n_init=4,
                     random_state=3)
    assert labels_of(summary) == expected.labels.tolist()
    assert summary["objective"] == pytest.approx(expected.objective, rel=1e-9)
    assert [c["weight"] for c in summary["clusters"]] == pytest.approx(
        [W[expected.labels == j].sum() for j in range(3)])


def test_size_unit_weight_bounds_total_weights(folder: Path, capsys) -> None:
    body = POINTS + ("clusters: {size_unit: weight, size_min: [5, 5, 5.5], size_max: [7.5, 7, 7]}\n"
                     + SOLVER)
    summary, table, _ = solve_cli(folder, body, capsys)
    problem = fsclust.Problem.create(X, size_min=[5, 5, 5.5], size_max=[7.5, 7, 7], sample_weight=W,
                                     size_unit="weight")
    expected = solve(problem, n_init=4, random_state=3)
    assert labels_of(summary) == expected.labels.tolist()
    assert summary["objective"] == pytest.approx(expected.objective, rel=1e-12)
    totals = [math.fsum(W[expected.labels == j]) for j in range(3)]
    assert [c["weight"] for c in summary["clusters"]] == totals
    assert all(lo <= t <= hi for lo, t, hi in zip([5, 5, 5.5], totals, [7.5, 7, 7], strict=True))
    assert (summary["size_unit"], summary["solver"]) == ("weight", "cpsat")
    assert [line.split()[2] for line in table.splitlines()[2:5]] == [f"{t:g}" for t in totals]


def test_capacity_method_key_reaches_the_library(folder: Path, capsys) -> None:
    body = POINTS + ("clusters: {size_unit: weight, size_min: [5, 5, 5.5], size_max: [7.5, 7, 7]}\n"
                     "solver: {restarts: 4, seed: 3, capacity_method: lp-round}\n")
    summary, _, _ = solve_cli(folder, body, capsys)
    assert load_spec(folder / "spec.yaml").solver.capacity_method == "lp-round"
    problem = fsclust.Problem.create(X, size_min=[5, 5, 5.5], size_max=[7.5, 7, 7], sample_weight=W,
                                     size_unit="weight")
    expected = solve(problem, capacity_method="lp-round", n_init=4, random_state=3)
    assert labels_of(summary) == expected.labels.tolist()
    assert summary["solver"] == "lp-round"


def test_per_cluster_bounds_lists(folder: Path, capsys) -> None:
    body = POINTS + "clusters: {size_min: [2, 3, 4], size_max: [3, 4, 6]}\n" + SOLVER
    summary, _, _ = solve_cli(folder, body, capsys)
    sizes = load_spec(folder / "spec.yaml").problem.sizes
    assert sizes.lo.tolist() == [2, 3, 4] and sizes.hi.tolist() == [3, 4, 6]
    expected = solve(fsclust.Problem.create(X, size_min=[2, 3, 4], size_max=[3, 4, 6],
                                            sample_weight=W), n_init=4, random_state=3)
    assert labels_of(summary) == expected.labels.tolist()
    assert all(lo <= c["size"] <= hi for c, lo, hi in zip(summary["clusters"], [2, 3, 4], [3, 4, 6],
                                                           strict=True))


def test_medoids_cluster_the_matrix_directly(folder: Path, capsys) -> None:
    body = ("data: {matrix: m.tsv}\nclusters: {sizes: [3, 4, 5], names: [A, B, C]}\n"
            "solver: {method: medoids, restarts: 4, seed: 3}\n")
    summary, table, out = solve_cli(folder, body, capsys)
    expected = solve_medoids(D, sizes=[3, 4, 5], n_init=4, random_state=3)
    assert labels_of(summary) == expected.labels.tolist()
    assert summary["objective"] == pytest.approx(expected.objective, rel=1e-12)
    medoids = [NAMES[i] for i in expected.centers]
    assert summary["medoids"] == medoids and summary["centers"] == expected.centers.tolist()
    assert rows(out / "medoids.csv") == [["cluster", "medoid"], *map(list, zip("ABC", medoids, strict=True))]
    from fsclust.app.outputs import MANIFEST, read_manifest

    listed = sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
    assert listed == sorted(read_manifest(out)["files"]) == ["labels.csv", "medoids.csv", "summary.json"]
    assert [c["cost"] for c in summary["clusters"]] == pytest.approx(
        [D[expected.labels == j, expected.centers[j]].sum() for j in range(3)])
    assert "mds" not in summary and summary["method"] == "medoids"
    assert table.splitlines()[1].split() == ["cluster", "size", "cost", "mean", "dist", "medoid"]
    assert table.splitlines()[2].split()[-1] == medoids[0]


def test_medoids_on_points_use_euclidean_distances_and_weights(folder: Path, capsys) -> None:
    body = ("data: {points: p.csv, name_column: site, columns: [x, y], weights: w.csv}\n"
            "clusters: {k: 3, size_unit: weight, size_max: 7.5}\n"
            "solver: {method: medoids, init: random, restarts: 4, seed: 3}\n")
    summary, _, _ = solve_cli(folder, body, capsys)
    expected = solve_medoids(pairwise_distances(X), n_clusters=3, size_max=7.5, sample_weight=W,
                             size_unit="weight", init="random", n_init=4, random_state=3)
    assert labels_of(summary) == expected.labels.tolist()
    assert summary["objective"] == pytest.approx(expected.objective, rel=1e-12)
    assert all(c["weight"] <= 7.5 for c in summary["clusters"])


def test_medoids_override_mode_overrides_the_matrix_without_mds(folder: Path) -> None:
    (folder / "s.yaml").write_text("data: {matrix: m.tsv}\nclusters: {k: 3}\nsolver: {method: medoids}\n"
                                   "constraints: {mode: override, must_link: [[s00, s11]]}\n")
    spec = load_spec(folder / "s.yaml")
    links = make_links(12, [[0, 11]], [])
    np.testing.assert_array_equal(spec.problem.X, override_distances(D, links))
    assert spec.embedding is None and spec.features == NAMES and spec.problem.links is None


def test_medoids_with_hard_constraints_keep_them(folder: Path, capsys) -> None:
    body = ("data: {matrix: m.tsv}\nclusters: {k: 3}\nsolver: {method: medoids, restarts: 2}\n"
            "constraints: {must_link: [[s00, s11]], cannot_link: [[s04, s05]]}\n")
    summary, _, _ = solve_cli(folder, body, capsys)
    cluster = dict(zip(NAMES, summary["labels"], strict=True))
    assert cluster["s00"] == cluster["s11"] and cluster["s04"] != cluster["s05"]
    assert summary["solver"] == "cpsat"


def test_weight_capacity_no_packing_meets_is_infeasible(folder: Path, capsys) -> None:
    # Every bound passes the up-front checks (sum 9 >= 9, each point fits), but no two points
    # fit together, so two clusters cannot hold three points: CP-SAT proves it while solving.
    (folder / "p.csv").write_text("site,x,y,hours\na,0,0,3\nb,1,0,3\nc,2,0,3\n")
    (folder / "spec.yaml").write_text(POINTS + "clusters: {k: 2, size_unit: weight, size_max: 4.5}\n"
                                      "output: {dir: out}\n")
    assert main(["validate", str(folder / "spec.yaml")]) == 0
    capsys.readouterr()
    assert main(["solve", str(folder / "spec.yaml"), "--quiet"]) == 1
    assert capsys.readouterr().err == ("fsclust: error: CP-SAT proved that no assignment meets the "
                                       "total-weight bounds (weights scaled exactly)\n")
    assert not (folder / "out").exists()


def test_missing_weights_file(folder: Path) -> None:
    (folder / "s.yaml").write_text("data: {points: p.csv, name_column: site, weights: nope.csv}\n"
                                   "clusters: {k: 2}\n")
    with pytest.raises(SpecError) as info:
        load_spec(folder / "s.yaml")
    assert str(info.value).startswith(f"{folder / 's.yaml'}: data.weights: must be an existing file "
                                      "(relative to the spec), got '")


SPEC_ERRORS = [
    (POINTS.replace("hours}", "[hours]}") + "clusters: {k: 2}\n",
     "data.weight_column: must be a name (string) or an index >= 0, got ['hours']"),
    ("data: {points: p.csv, weights: 3}\nclusters: {k: 2}\n",
     "data.weights: must be a non-empty string, got 3"),
    (POINTS + "clusters: {k: 2, size_unit: kilos}\n",
     "clusters.size_unit: must be one of 'count', 'weight', got 'kilos'"),
    (POINTS + "clusters: {k: 2}\nsolver: {method: kmedians}\n",
     "solver.method: must be one of 'means', 'medoids', got 'kmedians'"),
    (POINTS.replace("hours}", "hours, weights: w.csv}") + "clusters: {k: 2}\n",
     "data: must be given at most one of 'weights' and 'weight_column', got 'both'"),
    ("data: {matrix: m.tsv, weight_column: hours}\nclusters: {k: 2}\n",
     "data.weight_column: must be omitted for a distance matrix, got 'hours'"),
    (POINTS.replace("hours}", "9}") + "clusters: {k: 2}\n",
     "data.weight_column: must be a column index in [0, 4) (PATH/p.csv has 4 columns), got 9"),
    ("data: {points: p.csv, name_column: site, weights: p.csv}\nclusters: {k: 2}\n",
     "data.weights: must be a file with two columns (point name, weight), got 4 columns"),
    ("data: {points: p.csv, weight_column: site}\nclusters: {k: 2}\n",
     "data.points: PATH/p.csv:2: column 'site' must hold numbers, got 's00'"),
    ("data: {points: p.csv, weight_column: hours, name_column: site, columns: []}\nclusters: {k: 2}\n",
     "data.columns: must be a list of at least 1 item(s), got []"),
    ("data: {matrix: m.tsv}\nclusters: {k: 2, size_unit: weight, size_max: 9}\n",
     "clusters.size_unit: must be 'count' unless the data has weights (data.weights or "
     "data.weight_column), got 'weight'"),
    (POINTS + "clusters: {k: 2, size_unit: weight}\n",
     "clusters: must be a mapping with 'sizes' or 'size_min'/'size_max' (total weights), got None"),
    (POINTS + "clusters: {size_unit: weight, size_max: 9}\n",
     "clusters.k: must be given when no list (sizes, or per-cluster size_min / size_max) fixes the "
     "number of clusters, got None"),
    (POINTS + "clusters: {k: 2, size_unit: weight, size_max: -1}\n",
     "clusters.size_max: must be a finite number >= 0, got -1"),
    (POINTS + "clusters: {size_unit: weight, size_min: [1, -0.5]}\n",
     "clusters.size_min[1]: must be a finite number >= 0, got -0.5"),
    (POINTS + "clusters: {k: 2, size_unit: weight, size_max: .inf}\n",
     "clusters.size_max: must be a finite number >= 0, got inf"),
    (POINTS + "clusters: {k: 2, size_max: 7.5}\n", "clusters.size_max: must be an integer >= 0, got 7.5"),
    (POINTS + "clusters: {k: 2, size_unit: weight, size_max: 20}\nsolver: {backend: hungarian}\n",
     "solver.backend: must be 'auto' (the default) with clusters.size_unit: weight, where "
     "solver.capacity_method chooses the assignment method, got 'hungarian'"),
    (POINTS + "clusters: {k: 2, size_unit: weight, size_max: 20}\nsolver: {backend: cpsat}\n",
     f"solver.backend: must be one of {', '.join(map(repr, ['auto', *fsclust.solver_names()]))} "
     "(capacity methods such as 'cpsat' have their own setting, capacity_method), got 'cpsat'"),
    (POINTS + "clusters: {k: 2}\nsolver: {backend: lp-round}\n",
     "solver.backend: must be one of 'auto', 'flow', 'hungarian', 'lp', 'dual' (capacity methods "
     "such as 'lp-round' have their own setting, capacity_method), got 'lp-round'"),
    (POINTS + "clusters: {k: 2}\nsolver: {backend: gurobi}\n",
     "solver.backend: must be one of 'auto', 'flow', 'hungarian', 'lp', 'dual', got 'gurobi'"),
    (POINTS + "clusters: {k: 2}\nsolver: {capacity_method: cpsat}\n",
     "solver.capacity_method: must be 'auto' (the default) with clusters.size_unit: count (capacity "
     "methods are for total-weight sizes), got 'cpsat'"),
    (POINTS + "clusters: {k: 2, size_unit: weight, size_max: 20}\nsolver: {capacity_method: flow}\n",
     "solver.capacity_method: must be one of 'auto', 'cpsat', 'lp-round', got 'flow'"),
    (POINTS + "clusters: {k: 2, size_unit: weight, size_max: 20}\nconstraints: {must_link: [[s00, s01]]}\n",
     "constraints.mode: must be 'override' with clusters.size_unit: weight (hard must-link / "
     "cannot-link need count sizes), got 'hard'"),
    ("data: {matrix: m.tsv, mds_dims: 2}\nclusters: {k: 2}\nsolver: {method: medoids}\n",
     "data.mds_dims: must be omitted with solver.method: medoids (no MDS is done), got 2"),
    ("data: {matrix: m.tsv}\nclusters: {k: 2}\nsolver: {method: medoids, init: k-means++}\n",
     "solver.init: must be one of 'k-medoids++', 'random' with solver.method: medoids, got 'k-means++'"),
    ("data: {matrix: m.tsv}\nclusters: {k: 2}\nsolver: {init: k-medoids++}\n",
     "solver.init: must be one of 'k-means++', 'random', 'size-aware' with solver.method: means, "
     "got 'k-medoids++'"),
]


@pytest.mark.parametrize(("body", "message"), SPEC_ERRORS)
def test_spec_errors_are_exact(folder: Path, body: str, message: str) -> None:
    (folder / "s.yaml").write_text(body)
    with pytest.raises(SpecError) as info:
        load_spec(folder / "s.yaml")
    assert str(info.value) == f"{folder / 's.yaml'}: " + message.replace("PATH", str(folder))


@pytest.mark.parametrize(("row", "message"), [
    ("s03,-3", "data.weights: must be a weight >= 0 for every point, got -3 for point 's03'"),
    ("s03,-0.5", "data.weights: must be a weight >= 0 for every point, got -0.5 for point 's03'"),
    ("", "data.weights: must be a file with a row for every point of the data, got no row for "
         "point 's03' (1 point(s) missing)"),
    ("s03,3\nzz,1", "data.weights: must be a file with rows for points of the data only, got "
                    "unknown point 'zz'"),
])
def test_bad_weights_file_names_the_point(folder: Path, row: str, message: str) -> None:
    (folder / "w.csv").write_text(_weights_csv([0, 1, 2, *range(4, 12)]) + row + "\n")
    (folder / "s.yaml").write_text("data: {points: p.csv, name_column: site, weights: w.csv}\n"
                                   "clusters: {k: 2}\n")
    with pytest.raises(SpecError) as info:
        load_spec(folder / "s.yaml")
    assert str(info.value) == f"{folder / 's.yaml'}: {message}"


def test_negative_weight_column_names_the_point(folder: Path) -> None:
    (folder / "p.csv").write_text(_points_csv().replace("s03,1,1,3", "s03,1,1,-3"))
    (folder / "s.yaml").write_text(POINTS + "clusters: {k: 2}\n")
    with pytest.raises(SpecError) as info:
        load_spec(folder / "s.yaml")
    assert str(info.value) == (f"{folder / 's.yaml'}: data.weight_column: must be a weight >= 0 for "
                               "every point, got -3 for point 's03'")


@pytest.mark.parametrize(("clusters", "message"), [
    ("{k: 3, size_min: [1, 1, 5], size_max: [6, 6, 4]}", "clusters.size_min[2]=5 > clusters.size_max[2]=4"),
    ("{size_max: [4, 4, 3]}",
     "clusters.size_max sums to 11 < 12 points: no assignment can place every point"),
    ("{size_min: [4, 4, 5]}",
     "clusters.size_min sums to 13 > 12 points: the minimum sizes cannot all be met"),
    ("{sizes: [4, 4, 5]}", "clusters.sizes sum to 13 but the data has 12 rows"),
    ("{size_unit: weight, size_min: [1, 1, 7.5], size_max: [9, 9, 7]}",
     "clusters.size_min[2]=7.5 > clusters.size_max[2]=7 (total weights)"),
    ("{size_unit: weight, size_max: [6, 6, 7.5]}",
     "clusters.size_max sums to 19.5 < total weight 20: no assignment can place every point"),
    ("{size_unit: weight, size_min: [7, 7, 6.5]}",
     "clusters.size_min sums to 20.5 > total weight 20: the minimum total weights cannot all be met"),
    ("{size_unit: weight, sizes: [7, 7, 6.5]}", "clusters.sizes sum to 20.5 but the total weight is 20"),
    ("{k: 6, size_unit: weight, size_max: 3.5}",
     "clusters.size_max: point 8 has weight 4 > the largest clusters.size_max 3.5: it fits in no "
     "cluster"),
])
def test_infeasible_sizes_name_the_spec_path(folder: Path, clusters: str, message: str) -> None:
    (folder / "s.yaml").write_text(POINTS + f"clusters: {clusters}\n")
    with pytest.raises(InfeasibleError) as info:
        load_spec(folder / "s.yaml")
    assert str(info.value) == f"{folder / 's.yaml'}: {message}"
