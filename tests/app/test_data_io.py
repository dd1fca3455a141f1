"""Reading CSV/TSV files: the fast (NumPy) reader and the exact re-scan give the same tables,
errors keep their line numbers, and only plain ASCII numbers are numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fsclust.app import data_io
from fsclust.app.data_io import read_header, read_matrix, read_points
from fsclust.errors import ValidationError

MODELS = Path(__file__).resolve().parents[2] / "models"


def _write(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _no_cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the per-cell (slow) number parser runs."""
    def refuse(*args: object) -> float:
        raise AssertionError("the slow per-cell reader ran")
    monkeypatch.setattr(data_io, "_number", refuse)


REGULAR = {
    "plain": "id,x,y\na,1,2.5\nb,-3e2,4\n",
    "spaces": "id , x , y\n a , 1 , 2.5 \nb,-3e2,  4\n",
    "crlf and bom": "\ufeffid,x,y\r\na,1,2.5\r\nb,-3e2,4\r\n",
    "quoted names": 'id,x,y\n"a",1,2.5\n"b",-3e2,4\n',
    "trailing blank lines": "id,x,y\na,1,2.5\nb,-3e2,4\n\n  \n",
}


@pytest.mark.parametrize("case", sorted(REGULAR))
def test_regular_files_take_the_fast_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            case: str) -> None:
    _no_cell_by_cell(monkeypatch)
    table = read_points(_write(tmp_path, REGULAR[case]), name_column="id")
    assert table.names == ["a", "b"] and table.columns == ["x", "y"]
    np.testing.assert_array_equal(table.values, [[1.0, 2.5], [-300.0, 4.0]])


@pytest.mark.parametrize("text", [
    "id,x,y\n\na,1,2.5\n,,\nb,-3e2,4\n",                    # a blank row of empty cells
    'id,x,y\n"a, the first",1,2.5\nb,-3e2,4\n',             # a quoted delimiter
])
def test_irregular_files_read_the_same_through_the_rescan(tmp_path: Path, text: str) -> None:
    table = read_points(_write(tmp_path, text), name_column="id")
    assert table.names[1] == "b" and table.names[0] in ("a", "a, the first")
    np.testing.assert_array_equal(table.values, [[1.0, 2.5], [-300.0, 4.0]])


def test_tsv_and_columns_by_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_cell_by_cell(monkeypatch)
    path = _write(tmp_path, "x\ty\tname\n1\t2\tp\n3\t4\tq\n", "p.tsv")
    table = read_points(path, columns=[1], name_column=2)
    assert (table.names, table.columns, table.values.tolist()) == (["p", "q"], ["y"], [[2.0], [4.0]])


@pytest.mark.parametrize("cell", ["1_000", "1_0.5", "١٢", "１"])
@pytest.mark.parametrize("blank", ["", "\n"])
def test_underscores_and_non_ascii_digits_are_not_numbers(tmp_path: Path, cell: str, blank: str) -> None:
    path = _write(tmp_path, f"x,y\n1,2\n{blank}3,{cell}\n")
    line = 3 + len(blank)
    with pytest.raises(ValidationError) as error:
        read_points(path)
    assert str(error.value) == f"{path}:{line}: column 'y' must hold numbers, got {cell!r}"


@pytest.mark.parametrize(("cell", "rule"), [("nan", "be finite"), ("-inf", "be finite"),
                                            ("1e400", "be finite"), ("", "hold numbers"),
                                            ("0x10", "hold numbers"), ("1,5", None)])
def test_bad_cells_name_their_line_and_column(tmp_path: Path, cell: str, rule: str | None) -> None:
    path = _write(tmp_path, f'x,y\n1,2\n3,4\n5,"{cell}"\n')
    with pytest.raises(ValidationError) as error:
        read_points(path)
    if rule is None:            # the quoted "1,5" is one cell
        assert str(error.value) == f"{path}:4: column 'y' must hold numbers, got '1,5'"
    else:
        why = " (too large for float64)" if cell == "1e400" else ""
        assert str(error.value) == f"{path}:4: column 'y' must {rule}, got {cell!r}{why}"


def test_ragged_rows_are_reported_at_their_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "x,y\n\n1,2\n3,4,5\n")
    with pytest.raises(ValidationError, match=r"p\.csv:4: ragged rows: this row has 3 cells but the "
                                              r"header has 2"):
        read_points(path)


def test_header_only_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"the file has a header but no data rows"):
        read_points(_write(tmp_path, "x,y\n\n"))
    with pytest.raises(ValidationError, match=r"the file is empty"):
        read_points(_write(tmp_path, " \n,\n"))
    assert read_header(_write(tmp_path, "\n a ,b\n1,2\n")) == ["a", "b"]


def test_matrix_fast_reader_matches_the_rescan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = read_matrix(MODELS / "data" / "karonkka.tsv")
    text = (MODELS / "data" / "karonkka.tsv").read_text()
    slow = read_matrix(_write(tmp_path, text.replace("\n", "\n\n", 1), "k.tsv"))   # a blank line
    assert fast.names == slow.names and fast.values.shape == (22, 22)
    np.testing.assert_array_equal(fast.values, slow.values)
    _no_cell_by_cell(monkeypatch)
    np.testing.assert_array_equal(read_matrix(MODELS / "data" / "karonkka.tsv").values, fast.values)


def test_matrix_row_order_error_keeps_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "n\ta\tb\n\nb\t0\t1\na\t1\t0\n", "m.tsv")
    with pytest.raises(ValidationError, match=r"m\.tsv:3: row 0 is named 'b' but column 0 is 'a'"):
        read_matrix(path)


def test_a_large_file_is_parsed_without_the_per_cell_reader(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    X = np.random.default_rng(0).normal(size=(20_000, 5))
    path = tmp_path / "big.csv"
    np.savetxt(path, X, delimiter=",", header="a,b,c,d,e", comments="", fmt="%.17g")
    _no_cell_by_cell(monkeypatch)
    table = read_points(path)
    np.testing.assert_array_equal(table.values, X)
    assert table.names[-1] == "19999"


def test_blank_line_characters_are_all_whitespace() -> None:
    assert set(data_io._SPACES) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_a_row_of_blank_cells_is_skipped_in_a_matrix(tmp_path: Path) -> None:
    path = _write(tmp_path, "n\ta\tb\n\t\t\na\t0\t1\n \t \t \nb\t1\t0\n", "m.tsv")
    table = read_matrix(path)
    assert table.names == ["a", "b"] and table.values.tolist() == [[0.0, 1.0], [1.0, 0.0]]
