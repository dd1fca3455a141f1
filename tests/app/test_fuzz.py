"""Property-based fuzzing (issue 11, item 9) of the YAML loader, the data readers and the CLI.

Invariant: a valid result, or one ``FsclustError`` (at the CLI: one line ``fsclust: error: ...``
and exit 1), never another exception or a traceback; and no file changes outside
``output.dir`` (the inputs never change). Bounded example counts keep this a few seconds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fsclust.app.data_io import read_matrix, read_points
from fsclust.app.schema import load_yaml
from fsclust.cli import main
from fsclust.errors import FsclustError, ValidationError

FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

YAML_CHARS = "{}[]:,&*!|>-?%@`'\"#\n\t abcxyz019.e+_"


@FAST
@given(st.text(alphabet=YAML_CHARS, max_size=120) | st.text(max_size=60))
def test_yaml_loader_parses_or_says_why(text: str) -> None:
    try:
        load_yaml(text)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc).strip()


# --- data readers -----------------------------------------------------------------------------------
CELLS = st.sampled_from(["0", "1.5", "-2e3", "1_000", "nan", "inf", "", " ", "x", "1e999", "٣",
                         "0x10", '"1"', "1,2", "\x00", "é", "1e-400", "+.5", ".", "-"])


def _table(rows: list[list[str]], delimiter: str) -> str:
    return "\n".join(delimiter.join(row) for row in rows) + "\n"


@FAST
@given(st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=0, max_size=5),
       st.sampled_from([",", "\t", ";"]), st.sampled_from([".csv", ".tsv", ".txt"]))
def test_text_readers_read_or_say_why(rows: list[list[str]], delimiter: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_text(_table(rows, delimiter), encoding="utf-8", errors="surrogatepass")
        for read in (lambda: read_points(path, delimiter=delimiter),
                     lambda: read_points(path, name_column=0, delimiter=delimiter),
                     lambda: read_matrix(path, delimiter=delimiter)):
            try:
                table = read()
            except ValidationError as exc:      # the file's content, or the spec key's rule
                assert str(exc).startswith((str(path), "data.")) or exc.param == "data.matrix", str(exc)
            else:
                assert np.isfinite(table.values).all() and len(table.names) == len(table.values)


ARRAYS = hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_,
                                     np.complex128, np.dtype("U3")]),
                    hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))


@FAST
@given(ARRAYS | st.binary(max_size=200))
def test_npy_reader_reads_or_says_why(content) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.npy"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            np.save(path, content)
        for read in (lambda: read_points(path), lambda: read_matrix(path)):
            try:
                table = read()
            except ValidationError as exc:      # the file's content, or the spec key's rule
                assert str(exc).startswith(str(path)) or exc.param == "data.matrix", str(exc)
            else:
                assert table.values.dtype == np.float64 and np.isfinite(table.values).all()


# --- whole specs through the CLI ------------------------------------------------------------------
NAMES = ["labels.csv", "a.csv", "../x.csv", "/tmp/fsclust-fuzz.csv", "p.csv", "spec.yaml",
         ".fsclust-manifest.json", "sub", "", "s.json", "m.tsv", "a.csv"]
MUTATIONS = {      # (section, key): values, plausible and hostile
    ("data", "points"): ["p.csv", "nope.csv", "m.tsv", "sub", "spec.yaml"],
    ("data", "name_column"): ["id", 0, "zz", None, True],
    ("data", "matrix"): ["m.tsv", "p.csv"],
    ("clusters", "k"): [1, 2, 3, 4, 5, 0, True, "2", None, 10**30],
    ("clusters", "sizes"): [[2, 2], [1, 3], [0.5, 0.5], [4.5, 4, 3.5], [True, 3], [1, 1, 2], [0.0, 4.0]],
    ("clusters", "size_min"): [0, 1, [1, 1], [[1]], 2.5, -1],
    ("clusters", "size_max"): [2, 4, [3, 3], [3, 3, 3], 1e300, "x"],
    ("clusters", "names"): [["a", "b"], ["a", "a"], "ab"],
    ("clusters", "size_unit"): ["count", "weight", "kg"],
    ("solver", "method"): ["means", "medoids", "x"],
    ("solver", "backend"): ["flow", "dual", "lp", "hungarian", "auto", "cpsat", "nope"],
    ("solver", "init"): ["k-means++", "random", "k-medoids++", "size-aware", "zz"],
    ("solver", "restarts"): [1, 2, 0, 10**30, 1.5, "1e25"],
    ("solver", "seed"): [0, 3, -1, 2**70],
    ("solver", "tol"): [0, 1e-6, float("nan"), -1],
    ("solver", "time_limit"): [1e-9, 1.0, 0],
    ("constraints", "mode"): ["hard", "override", "soft"],
    ("constraints", "must_link"): [[["p0", "p1"]], [["p0", "p0"]], [["p0", "zz"]], [[0, 1, 2]]],
    ("constraints", "cannot_link"): [[["p0", "p2"]], [["p0", "p1"]], [["p1", "p2", "p3"]], [[9, 0]]],
    ("constraints", "cannot_link_distance"): [5.0, 1e200, -1.0],
    ("output", "dir"): ["out", "out/deeper", "."],
    ("output", "labels"): NAMES,
    ("output", "summary"): NAMES,
    ("output", "centers"): NAMES,
}


@st.composite
def specs(draw) -> dict:
    """A valid small spec with a few keys changed to plausible or hostile values."""
    spec = {"data": {"points": "p.csv", "name_column": "id"}, "clusters": {"k": 2},
            "solver": {"restarts": 1, "max_iter": 5}, "output": {"dir": "out"}}
    for section, key in draw(st.lists(st.sampled_from(sorted(MUTATIONS)), max_size=3, unique=True)):
        value = draw(st.sampled_from(MUTATIONS[section, key]))
        if key == "matrix":
            spec["data"] = {}
        if value is None:
            spec.setdefault(section, {}).pop(key, None)
        else:
            spec.setdefault(section, {})[key] = value
    return spec


def _output_dir(text: str) -> str | None:
    """``output.dir`` of a (possibly broken) spec text, when it has one."""
    try:
        folder = yaml.safe_load(text)["output"]["dir"]
    except (yaml.YAMLError, TypeError, KeyError):
        return None
    return folder if isinstance(folder, str) else None


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


INPUTS = {"p.csv": "id,x,y\np0,0,0\np1,0,1\np2,5,5\np3,5,6\n",
          "m.tsv": "name\ta\tb\tc\td\na\t0\t1\t4\t5\nb\t1\t0\t3\t4\nc\t4\t3\t0\t1\nd\t5\t4\t1\t0\n"}


@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(specs(), st.booleans())
def test_cli_solve_succeeds_or_prints_one_line_and_writes_only_inside_output_dir(
        capsys: pytest.CaptureFixture[str], spec: dict, mangle: bool) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for file, text in INPUTS.items():
            (folder / file).write_text(text)
        (folder / "sub").mkdir()
        text = yaml.safe_dump(spec)
        if mangle:                                  # cut it anywhere: broken YAML too
            text = text[: len(text) * 2 // 3]
        (folder / "spec.yaml").write_text(text)
        before = _snapshot(folder)
        code = main(["solve", str(folder / "spec.yaml"), "--quiet"])
        out, err = capsys.readouterr()
        event(f"exit {code}")
        assert "Traceback" not in err
        if code == 0:
            assert out and err == ""
        else:
            assert code == 1 and out == "" and err.startswith("fsclust: error: ")
            assert err.count("\n") == 1, err
        after = _snapshot(folder)
        changed = {path for path in set(before) | set(after) if before.get(path) != after.get(path)}
        outdir = _output_dir(text)
        allowed = None if outdir is None else (folder / outdir).resolve()
        assert not changed or (allowed is not None and all(
            (folder / path).resolve().is_relative_to(allowed) for path in changed)), changed
        assert all(after[file] == before[file] for file in (*INPUTS, "spec.yaml"))
        assert not Path("/tmp/fsclust-fuzz.csv").exists()


def test_fsclust_error_is_the_only_library_error_for_odd_inputs() -> None:
    """A few shapes the fuzzers reach rarely, checked directly."""
    from fsclust import Problem, assign

    for call in (lambda: assign([[1, 2], [3]], [1, 1]), lambda: assign("abc", [1]),
                 lambda: Problem.create([[0.0, 1.0]] * 3, size_min=[[1], [1, 2]], n_clusters=2),
                 lambda: Problem.create(np.zeros((3, 2)), sizes=[1, 1, 1], must_link=[[0, 0]])):
        with pytest.raises(FsclustError):
            call()
