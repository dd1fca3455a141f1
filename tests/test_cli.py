"""The command line: exit codes, one-line errors, nothing written on failure, every model runs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from fsclust.cli import main

MODELS = Path(__file__).resolve().parents[1] / "models"
GOOD_MATRIX = "name\ta\tb\tc\td\na\t0\t1\t4\t5\nb\t1\t0\t3\t4\nc\t4\t3\t0\t1\nd\t5\t4\t1\t0\n"
POINTS = "id,x,y\np0,0,0\np1,0,1\np2,5,5\np3,5,6\n"


def make_spec(tmp_path: Path, spec: str, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        target = tmp_path / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    path = tmp_path / "spec.yaml"
    path.write_text(spec)
    return path


def written_set(folder: Path) -> list[str]:
    """The names of the output files in ``folder``, checked against its manifest (which lists
    exactly them; nothing else is in the folder)."""
    from fsclust.app.outputs import MANIFEST, read_manifest

    names = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST)
    manifest = read_manifest(folder)
    assert manifest is not None and "pending" not in manifest
    assert sorted(manifest["files"]) == names
    return names


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


WPOINTS = "id,x,y,w\np0,0,0,1\np1,0,1,2\np2,5,5,2\np3,5,6,3\n"
WP = "data: {points: p.csv, name_column: id, weight_column: w}\nclusters: {k: 2}\n"
M = "data: {matrix: m.tsv}\nclusters: {k: 2}\n"
P = "data: {points: p.csv, name_column: id}\nclusters: {k: 2}\n"
BAD = {
    "missing file": ("data: {points: nope.csv}\nclusters: {k: 2}\n", {},
                     r"data\.points: must be an existing file"),
    "empty file": (P, {"p.csv": ""}, r"p\.csv: the file is empty"),
    "non-numeric": (P, {"p.csv": "id,x,y\np0,0,zero\np1,1,1\n"},
                    r"p\.csv:2: column 'y' must hold numbers, got 'zero'"),
    "nan": (P, {"p.csv": "id,x,y\np0,0,nan\np1,1,1\n"}, r"column 'y' must be finite, got 'nan'"),
    "inf in matrix": (M, {"m.tsv": GOOD_MATRIX.replace("\t5\nb", "\tinf\nb")},
                      r"m\.tsv:2: column 'd' must be finite, got 'inf'"),
    "ragged rows": (P, {"p.csv": "id,x,y\np0,0,1\np1,1\n"},
                    r"p\.csv:3: ragged rows: this row has 2 cells but the header has 3"),
    "asymmetric": (M, {"m.tsv": GOOD_MATRIX.replace("b\t1\t0", "b\t2\t0")},
                   r"data\.matrix: must be symmetric, got d\[a, b\] = 1 but d\[b, a\] = 2"),
    "negative": (M, {"m.tsv": GOOD_MATRIX.replace("c\t4\t3", "c\t-4\t3").replace("\t4\t5\nb", "\t-4\t5\nb")},
                 r"data\.matrix: must be non-negative, got d\[a, c\] = -4, d\[c, a\] = -4"),
    "name not found": (M + "constraints: {must_link: [[a, zed]]}\n", {"m.tsv": GOOD_MATRIX},
                       r"constraints\.must_link\[0\]\[1\]: must be a point name from the data .* got 'zed'"),
    "duplicate names": (P, {"p.csv": "id,x,y\np0,0,0\np0,1,1\n"},
                        r"row names must be unique, but 'p0' appears"),
    "sizes sum": ("data: {points: p.csv, name_column: id}\nclusters: {sizes: [1, 2]}\n", {"p.csv": POINTS},
                  r"clusters\.sizes sum to 3 but the data has 4 rows"),
    "k > n": ("data: {points: p.csv, name_column: 0}\nclusters: {k: 9}\n", {"p.csv": POINTS},
              r"clusters\.k: n_clusters=9 exceeds the number of points \(4\)"),
    "yaml syntax": ("data:\n  points: p.csv\n clusters: [\n", {"p.csv": POINTS},
                    r"spec\.yaml: line 3, column 2: invalid YAML"),
    "wrong type": ("data: {points: p.csv}\nclusters: {k: two}\n", {"p.csv": POINTS},
                   r"clusters\.k: must be an integer >= 1, got 'two'"),
    "unknown key": ("data: {points: p.csv}\nclusters: {k: 2, colour: red}\n", {"p.csv": POINTS},
                    r"clusters\.colour: must be a known key"),
    "infeasible constraints": (M + "constraints: {must_link: [[a, b]], cannot_link: [[a, b]]}\n",
                               {"m.tsv": GOOD_MATRIX},
                               r"cannot-link pair \(a, b\) lies inside the must-link group"),
    "negative weight": (WP, {"p.csv": WPOINTS.replace("p1,0,1,2", "p1,0,1,-2")},
                        r"spec\.yaml: data\.weight_column: must be a weight >= 0 for every point, "
                        r"got -2 for point 'p1'\n"),
    "weight column missing": (WP.replace("weight_column: w", "weight_column: kg"), {"p.csv": WPOINTS},
                              r"data\.weight_column: must be a column of .*p\.csv \(one of "
                              r"\['id', 'x', 'y', 'w'\]\), got 'kg'"),
    "medoids with mds_dims": ("data: {matrix: m.tsv, mds_dims: 2}\nclusters: {k: 2}\n"
                              "solver: {method: medoids}\n", {"m.tsv": GOOD_MATRIX},
                              r"data\.mds_dims: must be omitted with solver\.method: medoids \(no MDS "
                              r"is done\), got 2"),
    "weight capacity": (WP.replace("{k: 2}", "{k: 2, size_unit: weight, size_max: 3.5}"),
                        {"p.csv": WPOINTS},
                        r"spec\.yaml: clusters\.size_max sums to 7 < total weight 8: no assignment "
                        r"can place every point\n"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_one_line_nonzero_nothing_written(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    case: str) -> None:
    spec_text, files, pattern = BAD[case]
    spec = make_spec(tmp_path, spec_text, files)
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, stderr = run_cli(capsys, "solve", str(spec), "--out", str(out), "--plot",
                                   str(out / "p.png"), "--quiet")
    assert code == 1
    assert stdout == ""
    assert stderr.startswith("fsclust: error: ") and stderr.count("\n") == 1
    assert "Traceback" not in stderr
    assert str(spec) in stderr or "nope.csv" in stderr
    assert __import__("re").search(pattern, stderr), stderr
    assert list(out.iterdir()) == []
    assert run_cli(capsys, "validate", str(spec))[0] == 1


def test_missing_spec_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "solve", str(tmp_path / "none.yaml"))
    assert code == 1
    assert err == f"fsclust: error: {tmp_path / 'none.yaml'}: No such file or directory\n"


def test_usage_error_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "solve", "x.yaml", "--restarts", "many")
    assert code == 2
    assert err.count("\n") == 1 and "--restarts" in err


def test_override_validation_names_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = make_spec(tmp_path, P, {"p.csv": POINTS})
    code, _, err = run_cli(capsys, "solve", str(spec), "--restarts", "0")
    assert (code, err) == (1, "fsclust: error: --restarts: must be an integer >= 1, got 0\n")
    code, _, err = run_cli(capsys, "solve", str(spec), "--solver", "magic")
    assert code == 1 and "--solver: must be one of 'auto'" in err


def test_solvers_lists_registry(capsys: pytest.CaptureFixture[str]) -> None:
    from fsclust.assign import SOLVERS

    code, out, _ = run_cli(capsys, "solvers")
    assert code == 0
    for name, solver in SOLVERS.items():
        assert any(line.startswith(name) and solver.library in line for line in out.splitlines())
    assert "cpsat" in out and "exact sizes" in out
    assert any(line.startswith("cpsat") and "hard must-link / cannot-link" in line
               for line in out.splitlines())
    assert out.splitlines()[-1].startswith("capacity methods") and "auto, cpsat, lp-round" in out


def test_solve_writes_outputs_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = make_spec(tmp_path, P + "output: {dir: res, plot: plot.png}\n", {"p.csv": POINTS})
    code, out, err = run_cli(capsys, "solve", str(spec), "--json", "--restarts", "3")
    assert code == 0
    summary = json.loads(out)
    assert sorted(summary["counts"]) == [2, 2]
    assert summary["objective"] == pytest.approx(1.0)
    assert sorted(tuple(c["members"]) for c in summary["clusters"]) == [("p0", "p1"), ("p2", "p3")]
    written = written_set(tmp_path / "res")
    assert written == ["centers.csv", "labels.csv", "plot.png", "summary.json"]
    labels = (tmp_path / "res" / "labels.csv").read_text().splitlines()
    assert labels[0] == "point,cluster" and len(labels) == 5
    assert (tmp_path / "res" / "plot.png").read_bytes()[:4] == b"\x89PNG"
    assert "restart 3/3" in err


def test_seed_makes_runs_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(MODELS / "iris-balanced.yaml")
    args = ("solve", spec, "--json", "--quiet", "--restarts", "3", "--seed", "7", "--out", str(tmp_path))
    first, again = (json.loads(run_cli(capsys, *args)[1]) for _ in range(2))
    assert first["labels"] == again["labels"] and first["objective"] == again["objective"]


@pytest.mark.parametrize("model", sorted(p.name for p in MODELS.glob("*.yaml")))
def test_every_model_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str], model: str) -> None:
    from fsclust import load_spec

    code, out, _ = run_cli(capsys, "solve", str(MODELS / model), "--restarts", "3", "--quiet",
                           "--out", str(tmp_path), "--plot", str(tmp_path / "p.png"))
    assert code == 0
    assert "total" in out and "status CONVERGED" in out
    centers = "medoids.csv" if load_spec(MODELS / model).medoids else "centers.csv"
    assert set(written_set(tmp_path)) == {"labels.csv", centers, "summary.json", "p.png"}


def test_karonkka_at_least_as_good_as_paper(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "solve", str(MODELS / "karonkka.yaml"), "--json", "--quiet",
                           "--out", str(tmp_path))
    assert code == 0
    clusters = json.loads(out)["clusters"]
    assert [c["size"] for c in clusters] == [4, 4, 5, 6, 3]
    pairs = np.array([c["size"] * (c["size"] - 1) / 2 for c in clusters])
    ours = float((pairs * [c["mean_distance"] for c in clusters]).sum())
    paper = float((pairs * [0.0, 5.5, 4.3, 4.8, 0.0]).sum())   # 148 over 40 table pairs
    assert ours <= paper + 1e-9


def test_parliament_tables_are_contiguous_on_the_axis(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "solve", str(MODELS / "parliament.yaml"), "--json", "--quiet",
                           "--out", str(tmp_path))
    assert code == 0
    summary = json.loads(out)
    assert [c["size"] for c in summary["clusters"]] == [55, 46, 36, 35, 28]
    rows = (MODELS / "data" / "parliament.csv").read_text().splitlines()[1:]
    position = {row.split(",")[0]: float(row.split(",")[2]) for row in rows}
    spans = sorted((min(position[m] for m in c["members"]), max(position[m] for m in c["members"]))
                   for c in summary["clusters"])
    assert all(left[1] <= right[0] for left, right in itertools.pairwise(spans))
    # In one dimension optimal fixed-size clusters are contiguous: try every order of the tables.
    x = np.sort(list(position.values()))
    bounds = [np.cumsum((0, *order)) for order in itertools.permutations([55, 46, 36, 35, 28])]
    best = min(sum(float(((x[a:b] - x[a:b].mean()) ** 2).sum()) for a, b in itertools.pairwise(cuts))
               for cuts in bounds)
    assert summary["objective"] == pytest.approx(best, rel=1e-9)


def test_plot_without_matplotlib_is_skipped_with_one_warning(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec(tmp_path, P, {"p.csv": POINTS})
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, "solve", str(spec), "--quiet", "--out", str(out), "--plot",
                                str(out / "p.png"))
    assert code == 0 and "status CONVERGED" in stdout
    assert err == (f"fsclust: warning: skipped the plot {out / 'p.png'}: matplotlib is not installed "
                   "(pip install 'fsclust[plot]')\n")
    assert written_set(out) == ["centers.csv", "labels.csv", "summary.json"]


def test_shipped_plot_model_runs_without_matplotlib(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """models/iris-balanced.yaml asks for a plot: a plain install (no matplotlib) still solves
    and writes every other output, with one warning line."""
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    code, out, err = run_cli(capsys, "solve", str(MODELS / "iris-balanced.yaml"), "--restarts", "2",
                             "--out", str(tmp_path))
    assert code == 0 and "status CONVERGED" in out
    warning = [line for line in err.splitlines() if line.startswith("fsclust: warning:")]
    assert warning == [f"fsclust: warning: skipped the plot {tmp_path / 'iris-balanced.png'}: "
                       "matplotlib is not installed (pip install 'fsclust[plot]')"]
    assert written_set(tmp_path) == ["centers.csv", "labels.csv", "summary.json"]


def test_no_plot_skips_the_spec_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = make_spec(tmp_path, P + "output: {dir: res, plot: plot.png}\n", {"p.csv": POINTS})
    code, _, err = run_cli(capsys, "solve", str(spec), "--quiet", "--no-plot")
    assert (code, err) == (0, "")
    assert written_set(tmp_path / "res") == ["centers.csv", "labels.csv", "summary.json"]
    code, _, err = run_cli(capsys, "solve", str(spec), "--no-plot", "--plot", str(tmp_path / "p.png"))
    assert code == 2 and "not allowed with argument" in err and err.count("\n") == 1


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.metadata

    import fsclust

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"fsclust {importlib.metadata.version('fsclust')}\n"
    assert fsclust.__version__ == importlib.metadata.version("fsclust")


def test_write_atomic_writes_all_or_nothing(tmp_path: Path) -> None:
    from fsclust.app.report import write_atomic

    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OSError):
        write_atomic({tmp_path / "a.csv": b"1\n", blocker / "b.csv": b"2\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]
    write_atomic({tmp_path / "a.csv": b"1\n"})
    assert (tmp_path / "a.csv").read_bytes() == b"1\n"


def test_hard_model_honours_its_constraints(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "solve", str(MODELS / "karonkka-hard.yaml"), "--json", "--quiet",
                           "--restarts", "5")
    assert code == 0
    summary = json.loads(out)
    table = {m: c["name"] for c in summary["clusters"] for m in c["members"]}
    assert len({table[m] for m in ("JR", "ER", "IR", "NR")}) == 1
    assert table["RH"] == table["PF"] and table["TK"] != table["VH"]
    assert len({table[m] for m in ("Outi", "Olavi", "PM")}) == 3
    assert summary["solver"] == "cpsat"


def test_validate_reports_problem_and_embedding(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "validate", str(MODELS / "karonkka-hard.yaml"))
    assert (code, err) == (0, "")
    assert "OK: 22 points" in out and "sizes [4, 4, 5, 6, 3]" in out
    assert "classical MDS:" in out and "2 must-link group(s), 4 cannot-link pair(s)" in out


def test_python_m_fsclust_process_prints_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "fsclust", "solve", str(tmp_path / "none.yaml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("fsclust: error: ")


def _read_csv(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text().splitlines()]


def test_workload_model_keeps_every_team_within_its_hours(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "solve", str(MODELS / "workload.yaml"), "--json", "--quiet",
                           "--restarts", "3", "--out", str(tmp_path))
    assert code == 0
    summary = json.loads(out)
    hours = {row[0]: float(row[3]) for row in _read_csv(MODELS / "data" / "workload.csv")[1:]}
    for cluster in summary["clusters"]:
        total = sum(hours[m] for m in cluster["members"])
        assert 70 <= total <= 80 and cluster["weight"] == pytest.approx(total, abs=1e-12)
    assert (summary["size_unit"], summary["total_weight"], summary["solver"]) == ("weight", 301.5, "cpsat")
    assert sum(c["size"] for c in summary["clusters"]) == 60
    code, out, _ = run_cli(capsys, "solve", str(MODELS / "workload.yaml"), "--json", "--quiet",
                           "--restarts", "2", "--capacity-method", "lp-round", "--out", str(tmp_path))
    summary = json.loads(out)
    assert code == 0 and summary["solver"] == "lp-round"
    assert all(70 <= c["weight"] <= 80 for c in summary["clusters"])
    code, _, err = run_cli(capsys, "solve", str(MODELS / "workload.yaml"), "--solver", "hungarian")
    assert (code, err) == (1, "fsclust: error: --solver: must be 'auto' (the default) with "
                              "clusters.size_unit: weight, where --capacity-method chooses the "
                              "assignment method, got 'hungarian'\n")


def test_karonkka_medoids_model_reports_its_medoids(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "solve", str(MODELS / "karonkka-medoids.yaml"), "--json",
                           "--quiet", "--restarts", "20", "--out", str(tmp_path))
    assert code == 0
    summary = json.loads(out)
    from fsclust.app.data_io import read_matrix

    table = read_matrix(MODELS / "data" / "karonkka.tsv")
    D, at = table.values, {name: i for i, name in enumerate(table.names)}
    for cluster in summary["clusters"]:
        assert cluster["medoid"] in cluster["members"]
        cost = sum(D[at[m], at[cluster["medoid"]]] for m in cluster["members"])
        assert cluster["cost"] == pytest.approx(cost)
    assert summary["objective"] == pytest.approx(sum(c["cost"] for c in summary["clusters"]))
    assert [c["size"] for c in summary["clusters"]] == [4, 4, 5, 6, 3]
    assert summary["method"] == "medoids" and "mds" not in summary
    written = _read_csv(tmp_path / "medoids.csv")
    assert written == [["cluster", "medoid"], *([c["name"], c["medoid"]] for c in summary["clusters"])]


def test_validate_reports_weights_and_total_weight_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "validate", str(MODELS / "workload.yaml"))
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == ["weights: total 301.5, min 1, max 8"]
    assert out.splitlines()[0].endswith("OK: 60 points, 2 dimension(s), 4 clusters of total weights "
                                        "between [70, 70, 70, 70] and [80, 80, 80, 80]")
    code, out, _ = run_cli(capsys, "validate", str(MODELS / "karonkka-medoids.yaml"))
    assert code == 0 and out.endswith("OK: 22 points, k-medoids on the 22 x 22 dissimilarities, "
                                      "5 clusters of sizes [4, 4, 5, 6, 3]\n")
