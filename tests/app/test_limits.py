"""Hostile specs and data files (issue 11, items 1, 2, 3, 6, 7): every one gives one clear line
(exit 1, or 2 for usage errors), fast, without a traceback and without writing anything."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

import fsclust
from fsclust import SpecError, ValidationError, load_spec
from fsclust.app.schema import MAX_SPEC_BYTES, MAX_VALUES
from fsclust.cli import main

MODELS = Path(__file__).resolve().parents[2] / "models"
POINTS = "id,x,y\np0,0,0\np1,0,1\np2,5,5\np3,5,6\n"
P = "data: {points: p.csv, name_column: id}\n"
MATRIX = "name\ta\tb\tc\td\na\t0\t1\t4\t5\nb\t1\t0\t3\t4\nc\t4\t3\t0\t1\nd\t5\t4\t1\t0\n"


def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, *args: str,
        files: dict[str, str | bytes] | None = None) -> tuple[int, str]:
    """Run ``fsclust solve`` on ``spec`` (written next to ``p.csv``); return (code, stderr) after
    checking the one-line, no-output contract."""
    for name, content in {"p.csv": POINTS, "m.tsv": MATRIX, **(files or {})}.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    path = tmp_path / "spec.yaml"
    path.write_text(spec)
    out = tmp_path / "out"
    code = main(["solve", str(path), "--quiet", "--out", str(out), *args])
    stdout, stderr = capsys.readouterr()
    assert code in (1, 2) and stdout == "" and "Traceback" not in stderr
    assert stderr.startswith("fsclust: error: ") and stderr.count("\n") == 1, stderr
    assert not out.exists()
    return code, stderr


def bomb(levels: int = 8) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefghij", "bcdefghijk"[: levels - 1], strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "description:\n  " + "\n  ".join(lines) + "\n"


# --- item 3: YAML ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "message"), [
    (bomb(), rf"invalid YAML: more than {MAX_VALUES} values once aliases are expanded"),
    ("description: " + "[" * 5000 + "]" * 5000 + "\n", r"line 1, column \d+: invalid YAML: nesting "
                                                       r"deeper than 64 levels"),
    ("description: &d [x, *d]\n", r"invalid YAML: a recursive alias \(a value containing itself\)"),
    ("description: x\nsolver: {restarts: " + "9" * 5000 + "}\n", r"invalid YAML: ValueError: Exceeds "
                                                                r"the limit \(4300 digits\)"),
    ("description: x\n{[1]: 2}: 3\n", r"invalid YAML: a key must be a plain value, not list"),
    ("description: x\n" + "#" * MAX_SPEC_BYTES, rf"the spec is larger than {MAX_SPEC_BYTES} bytes"),
])
def test_yaml_limits(tmp_path: Path, capsys, body: str, message: str) -> None:
    start = time.perf_counter()
    _, err = cli(tmp_path, capsys, body + P + "clusters: {k: 2}\n")
    assert re.search(message, err), err
    assert time.perf_counter() - start < 5.0


def test_values_are_shown_truncated_without_expanding_aliases(tmp_path: Path, capsys) -> None:
    body = bomb(5).replace("description:\n", "anchors:\n") + "description: *e\n"   # 59049 values
    with pytest.raises(SpecError) as info:
        load_spec(_write(tmp_path, "description: &e [&d [&c [x, y], *c], *d]\n" + P
                         + "clusters: {k: 2}\n"))
    assert "description: must be a non-empty string, got [[[" in str(info.value)
    start = time.perf_counter()
    _, err = cli(tmp_path, capsys, body.replace("anchors:\n  ", "x-anchors: ") + P + "clusters: {k: 2}\n")
    assert len(err) < 400 and time.perf_counter() - start < 5.0


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "p.csv").write_text(POINTS)
    path = tmp_path / "s.yaml"
    path.write_text(body)
    return path


# --- item 2: restarts ------------------------------------------------------------------------------
@pytest.mark.parametrize(("spec", "args", "code", "message"), [
    ("", ("--restarts", "1e25"), 2, r"argument --restarts: invalid int value: '1e25'"),
    ("", ("--restarts", "10000000000000000000000000"), 1,
     r"--restarts: must be an integer in \[1, 1_000_000\], got 1000000000000000000"),
    ("", ("--restarts", "4000000000"), 1, r"--restarts: must be an integer in \[1, 1_000_000\], got "
                                          r"4000000000"),
    ("solver: {restarts: 1e25}\n", (), 1, r"solver.restarts: must be an integer >= 1, got '1e25'"),
    ("solver: {restarts: 1.0e+25}\n", (), 1, r"solver.restarts: must be an integer >= 1, got 1e\+25"),
    ("solver: {restarts: 10000000000000000000000000}\n", (), 1,
     r"solver.restarts: must be an integer in \[1, 1_000_000\]"),
])
def test_restart_counts_are_bounded(tmp_path: Path, capsys, spec: str, args: tuple, code: int,
                                    message: str) -> None:
    start = time.perf_counter()
    got, err = cli(tmp_path, capsys, P + "clusters: {k: 2}\n" + spec, *args)
    assert got == code and re.search(message, err), err
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize("clusters", ["{k: 100000000, size_max: 5}",
                                      "{size_max: [5, 5], k: 10000000000000000000}"])
def test_cluster_counts_are_bounded(tmp_path: Path, capsys, clusters: str) -> None:
    start = time.perf_counter()
    _, err = cli(tmp_path, capsys, P + f"clusters: {clusters}\n")
    assert "clusters.k: must be at most max(n, 1000) = 1000 (more clusters than the 4 points can " \
           "only stay empty), got " in err
    assert time.perf_counter() - start < 5.0


# --- item 1: numeric range in specs ----------------------------------------------------------------
HUGE = "id,x,y\np0,0,0\np1,0,1e154\np2,5,5\np3,5,6\n"


@pytest.mark.parametrize("backend", ["flow", "dual", "lp", "hungarian"])
def test_huge_points_name_the_limit_on_every_backend(tmp_path: Path, capsys, backend: str) -> None:
    _, err = cli(tmp_path, capsys, P + "clusters: {k: 2}\n" + f"solver: {{backend: {backend}}}\n",
                 files={"p.csv": HUGE})
    assert re.search(r"spec.yaml: data.points: must be points of Euclidean norm "
                     r"<= 2.5e\+149 .*, got norm 1e\+154 at row 1", err), err


@pytest.mark.parametrize(("spec", "files", "message"), [
    ("data: {matrix: m.tsv}\nclusters: {k: 2}\n", {"m.tsv": MATRIX.replace("\t5\n", "\t1e160\n")
                                                  .replace("d\t5\t", "d\t1e160\t")},
     r"data.matrix: must be distances <= 1.25e\+149 .*, got 1e\+160"),
    ("data: {matrix: m.tsv}\nclusters: {k: 2}\nconstraints: {mode: override, cannot_link: [[a, b]], "
     "cannot_link_distance: 1.0e+200}\n", {},
     r"constraints.cannot_link_distance: must be distances <= 1.25e\+149"),
    (P + "clusters: {k: 2}\nconstraints: {mode: override, cannot_link: [[p0, p1]], "
     "cannot_link_distance: 1.0e+200}\n", {}, r"constraints.cannot_link_distance: must be distances"),
    ("data: {matrix: m.tsv}\nclusters: {k: 2}\nsolver: {method: medoids}\nconstraints: {mode: override, "
     "cannot_link: [[a, b]], cannot_link_distance: 1.0e+300}\n", {},
     r"constraints.cannot_link_distance: must be dissimilarities <= 1.25e\+299"),
    (P + "clusters: {k: 2}\nsolver: {method: medoids}\n", {"p.csv": HUGE.replace("0,1e154", "1e154,1e154")},
     r"data.points: must be dissimilarities <= 1.25e\+299 .*, got (nan|inf)"),
    ("data: {points: p.csv, name_column: id}\nclusters: {k: 2}\nconstraints: {mode: override, "
     "cannot_link: [[p2, p3]]}\n", {"p.csv": HUGE}, r"data.points: must be "
                                                     r"distances <= 1.25e\+149 .*, got 2e\+154 at \[2, 3\]"),
])
def test_matrices_and_link_distances_name_the_limit(tmp_path: Path, capsys, spec: str, files: dict,
                                                    message: str) -> None:
    _, err = cli(tmp_path, capsys, spec, files=files)
    assert re.search(message, err), err


# --- items 6 and 7: data files ---------------------------------------------------------------------
def test_complex_npy_and_odd_numbers_are_refused(tmp_path: Path, capsys) -> None:
    buffer = tmp_path / "c.npy"
    np.save(buffer, np.array([[1 + 2j, 0], [0, 1], [3, 3]]))
    _, err = cli(tmp_path, capsys, "data: {points: c.npy}\nclusters: {k: 2}\n")
    assert "c.npy: must hold real numbers (complex values are not supported), got dtype complex128" in err
    for cell in ("1_000", "١٢", "0x10", "infinity", "1e999"):
        _, err = cli(tmp_path, capsys, P + "clusters: {k: 2}\n",
                     files={"p.csv": POINTS.replace("p2,5,5", f"p2,{cell},5")})
        assert re.search(rf"p.csv:4: column 'x' must (hold numbers|be finite), got '{cell}'", err), err


# --- item 7: messages --------------------------------------------------------------------------------
@pytest.mark.parametrize(("clusters", "message"), [
    ("{size_min: [1, 1, 1], size_max: [4, 4]}",
     "clusters.size_max: must be of length n_clusters=3, got length 2"),
    ("{sizes: [4.5, 4, 3.5]}", "clusters.sizes[0]: must be an integer >= 0 (a count) or a fraction "
                               "in [0, 1], got 4.5"),
    ("{sizes: [0.5, 0.3, 0.3]}", "clusters.sizes: must be fractions summing to 1, got [0.5, 0.3, 0.3]"),
    ("{sizes: [true, 3]}", "clusters.sizes[0]: must be an integer >= 0, got True"),
])
def test_size_messages_name_the_right_key(tmp_path: Path, capsys, clusters: str, message: str) -> None:
    _, err = cli(tmp_path, capsys, P + f"clusters: {clusters}\n")
    assert message in err, err


def test_integral_float_sizes_count_as_in_the_library(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, P + "clusters: {sizes: [2.0, 2]}\n"))
    assert spec.problem.sizes.lo.tolist() == [2, 2]


@pytest.mark.parametrize(("links", "message"), [
    ("{must_link: [[p0, p0]]}", r"constraints.must_link\[0\]: must be a list of distinct points"),
    ("{mode: override, must_link: [[p0, p1]], cannot_link: [[p1, p0]]}",
     r"constraints: cannot-link pair \(p0, p1\) lies inside the must-link group \{p0, p1\}"),
])
def test_link_contradictions_are_refused_in_every_mode(tmp_path: Path, capsys, links: str,
                                                       message: str) -> None:
    _, err = cli(tmp_path, capsys, P + "clusters: {k: 2}\n" + f"constraints: {links}\n")
    assert re.search(message, err), err


def test_a_too_small_time_limit_names_the_time_limit(tmp_path: Path, capsys) -> None:
    spec = (MODELS / "karonkka-hard.yaml").read_text().replace("data/karonkka.tsv", str(
        MODELS / "data" / "karonkka.tsv")).replace("solver:\n", "solver:\n  time_limit: 1.0e-9\n")
    _, err = cli(tmp_path, capsys, spec, "--restarts", "1")
    assert "CP-SAT reached time_limit=1e-09 s before finding any assignment (status UNKNOWN); raise " \
           "the time limit" in err


def test_solve_of_an_array_says_to_pass_a_problem() -> None:
    with pytest.raises(ValidationError, match=r"The 'problem' parameter must be a fsclust.Problem "
                                              r"\(build one with fsclust.Problem.create"):
        fsclust.solve(np.zeros((4, 2)))
