"""On-demand squared Euclidean costs (`fsclust.assign.costs.PointCosts`): the same floats as the dense
matrix, the same kernels' answers, the same dual solves, and the engine's use of them."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import FixedSizeKMeans
from fsclust.assign import SOLVERS, get_solver
from fsclust.assign._kernels.certificate import reduced_cost_gap, reduced_cost_gap_points
from fsclust.assign._kernels.dual import argmin_points, argmin_rows
from fsclust.assign.certificate import certify_prices
from fsclust.assign.costs import PointCosts, SquaredEuclidean
from fsclust.errors import CertificateError
from fsclust.problem.sizes import resolve_sizes
from fsclust.testing import network_simplex_optimum, price_violation

DUAL = SOLVERS["dual"]


def _points(rng: np.random.Generator, n: int, k: int, d: int, weighted: bool,
            ties: bool = False) -> PointCosts:
    X = rng.integers(0, 3, size=(n, d)).astype(float) if ties else rng.normal(size=(n, d)) * 3
    centers = X[rng.choice(n, size=k, replace=False)] + (0.0 if ties else 0.1)
    w = rng.uniform(0.5, 2.0, size=n) if weighted else None
    return PointCosts(X, centers, w)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
@pytest.mark.parametrize("weighted", [False, True])
def test_entries_equal_the_dense_matrix_bit_for_bit(d: int, weighted: bool) -> None:
    rng = np.random.default_rng(d)
    costs = _points(rng, 517, 9, d, weighted)     # n not a multiple of the kernels' row blocks
    dense = costs.dense()
    np.testing.assert_array_equal(dense, SquaredEuclidean(costs.sample_weight).matrix(costs.X,
                                                                                      costs.centers))
    prices = rng.normal(size=9)
    a_dense, r_dense = np.empty(517, np.int64), np.empty(517)
    a_pts, r_pts = np.empty(517, np.int64), np.empty(517)
    top_dense = argmin_rows(dense, prices, a_dense, r_dense)
    top_pts = argmin_points(costs.view(), prices, a_pts, r_pts)
    np.testing.assert_array_equal(a_pts, a_dense)
    np.testing.assert_array_equal(r_pts, r_dense)
    assert top_pts == top_dense == dense.max()


@pytest.mark.parametrize("ties", [False, True])
def test_point_certificate_agrees_with_dense_kernel_and_numpy_reference(ties: bool) -> None:
    rng = np.random.default_rng(5)
    costs = _points(rng, 300, 6, 2, weighted=not ties, ties=ties)
    dense = costs.dense()
    sizes = resolve_sizes(300, n_clusters=6)
    best = DUAL.solve(dense, sizes)
    for labels in (best.labels, rng.integers(0, 6, size=300)):
        for prices in (best.prices, rng.normal(size=6)):
            gap, scale, total = reduced_cost_gap_points(costs.view(), labels, prices)
            dense_gap, dense_scale, dense_total = reduced_cost_gap(dense, labels, prices)
            ref, ref_scale = price_violation(dense, labels, prices, sizes)
            assert gap == dense_gap == ref and scale == dense_scale == ref_scale
            assert total == pytest.approx(dense[np.arange(300), labels].sum(), rel=1e-12)
            assert dense_total == pytest.approx(total, rel=1e-12)
    assert reduced_cost_gap_points(costs.view(), np.full(300, 6), best.prices)[0] == np.inf


def test_point_certificate_rejects_a_suboptimal_assignment() -> None:
    rng = np.random.default_rng(8)
    costs = _points(rng, 80, 4, 2, weighted=False)
    sizes = resolve_sizes(80, n_clusters=4)
    best = DUAL.solve(costs, sizes)
    assert certify_prices(costs, best.labels, best.prices, sizes) == pytest.approx(best.cost)
    dense = costs.dense()
    worse = best.labels.copy()
    i, j = next((i, j) for i in range(80) for j in range(80)
                if best.labels[i] != best.labels[j]
                and dense[i, best.labels[j]] + dense[j, best.labels[i]]
                > dense[i, best.labels[i]] + dense[j, best.labels[j]] + 1e-6)
    worse[i], worse[j] = best.labels[j], best.labels[i]
    with pytest.raises(CertificateError, match="do not prove optimality"):
        certify_prices(costs, worse, best.prices, sizes)


@pytest.mark.parametrize("seed", range(12))
def test_dual_on_point_costs_is_optimal_and_matches_the_dense_solve(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n, k, d = int(rng.integers(20, 120)), int(rng.integers(2, 9)), int(rng.integers(1, 5))
    costs = _points(rng, n, k, d, weighted=bool(seed % 2), ties=seed % 3 == 0)
    if seed % 4 == 1:
        sizes = resolve_sizes(n, size_min=n // (2 * k), size_max=-(-2 * n // k), n_clusters=k)
    else:
        sizes = resolve_sizes(n, n_clusters=k)
    dense = costs.dense()
    got, ref = DUAL.solve(costs, sizes), DUAL.solve(dense, sizes)
    np.testing.assert_array_equal(got.labels, ref.labels)
    np.testing.assert_array_equal(got.prices, ref.prices)
    assert got.cost == pytest.approx(ref.cost, rel=1e-12, abs=1e-12)
    assert ((got.counts >= sizes.lo) & (got.counts <= sizes.hi)).all()
    assert got.cost == pytest.approx(network_simplex_optimum(dense, sizes.lo, sizes.hi),
                                     rel=1e-9, abs=1e-9)


def test_large_cold_and_warm_solves_on_point_costs_match_dense() -> None:
    rng = np.random.default_rng(3)
    costs = _points(rng, 20_000, 40, 2, weighted=False)
    sizes = resolve_sizes(20_000, n_clusters=40)
    dense = costs.dense()
    cold, cold_dense = DUAL.solve(costs, sizes), DUAL.solve(dense, sizes)
    np.testing.assert_array_equal(cold.labels, cold_dense.labels)
    moved = PointCosts(costs.X, costs.centers + 0.05)
    warm = DUAL.solve(moved, sizes, warm_start=cold.prices)
    warm_dense = DUAL.solve(moved.dense(), sizes, warm_start=cold.prices)
    assert warm.info["warm_started"]
    np.testing.assert_array_equal(warm.labels, warm_dense.labels)
    assert warm.cost == pytest.approx(warm_dense.cost, rel=1e-12)


def test_take_selects_rows() -> None:
    rng = np.random.default_rng(4)
    costs = _points(rng, 50, 5, 3, weighted=True)
    rows = np.array([3, 7, 11, 49])
    np.testing.assert_array_equal(costs.take(rows).dense(), costs.dense()[rows])
    assert costs.take(rows).shape == (4, 5)


def test_engine_gives_point_costs_only_to_on_demand_backends_in_few_dimensions() -> None:
    rng = np.random.default_rng(0)
    X2 = np.vstack([rng.normal(size=(300, 2)) + c for c in ((0, 0), (6, 0), (0, 6))])
    X6 = np.hstack([X2, rng.normal(size=(900, 4))])
    seen: list[type] = []

    class Spy:
        def __init__(self, name: str) -> None:
            self.inner = get_solver(name, resolve_sizes(900, n_clusters=3), 900)
            self.name, self.library = self.inner.name, self.inner.library
            self.capabilities = self.inner.capabilities

        def is_available(self) -> bool:
            return True

        def solve(self, cost, sizes, *, warm_start=None):
            seen.append(type(cost))
            return self.inner.solve(cost, sizes, warm_start=warm_start)

    fits = {}
    for name, X in (("dual", X2), ("flow", X2), ("dual", X6)):
        seen.clear()
        model = FixedSizeKMeans(sizes=[300, 300, 300], solver=Spy(name), n_init=1,
                                random_state=1).fit(X)
        fits[name, X.shape[1]] = model
        expected = PointCosts if (name, X.shape[1]) == ("dual", 2) else np.ndarray
        assert set(seen) == {expected}
    np.testing.assert_array_equal(fits["dual", 2].labels_, fits["flow", 2].labels_)
    assert fits["dual", 2].inertia_ == pytest.approx(fits["flow", 2].inertia_, rel=1e-12)


def test_public_assign_takes_point_costs_with_any_backend() -> None:
    from fsclust import assign

    rng = np.random.default_rng(11)
    costs = _points(rng, 90, 3, 2, weighted=True)
    results = {name: assign(costs, [30, 30, 30], solver=name, verify=True)
               for name in ("dual", "flow", "lp")}
    for result in results.values():
        assert result.counts.tolist() == [30, 30, 30]
        assert result.cost == pytest.approx(results["flow"].cost, rel=1e-9)


def test_point_costs_reject_bad_input_naming_the_parameter() -> None:
    from fsclust.errors import ValidationError

    X = np.zeros((5, 2))
    with pytest.raises(ValidationError, match=r"'centers' parameter must be an array with 2 column"):
        PointCosts(X, np.zeros((2, 3)))
    with pytest.raises(ValidationError, match=r"'X' parameter must be .*finite"):
        PointCosts(np.full((5, 2), np.nan), np.zeros((2, 2)))
    with pytest.raises(ValidationError, match=r"'sample_weight' parameter must be an array with at "
                                              r"least one non-zero weight. Got all zero weights"):
        PointCosts(X, np.zeros((2, 2)), np.zeros(5))
    with pytest.raises(ValidationError, match=r"'sample_weight' parameter must be finite and >= 0"):
        PointCosts(X, np.zeros((2, 2)), -np.ones(5))
    with pytest.raises(ValidationError, match=r"'sample_weight' parameter must be of shape \(5,\)"):
        PointCosts(X, np.zeros((2, 2)), np.ones(4))
