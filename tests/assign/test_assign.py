"""Conformance suite of the assignment kernel: one case table run on every registered backend,
plus every error path of `fsclust.assign` with its exact message."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from fsclust import (
    CertificateError,
    InfeasibleError,
    SolverError,
    ValidationError,
    assign,
    get_solver,
    solver_names,
)
from fsclust.assign import SOLVERS, Assignment, Capabilities, assignment_from_labels, polish
from fsclust.assign.certificate import is_optimal
from fsclust.assign.hungarian import HungarianSolver
from fsclust.problem.sizes import Sizes

# (cost, sizes, known optimal total)
KNOWN = [
    ([[0.0, 5.0], [1.0, 7.0], [2.0, 2.5]], [1, 2], 8.5),
    ([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]], [1, 1, 1], 10.0),
    ([[4.0, 1.0, 3.0], [2.0, 0.0, 5.0], [3.0, 2.0, 2.0]], [1, 1, 1], 5.0),
    ([[0.0], [0.0], [0.0]], [3], 0.0),
    ([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], [2, 2], 4.0),
    ([[-3.0, 2.0], [5.0, -1.0], [0.5, 0.25]], [2, 1], -3.5),
]


@pytest.mark.parametrize(("cost", "sizes", "expected"), KNOWN)
def test_known_optimum(backend: str, cost: list, sizes: list, expected: float) -> None:
    result = assign(cost, sizes, solver=backend)
    assert result.cost == pytest.approx(expected, abs=1e-12)
    assert result.counts.tolist() == sizes
    assert result.status == "OPTIMAL" and result.solver == backend
    assert result.cost == pytest.approx(np.asarray(cost)[np.arange(len(cost)), result.labels].sum())


def test_bounds_known_optimum(bounded_backend: str) -> None:
    cost = np.array([[0.0, 9.0], [0.0, 9.0], [0.0, 9.0], [9.0, 0.0]])
    result = assign(cost, size_min=1, size_max=2, solver=bounded_backend)
    assert result.cost == 9.0
    assert sorted(result.counts.tolist()) == [2, 2]
    free = assign(cost, size_min=0, size_max=4, solver=bounded_backend)
    assert free.cost == 0.0 and free.labels.tolist() == [0, 0, 0, 1]


def test_balanced_by_default(backend: str) -> None:
    cost = np.random.default_rng(0).random((11, 3))
    assert sorted(assign(cost, solver=backend).counts.tolist()) == [3, 4, 4]


def test_registry_names_and_capabilities() -> None:
    assert solver_names()[:3] == ["flow", "hungarian", "lp"]
    assert all(isinstance(s.capabilities, Capabilities) for s in SOLVERS.values())
    assert SOLVERS["flow"].capabilities.describe() == "exact sizes, size bounds"


def test_solver_object_is_accepted() -> None:
    result = assign([[0.0, 1.0], [1.0, 0.0]], [1, 1], solver=HungarianSolver())
    assert result.cost == 0.0


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"cost": [[1.0, np.nan]], "sizes": [1, 0]}, ValidationError,
     r"The 'cost' parameter must be finite \(no NaN or inf\). Got nan at \[0, 1\] instead."),
    ({"cost": [1.0, 2.0]}, ValidationError,
     "The 'cost' parameter must be a 2-D array. Got an array with 1 dimension"),
    ({"cost": [["a", "b"]]}, ValidationError, "The 'cost' parameter must be a 2-D array of numbers"),
    ({"cost": [[1.0, 2.0]] * 3, "sizes": [1, 1]}, InfeasibleError,
     "sizes sum to 2 but the data has 3 rows"),
    ({"cost": [[1.0, 2.0]] * 3, "size_max": 1}, InfeasibleError, "size_max sums to 2 < 3 points"),
    ({"cost": [[1.0, 2.0]] * 3, "size_min": 2}, InfeasibleError, "size_min sums to 4 > 3 points"),
    ({"cost": [[1.0, 2.0, 3.0]], "n": None}, InfeasibleError,
     r"n_clusters=3 exceeds the number of points \(1\)"),
    ({"cost": [[1.0, 2.0]] * 3, "sizes": [4, -1]}, ValidationError,
     r"The 'sizes\[1\]' parameter must be an integer >= 0. Got -1 instead."),
    ({"cost": [[1.0, 2.0]] * 2, "solver": "simplex"}, ValidationError,
     r"The 'solver' parameter must be one of \['auto', 'flow', 'hungarian', 'lp'"),
    ({"cost": [[1.0, 2.0]] * 2, "solver": 3}, ValidationError,
     "The 'solver' parameter must be a solver name or an AssignmentSolver. Got 3 instead."),
    ({"cost": [[1.0, 2.0]] * 3, "size_max": 2, "solver": "hungarian"}, SolverError,
     r"The solver 'hungarian' cannot solve this problem: it needs exact sizes \(size_min == size_max\) "
     r"but bounds were given; use one of \['flow', 'lp'"),
])
def test_errors(kwargs: dict, error: type, message: str) -> None:
    kwargs.pop("n", None)
    with pytest.raises(error, match=message):
        assign(**kwargs)


def test_hungarian_refuses_matrices_that_do_not_fit() -> None:
    solver = HungarianSolver(max_bytes=1000)
    with pytest.raises(SolverError, match=r"The solver 'hungarian' needs an n x n matrix: n=20 needs "
                                          r"0.0 GB, over its limit of 0.0 GB; use solver='flow'"):
        assign(np.zeros((20, 2)), solver=solver)


def test_flow_handles_extreme_dynamic_range() -> None:
    cost = np.array([[0.0, 1e-12], [1e-12, 0.0], [1e12, 0.0]])
    result = assign(cost, [1, 2])
    assert result.cost == pytest.approx(1e-12, rel=1e-9)


def test_verify_flag_accepts_optimal_answers(backend: str) -> None:
    cost = np.random.default_rng(3).random((30, 3))
    assert assign(cost, solver=backend, verify=True).status == "OPTIMAL"


def test_certificate_detects_a_suboptimal_assignment() -> None:
    cost = np.array([[0.0, 10.0], [10.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    sizes = Sizes.from_counts([2, 2])
    swapped = np.array([1, 0, 0, 1])  # feasible but costs 20
    assert not is_optimal(cost, swapped, sizes)
    fixed, rounds = polish(cost, swapped, sizes)
    assert rounds >= 1 and cost[np.arange(4), fixed].sum() == 0.0
    assert np.bincount(fixed).tolist() == [2, 2]


def test_certificate_with_bounds_uses_slack_arcs() -> None:
    cost = np.array([[0.0, 5.0], [0.0, 5.0], [0.0, 5.0]])
    sizes = Sizes(np.array([0, 1]), np.array([3, 3]))
    labels = np.array([1, 1, 0])  # moving a point 1 -> 0 is allowed by the bounds and saves 5
    assert not is_optimal(cost, labels, sizes)
    fixed, _ = polish(cost, labels, sizes)
    assert cost[np.arange(3), fixed].sum() == 5.0


class _LabelBackend:
    """A deliberately wrong backend returning ``rule(cost, sizes)`` as labels."""

    library = "numpy"
    capabilities = Capabilities()

    def __init__(self, name: str, rule: Callable[[np.ndarray, Sizes], np.ndarray]) -> None:
        self.name, self.rule = name, rule

    def is_available(self) -> bool:
        return True

    def solve(self, cost: np.ndarray, sizes: Sizes, *, warm_start: np.ndarray | None = None) -> Assignment:
        return assignment_from_labels(cost, self.rule(cost, sizes), self.name)


def test_custom_backend_that_breaks_sizes_is_caught() -> None:
    broken = _LabelBackend("broken", lambda cost, sizes: np.zeros(cost.shape[0], dtype=np.int64))
    with pytest.raises(SolverError, match=r"the solver 'broken' returned counts \[3, 0\] outside"):
        assign(np.zeros((3, 2)), [2, 1], solver=broken)


def test_verify_raises_certificate_error_for_a_wrong_backend() -> None:
    greedy = _LabelBackend("greedy", lambda cost, sizes: np.repeat(np.arange(cost.shape[1]), sizes.lo))
    cost = np.array([[9.0, 0.0], [0.0, 9.0]])
    assert assign(cost, [1, 1], solver=greedy).cost == 18.0
    with pytest.raises(CertificateError, match="the solver 'greedy' returned a non-optimal assignment"):
        assign(cost, [1, 1], solver=greedy, verify=True)


def test_get_solver_auto_returns_a_capable_backend() -> None:
    sizes = Sizes(np.array([0, 0]), np.array([5, 5]))
    assert get_solver("auto", sizes, 10).capabilities.bounds
