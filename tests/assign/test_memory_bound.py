"""Memory-bounded solves: the dual solver on `PointCosts` of many dimensions (what k-means hands it
when the (n, k) matrix would pass ``DENSE_MAX_BYTES``) is exact against `flow` on many random
instances (exact sizes and bounds, weights, warm starts) and allocates no (n, k) array."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from fsclust import FixedSizeKMeans
from fsclust.assign import SOLVERS
from fsclust.assign.certificate import certify_prices
from fsclust.assign.costs import PointCosts
from fsclust.assign.dual import DualSolver
from fsclust.engine import driver
from fsclust.problem.sizes import Sizes, resolve_sizes

DUAL, FLOW = SOLVERS["dual"], SOLVERS["flow"]


def _instance(seed: int, bounds: bool, weighted: bool, n: int = 3000, k: int = 12, d: int = 7
              ) -> tuple[PointCosts, Sizes]:
    rng = np.random.default_rng(seed)
    means = rng.normal(size=(max(k // 2, 2), d)) * 2.0
    X = means[rng.integers(0, means.shape[0], n)] + rng.normal(size=(n, d))
    centers = X[rng.choice(n, size=k, replace=False)] + 0.1 * rng.normal(size=(k, d))
    w = rng.uniform(0.5, 2.0, size=n) if weighted else None
    if bounds:
        lo = rng.integers(0, n // k, size=k)
        sizes = resolve_sizes(n, size_min=lo, size_max=lo + rng.integers(n // k, 3 * n // k, size=k))
    else:
        sizes = Sizes.from_counts(rng.multinomial(n - 5 * k, np.ones(k) / k) + 5)
    return PointCosts(X, centers, w), sizes


def _direct(cost: PointCosts) -> np.ndarray:
    """The on-demand entries ``w_i sum_t (x_it - c_jt)^2`` as a matrix (test sizes only)."""
    diff = cost.X[:, None, :] - cost.centers[None]
    out = np.zeros(cost.shape)
    for t in range(diff.shape[2]):
        out += diff[:, :, t] ** 2
    return out if cost.sample_weight is None else out * cost.sample_weight[:, None]


def _check(got, cost: PointCosts, sizes: Sizes) -> None:
    matrix = _direct(cost)
    expected = FLOW.solve(matrix, sizes).cost
    assert abs(got.cost - expected) <= 1e-9 * max(abs(expected), 1.0)
    assert abs(got.cost - matrix[np.arange(matrix.shape[0]), got.labels].sum()) <= 1e-9 * abs(expected)
    certify_prices(matrix, got.labels, got.prices, sizes)
    np.testing.assert_array_equal(got.counts, np.bincount(got.labels, minlength=matrix.shape[1]))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("bounds", [False, True])
def test_on_demand_solves_of_many_dimensions_are_exact(seed: int, bounds: bool) -> None:
    cost, sizes = _instance(seed, bounds, weighted=seed % 3 == 0, d=5 + seed % 4 * 9)
    _check(DUAL.solve(cost, sizes), cost, sizes)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("bounds", [False, True])
def test_on_demand_warm_starts_are_exact(seed: int, bounds: bool) -> None:
    cost, sizes = _instance(100 + seed, bounds, weighted=False)
    first = DUAL.solve(cost, sizes)
    rng = np.random.default_rng(seed)
    moved = PointCosts(cost.X, cost.centers + 0.05 * rng.normal(size=cost.centers.shape))
    solver = DualSolver()
    solver.warm_limit = 1.0                 # keep the warm prices however far they are
    got = solver.solve(moved, sizes, warm_start=first.prices)
    assert got.info["warm_started"]
    _check(got, moved, sizes)


def test_on_demand_solve_allocates_no_matrix() -> None:
    cost, sizes = _instance(7, False, False, n=40_000, k=32, d=8)
    n, k = cost.shape
    DUAL.solve(cost, sizes)                 # compiled, thread pool started
    tracemalloc.start()
    got = DUAL.solve(cost, sizes)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.5 * 8 * n * k           # no (n, k) float64 array, nor one of (n, k / 2)
    _check(got, cost, sizes)


def test_kmeans_uses_points_when_the_matrix_would_pass_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 6)) + np.repeat(rng.normal(size=(10, 6)) * 3, 300, axis=0)
    dense = FixedSizeKMeans(10, solver="dual", random_state=0, max_iter=5).fit(X)
    seen: list[type] = []
    original = DualSolver.solve

    def spy(self, cost, sizes, **kwargs):
        seen.append(type(cost))
        return original(self, cost, sizes, **kwargs)

    monkeypatch.setattr(DualSolver, "solve", spy)
    FixedSizeKMeans(10, solver="dual", random_state=0, max_iter=5).fit(X)
    assert PointCosts not in seen
    monkeypatch.setattr(driver, "DENSE_MAX_BYTES", 8 * 10 * 500)
    points = FixedSizeKMeans(10, solver="dual", random_state=0, max_iter=5).fit(X)
    assert PointCosts in seen
    np.testing.assert_allclose(points.inertia_, dense.inertia_, rtol=1e-9)
