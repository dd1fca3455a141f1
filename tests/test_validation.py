"""The one parameter-check style (`fsclust._validation`): the message format, its parts, and the
one square-matrix check with its rules, tolerance and offending entries."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import ValidationError
from fsclust._validation import as_square_matrix, fail, shown


def test_fail_builds_the_sklearn_message_and_keeps_its_parts() -> None:
    error = fail("n_init", "an int >= 1", np.int64(0))
    assert str(error) == "The 'n_init' parameter must be an int >= 1. Got 0 instead."
    assert (error.param, error.rule, error.got) == ("n_init", "an int >= 1", "0")
    described = fail("X", "a 2-D array", np.zeros(3), detail="an array with 1 dimension(s)")
    assert str(described) == ("The 'X' parameter must be a 2-D array. Got an array with 1 dimension(s) "
                              "instead.")
    assert ValidationError("plain").rule is None


def test_long_values_are_shortened() -> None:
    assert shown("x" * 100) == "'" + "x" * 56 + "..."
    assert shown([1, 2], detail="two items") == "two items"


@pytest.mark.parametrize(("matrix", "rules", "message"), [
    ([[0.0, 1.0], [2.0, 0.0]], {"symmetric": True},
     "The 'D' parameter must be symmetric. Got d[0, 1] = 1 but d[1, 0] = 2 instead."),
    ([[0.0, -1.0], [-1.0, 0.0]], {"nonnegative": True, "symmetric": True},
     "The 'D' parameter must be non-negative. Got d[0, 1] = -1, d[1, 0] = -1 instead."),
    ([[0.5, 1.0], [1.0, 0.0]], {"zero_diagonal": True},
     "The 'D' parameter must be zero on the diagonal. Got d[0, 0] = 0.5 instead."),
    ([[0.0, 1.0, 2.0]], {}, r"The 'D' parameter must be a square (n, n) matrix. Got shape (1, 3) instead."),
])
def test_square_matrix_rules(matrix, rules, message) -> None:
    with pytest.raises(ValidationError) as info:
        as_square_matrix(matrix, "D", **rules)
    assert str(info.value) == message


def test_square_matrix_names_entries_and_counts_the_rest() -> None:
    D = -np.ones((3, 3))
    with pytest.raises(ValidationError) as info:
        as_square_matrix(D, "data.matrix", nonnegative=True, names=["a", "b", "c"])
    assert info.value.got == "d[a, a] = -1, d[a, b] = -1, d[a, c] = -1 and 6 more"


def test_square_matrix_tolerance_is_relative_to_the_largest_entry() -> None:
    D = np.array([[1e-7, 1e3], [1e3 + 1e-7, 0.0]])
    assert as_square_matrix(D, "D", symmetric=True, zero_diagonal=True, rtol=1e-9) is not None
    with pytest.raises(ValidationError, match="zero on the diagonal"):
        as_square_matrix(D, "D", symmetric=True, zero_diagonal=True, rtol=1e-12)
    assert as_square_matrix([[0.0, 1.0], [2.0, 0.0]], "D", zero_diagonal=True).shape == (2, 2)
