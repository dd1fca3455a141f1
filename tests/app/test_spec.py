"""YAML specs: defaults, relative paths, exact path-aware error messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fsclust import InfeasibleError, SpecError, load_spec, solver_names
from fsclust.app.workflow import with_overrides

POINTS = "name,x,y\na,0,0\nb,0,1\nc,4,4\nd,4,5\ne,9,9\nf,9,8\n"


@pytest.fixture
def spec_file(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "p.csv").write_text(POINTS)

    def write(body: str) -> Path:
        path = tmp_path / "s.yaml"
        path.write_text("data: {points: data/p.csv, name_column: name}\n" + body)
        return path
    return write


def test_defaults_and_relative_paths(spec_file) -> None:
    spec = load_spec(spec_file("clusters: {k: 3}\noutput: {dir: res}\n"))
    assert spec.problem.X.shape == (6, 2)
    assert spec.point_names == list("abcdef")
    assert spec.cluster_names == ["cluster-1", "cluster-2", "cluster-3"]
    assert spec.problem.sizes.lo.tolist() == [2, 2, 2]
    assert (spec.solver.backend, spec.solver.restarts, spec.solver.seed) == ("auto", 10, 0)
    assert spec.solver.capacity_method == "auto"
    assert spec.output.dir == spec.path.parent / "res"
    assert spec.features == ["x", "y"] and spec.problem.links is None


def test_fractions_and_bounds(spec_file) -> None:
    assert load_spec(spec_file("clusters: {sizes: [0.5, 0.5]}\n")).problem.sizes.lo.tolist() == [3, 3]
    bounds = load_spec(spec_file("clusters: {k: 2, size_min: 2, size_max: [4, 3]}\n")).problem.sizes
    assert bounds.lo.tolist() == [2, 2] and bounds.hi.tolist() == [4, 3]


def test_hard_constraints_by_name_and_index(spec_file) -> None:
    spec = load_spec(spec_file("clusters: {k: 3}\nconstraints:\n  must_link: [[a, 2]]\n"
                               "  cannot_link: [[b, c]]\n"))
    assert spec.problem.links.groups == ((0, 2),)
    assert spec.problem.links.cannot == ((1, 2),)


def test_override_mode_embeds_points(spec_file) -> None:
    spec = load_spec(spec_file("clusters: {k: 3}\nconstraints: {mode: override, must_link: [[a, e]]}\n"))
    assert spec.problem.links is None and spec.embedding is not None
    X = spec.problem.X
    assert np.linalg.norm(X[0] - X[4]) < 0.7 * np.linalg.norm(spec.points[0] - spec.points[4])
    assert spec.points is not None and spec.features[0] == "mds1"


@pytest.mark.parametrize(("body", "message"), [
    ("clusters: {sizes: [2, 2, -1]}\n", "clusters.sizes[2]: must be an integer >= 0, got -1"),
    ("clusters: {sizes: [0.5, 0.4]}\n", "clusters.sizes: must be fractions summing to 1, got [0.5, 0.4]"),
    ("clusters: {k: 2, names: [x]}\n",
     "clusters.names: must be a list of 2 names (one per cluster), got ['x']"),
    ("clusters: {k: 2}\nsolver: {restarts: 1.5}\n", "solver.restarts: must be an integer >= 1, got 1.5"),
    ("clusters: {k: 2}\nsolver: {backend: gurobi}\n", "solver.backend: must be one of 'auto'"),
    ("clusters: {k: 2}\nsolverr: {}\n", "solverr: must be a known key (one of description, data, clusters"),
    ("clusters: {k: 2}\nconstraints: {must_link: [[a]]}\n",
     "constraints.must_link[0]: must be a list of at least 2 item(s), got ['a']"),
    ("clusters: {k: 2}\nconstraints: {cannot_link_distance: 5}\n",
     "constraints.cannot_link_distance: must be omitted in hard mode, got 5"),
    ("clusters: {k: 2}\nclusters: {k: 3}\n", "line 3, column 1: invalid YAML: duplicate key 'clusters'"),
    ("", "clusters: must be given (a mapping), got 'nothing'"),
    ("clusters: {k: 2}\ndata: 3\n", "duplicate key 'data'"),
    ("clusters: {sizes: [3, 3], size_min: 1}\n",
     "clusters.sizes: must be None (omitted) when 'size_min' or 'size_max' is given, got [3, 3]"),
    ("clusters: {k: 2}\nsolver: {tol: .nan}\n", "solver.tol: must be a number >= 0, got nan"),
    ("clusters: {k: 2, size_max: [3, 3, 3]}\n",
     "clusters.size_max: must be of length n_clusters=2, got length 3"),
])
def test_error_messages_name_file_path_rule_value(spec_file, body: str, message: str) -> None:
    path = spec_file(body)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_points_and_matrix_together(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("data: {points: a.csv, matrix: b.tsv}\nclusters: {k: 2}\n")
    with pytest.raises(SpecError, match=r"data: must be given exactly one of 'points' and 'matrix', "
                                        r"got 'both'"):
        load_spec(path)


def test_column_errors(spec_file) -> None:
    path = spec_file("clusters: {k: 2}\n")
    path.write_text(path.read_text().replace("name_column: name", "name_column: name, columns: [x, z]"))
    with pytest.raises(SpecError, match=r"s\.yaml: data\.columns: must be a column of .*p\.csv \(one "
                                        r"of \['name', 'x', 'y'\]\), got 'z'$"):
        load_spec(path)


def test_infeasible_constraints_keep_their_type(spec_file) -> None:
    body = "clusters: {k: 2}\nconstraints: {cannot_link: [[a, b, c]]}\n"
    with pytest.raises(InfeasibleError,
                       match=r"s\.yaml: constraints: points a, b, c are mutually cannot-linked"):
        load_spec(spec_file(body))


def test_cli_overrides_use_schema_rules(spec_file) -> None:
    spec = load_spec(spec_file("clusters: {k: 2}\n"))
    assert with_overrides(spec, restarts=3, seed=5).solver.restarts == 3
    with pytest.raises(SpecError, match=r"^--seed: must be an integer >= 0, got -1$"):
        with_overrides(spec, seed=-1)
    with pytest.raises(SpecError) as info:
        with_overrides(spec, backend="lp-round")
    names = ", ".join(repr(name) for name in ["auto", *solver_names()])
    assert str(info.value) == (f"--solver: must be one of {names} (capacity methods such as "
                               "'lp-round' have their own setting, capacity_method), got 'lp-round'")
    with pytest.raises(SpecError) as info:
        with_overrides(spec, capacity_method="lp-round")
    assert str(info.value) == ("--capacity-method: must be 'auto' (the default) with clusters.size_unit: "
                               "count (capacity methods are for total-weight sizes), got 'lp-round'")
    with pytest.raises(SpecError, match=r"^--capacity-method: must be one of 'auto', 'cpsat', "
                                        r"'lp-round', got 'exact'$"):
        with_overrides(spec, capacity_method="exact")
    assert with_overrides(spec, backend="lp").solver.backend == "lp"


def test_time_limit_reaches_the_cpsat_step(spec_file, monkeypatch: pytest.MonkeyPatch) -> None:
    import fsclust.app.workflow as workflow
    from fsclust.engine.driver import resolve_backend

    seen = {}
    monkeypatch.setattr(workflow, "run_model", lambda problem, model, options: seen.update(
        solver=resolve_backend(problem, options.solver, options.time_limit), options=options))
    spec = load_spec(spec_file("clusters: {k: 3}\nconstraints: {must_link: [[a, b]]}\n"
                               "solver: {time_limit: 2.5, restarts: 4}\n"))
    workflow.solve_spec(spec)
    assert seen["solver"].name == "cpsat" and seen["solver"].time_limit == 2.5
    assert seen["options"].n_init == 4 and seen["options"].random_state == 0


def test_npy_points_and_matrix(tmp_path: Path) -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0]])
    np.save(tmp_path / "x.npy", X)
    from fsclust.pairwise.mds import pairwise_distances

    np.save(tmp_path / "d.npy", pairwise_distances(X))
    (tmp_path / "p.yaml").write_text("data: {points: x.npy, columns: [1]}\nclusters: {k: 2}\n")
    assert load_spec(tmp_path / "p.yaml").problem.X.tolist() == [[0.0], [1.0], [5.0], [6.0]]
    (tmp_path / "m.yaml").write_text("data: {matrix: d.npy}\nclusters: {k: 2}\n")
    spec = load_spec(tmp_path / "m.yaml")
    assert spec.point_names == ["0", "1", "2", "3"] and spec.embedding.stress < 1e-8
    bad = pairwise_distances(X)
    bad[0, 3] = np.nan
    np.save(tmp_path / "d.npy", bad)
    with pytest.raises(SpecError, match=r"m\.yaml: data\.matrix: .*d\.npy: entries must be finite, "
                                        r"got nan at \[0, 3\]"):
        load_spec(tmp_path / "m.yaml")


def test_matrix_rows_must_match_columns(tmp_path: Path) -> None:
    (tmp_path / "m.tsv").write_text("n\ta\tb\nb\t0\t1\na\t1\t0\n")
    (tmp_path / "s.yaml").write_text("data: {matrix: m.tsv}\nclusters: {k: 2}\n")
    with pytest.raises(SpecError, match=r"m\.tsv:2: row 0 is named 'b' but column 0 is 'a'"):
        load_spec(tmp_path / "s.yaml")
    (tmp_path / "m.tsv").write_text("n\ta\ta\na\t0\t1\na\t1\t0\n")
    with pytest.raises(SpecError, match=r"column names must be unique, but 'a' appears at positions 0 and 1"):
        load_spec(tmp_path / "s.yaml")
    (tmp_path / "m.tsv").write_text("n\ta\tb\tc\na\t0\t1\t1\nb\t1\t0\t1\n")
    with pytest.raises(SpecError, match=r"must be square, but it has 2 rows and 3 named columns"):
        load_spec(tmp_path / "s.yaml")
