"""Numeric range at the assignment boundary (issue 11, items 1 and 6): costs and coordinates too
large for float64 are refused with the limit named, feasible problems are never called
infeasible, backends' own library errors leave as `SolverError`, complex input is refused."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fsclust import (
    FixedSizeKMeans,
    FixedSizeKMedoids,
    FsclustError,
    PointCosts,
    Problem,
    SolverError,
    ValidationError,
    assign,
    solve,
)
from fsclust._validation import MAX_TOTAL
from fsclust.assign import SOLVERS, Capabilities, solver_names
from fsclust.assign.costs import max_point_norm
from fsclust.assign.dual import DualSolver
from fsclust.problem.sizes import Sizes

BACKENDS = [name for name in solver_names() if SOLVERS[name].is_available()]
X7 = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0], [9.0, 0.0], [9.0, 1.0], [4.0, 4.0]])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("scale", [1e154, 1e200, 1e300])
def test_huge_coordinates_are_refused_naming_the_limit(backend: str, scale: float) -> None:
    problem = Problem.create(X7 * scale / 9.0, sizes=[3, 2, 2])
    limit = max_point_norm(7)
    with pytest.raises(ValidationError, match=rf"'X' parameter must be points of Euclidean norm "
                                              rf"<= {re.escape(f'{limit:.3g}')} .*Got norm .* at row 5"):
        solve(problem, solver=backend, n_init=1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_coordinates_just_inside_the_limit_solve_on_every_backend(backend: str) -> None:
    X = X7 / np.linalg.norm(X7, axis=1).max() * 0.99 * max_point_norm(7)
    result = solve(Problem.create(X, sizes=[3, 2, 2]), solver=backend, n_init=2, random_state=0)
    assert np.isfinite(result.objective) and sorted(result.counts.tolist()) == [2, 2, 3]


def test_weights_count_in_the_limit_and_their_total_is_bounded() -> None:
    X = X7 * 1e140
    with pytest.raises(ValidationError, match=r"'X' parameter must be points of Euclidean norm .*max "
                                              r"weight 1e\+20"):
        solve(Problem.create(X, sizes=[3, 2, 2], sample_weight=np.full(7, 1e20)), n_init=1)
    with pytest.raises(ValidationError, match=r"'sample_weight' parameter must be weights whose total "
                                              r"stays below 1e\+300"):
        Problem.create(X7, sizes=[3, 2, 2], sample_weight=np.full(7, 1e300))


def test_initial_centers_beyond_the_limit_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"The 'init' parameter must be points of Euclidean norm"):
        solve(Problem.create(X7, sizes=[3, 2, 2]), init=np.full((3, 2), 1e160), n_init=1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cost_matrix_range_is_checked_at_assign(backend: str) -> None:
    cost = np.array([[1e308, -1e308], [0.0, 1.0]])
    with pytest.raises(ValidationError, match=r"'cost' parameter must be costs with \|c\| <= 5e\+299 "
                                              r"\(1e\+300 / n for n=2.*Got 1e\+308 at \[0, 0\]"):
        assign(cost, [1, 1], solver=backend)
    big = np.array([[0.4, 0.1], [0.0, 0.3]]) * MAX_TOTAL / 2
    assert assign(big, [1, 1], solver=backend).labels.tolist() == [1, 0]
    with pytest.raises(ValidationError, match=r"finite \(no NaN or inf\). Got inf at \[0, 1\]"):
        assign(np.array([[0.0, np.inf], [1.0, 0.0]]), [1, 1], solver=backend)


def test_dual_never_calls_a_feasible_problem_infeasible() -> None:
    cost = np.array([[np.nan, np.nan], [np.nan, np.nan], [1.0, 2.0]])    # overflowed costs
    with pytest.raises(SolverError, match=r"the dual solver found no path .* not finite or span too "
                                          r"wide a range"):
        DualSolver().solve(cost, Sizes.from_counts([2, 1]))


class _Raw:
    """A backend whose library fails with a raw ValueError (as SciPy does on odd input)."""

    name, library, capabilities = "raw", "none", Capabilities()

    def is_available(self) -> bool:
        return True

    def solve(self, cost, sizes, *, warm_start=None):
        raise ValueError("matrix contains invalid numeric entries")


def test_a_backend_library_error_leaves_as_solver_error() -> None:
    with pytest.raises(SolverError, match=r"the solver 'raw' failed: ValueError: matrix contains "
                                          r"invalid numeric entries"):
        assign(np.zeros((2, 2)), [1, 1], solver=_Raw())


def test_point_costs_check_their_scale() -> None:
    with pytest.raises(ValidationError, match=r"The 'centers' parameter must be points of Euclidean norm"):
        PointCosts(X7, np.full((2, 2), 1e200))


COMPLEX = [
    ("assign", lambda: assign(np.ones((2, 2)) + 1j, [1, 1]), "cost"),
    ("Problem", lambda: Problem.create(X7 + 1j, n_clusters=2), "X"),
    ("fit", lambda: FixedSizeKMeans(2).fit(X7.astype(complex)), "sklearn"),
    ("medoids", lambda: FixedSizeKMedoids(2).fit(np.zeros((3, 3), complex)), "sklearn"),
    ("sizes", lambda: Problem.create(X7, sizes=np.array([3, 4 + 0j])), "sizes"),
    ("weights", lambda: Problem.create(X7, n_clusters=2, sample_weight=np.ones(7) * 1j), "sample_weight"),
    ("init", lambda: solve(Problem.create(X7, n_clusters=2), init=np.ones((2, 2)) * 1j), "init"),
    ("list", lambda: assign([[1 + 2j, 0], [0, 1]], [1, 1]), "cost"),
]


@pytest.mark.parametrize(("case", "call", "param"), COMPLEX, ids=[c[0] for c in COMPLEX])
def test_complex_input_is_refused(case: str, call, param: str) -> None:
    message = (r"^Complex data not supported" if param == "sklearn"     # the estimators' validate_data
               else rf"The '{param}' parameter must be real numbers \(complex values are not supported\)")
    with pytest.raises(ValidationError, match=message):
        call()


@pytest.mark.filterwarnings("error")          # no ComplexWarning on the way either
def test_complex_refusal_warns_nothing() -> None:
    with pytest.raises(FsclustError):
        assign(np.ones((2, 2), complex), [1, 1])
