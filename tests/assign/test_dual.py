"""The k-node dual backend: optimality against `flow` and an independent LP oracle, warm starts,
the price certificate, and fixed-size k-means with ``solver="dual"``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from fsclust import FixedSizeKMeans
from fsclust.assign import SOLVERS, assign, get_solver, is_optimal
from fsclust.assign import dual as dual_module
from fsclust.assign.certificate import certify_prices
from fsclust.errors import CertificateError, ValidationError
from fsclust.problem.sizes import Sizes, resolve_sizes
from fsclust.testing import price_violation

DUAL, FLOW = SOLVERS["dual"], SOLVERS["flow"]


def lp_oracle(cost: np.ndarray, sizes: Sizes) -> float:
    """Optimal total cost from the assignment LP solved by HiGHS (integral: totally unimodular).

    HiGHS works to absolute tolerances, so it solves the row-shifted costs scaled to [0, 1] (the
    same optimal assignments); the total is then recomputed from the original costs.
    """
    n, k = cost.shape
    shifted = cost - cost.min(axis=1, keepdims=True)
    scaled = shifted / (shifted.max() if shifted.max() > 0 else 1.0)
    rows = np.concatenate([np.repeat(np.arange(n), k), n + np.tile(np.arange(k), n)])
    cols = np.concatenate([np.arange(n * k), np.arange(n * k)])
    A = coo_matrix((np.ones(2 * n * k), (rows, cols)), shape=(n + k, n * k)).tocsr()
    A_eq, A_cl = A[:n], A[n:]
    A_ub = np.vstack([A_cl.toarray(), -A_cl.toarray()])
    b_ub = np.concatenate([sizes.hi, -sizes.lo])
    res = linprog(scaled.ravel(), A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=np.ones(n),
                  bounds=(0, 1), method="highs")
    assert res.status == 0, res.message
    labels = res.x.reshape(n, k).argmax(axis=1)
    return float(cost[np.arange(n), labels].sum())


def random_costs(rng: np.random.Generator, n: int, k: int, kind: str) -> np.ndarray:
    if kind == "ties":
        return rng.integers(0, 3, size=(n, k)).astype(float)
    if kind == "duplicates":
        return rng.random((max(1, n // 4), k))[rng.integers(0, max(1, n // 4), size=n)]
    if kind == "constant":
        return np.full((n, k), 2.5)
    scale = {"tiny": 1e-9, "huge": 1e9}.get(kind, 1.0)
    return rng.random((n, k)) * scale + (1e9 if kind == "offset" else 0.0)


def random_sizes(rng: np.random.Generator, n: int, k: int, kind: str) -> Sizes:
    if kind == "balanced":
        return resolve_sizes(n, n_clusters=k)
    if kind == "exact":
        return Sizes.from_counts(rng.multinomial(n, rng.dirichlet(np.ones(k))))
    lo = rng.integers(0, n // k + 1, size=k)
    hi = np.maximum(lo + rng.integers(0, n + 1, size=k), lo)
    hi[rng.integers(0, k)] = n
    if lo.sum() > n:
        lo[:] = 0
    return resolve_sizes(n, size_min=lo, size_max=hi)


def close(a: float, b: float, cost: np.ndarray) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(b), float(np.abs(cost).max()), 1e-300)


COST_KINDS = ["uniform", "ties", "duplicates", "constant", "tiny", "huge", "offset"]
SIZE_KINDS = ["balanced", "exact", "bounds"]


@pytest.mark.parametrize("cost_kind", COST_KINDS)
@pytest.mark.parametrize("size_kind", SIZE_KINDS)
def test_dual_matches_flow_and_lp_oracle(cost_kind: str, size_kind: str) -> None:
    rng = np.random.default_rng([COST_KINDS.index(cost_kind), SIZE_KINDS.index(size_kind)])
    for _ in range(12):
        n = int(rng.integers(1, 40))
        k = int(rng.integers(1, min(n, 7) + 1))
        cost = random_costs(rng, n, k, cost_kind)
        sizes = random_sizes(rng, n, k, size_kind)
        got = DUAL.solve(cost, sizes)
        assert np.all((got.counts >= sizes.lo) & (got.counts <= sizes.hi))
        assert close(got.cost, FLOW.solve(cost, sizes).cost, cost)
        assert close(got.cost, lp_oracle(cost, sizes), cost)
        assert is_optimal(cost, got.labels, sizes)


@pytest.mark.parametrize("size_kind", ["exact", "bounds"])
def test_k_equals_n_and_k_one(size_kind: str) -> None:
    rng = np.random.default_rng(7)
    for n in (1, 2, 9, 25):
        for k in (1, n):
            cost = rng.random((n, k))
            sizes = (Sizes.from_counts(np.full(k, n // k)) if size_kind == "exact"
                     else resolve_sizes(n, size_min=0, size_max=n // k + 1, n_clusters=k))
            got = DUAL.solve(cost, sizes)
            assert close(got.cost, FLOW.solve(cost, sizes).cost, cost)


def test_empty_clusters_with_bounds() -> None:
    rng = np.random.default_rng(3)
    for _ in range(10):
        cost = rng.random((5, 8))
        sizes = resolve_sizes(5, size_min=0, size_max=2, n_clusters=8)
        got = DUAL.solve(cost, sizes)
        assert (got.counts == 0).sum() >= 3 and got.counts.max() <= 2
        assert close(got.cost, lp_oracle(cost, sizes), cost)


@pytest.mark.parametrize("bounds", [False, True])
def test_multiscale_cold_start_on_larger_problem(bounds: bool) -> None:
    rng = np.random.default_rng(11)
    X = rng.normal(size=(6000, 2))
    centers = rng.normal(size=(12, 2))
    cost = ((X[:, None, :] - centers[None]) ** 2).sum(-1)
    sizes = (resolve_sizes(6000, size_min=300, size_max=700, n_clusters=12) if bounds
             else resolve_sizes(6000, n_clusters=12))
    got = DUAL.solve(cost, sizes)
    assert close(got.cost, FLOW.solve(cost, sizes).cost, cost)
    certify_prices(cost, got.labels, got.prices, sizes)


@pytest.mark.parametrize("bounds", [False, True])
def test_warm_start_from_good_perturbed_and_garbage_prices(bounds: bool) -> None:
    rng = np.random.default_rng(5)
    n, k = 400, 6
    cost = rng.random((n, k))
    sizes = (resolve_sizes(n, size_min=40, size_max=90, n_clusters=k) if bounds
             else Sizes.from_counts(rng.multinomial(n - 6 * k, np.ones(k) / k) + 6))
    cold = DUAL.solve(cost, sizes)
    expected = FLOW.solve(cost, sizes).cost
    exact_warm = DUAL.solve(cost, sizes, warm_start=cold.prices)
    assert exact_warm.info["warm_started"] and exact_warm.info["moves"] <= 6   # argmin ties only
    assert close(exact_warm.cost, expected, cost)
    nearby = cost + 0.01 * rng.random((n, k))
    starts = [cold.prices + 1e-3 * rng.normal(size=k), rng.normal(size=k) * 1e6, np.zeros(k)]
    for start in starts:
        assert close(DUAL.solve(cost, sizes, warm_start=start).cost, expected, cost)
        assert close(DUAL.solve(nearby, sizes, warm_start=start).cost,
                     FLOW.solve(nearby, sizes).cost, nearby)
    assert not DUAL.solve(cost, sizes, warm_start=starts[1]).info["warm_started"]


def test_warm_start_of_wrong_shape_is_rejected() -> None:
    with pytest.raises(ValidationError, match="'warm_start' parameter must be a finite array of shape"):
        DUAL.solve(np.zeros((4, 2)), resolve_sizes(4, n_clusters=2), warm_start=np.zeros(3))
    with pytest.raises(ValidationError, match="warm_start"):
        DUAL.solve(np.zeros((4, 2)), resolve_sizes(4, n_clusters=2), warm_start=[np.nan, 0.0])


def _suboptimal_swap(cost: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Swap two points of different clusters so the total cost strictly increases."""
    for i in range(len(labels)):
        for j in range(len(labels)):
            p, q = labels[i], labels[j]
            if p != q and cost[i, q] + cost[j, p] > cost[i, p] + cost[j, q] + 1e-6:
                worse = labels.copy()
                worse[i], worse[j] = q, p
                return worse
    raise AssertionError("no worsening swap found")


def test_certificate_rejects_suboptimal_assignment_and_wrong_prices() -> None:
    rng = np.random.default_rng(9)
    cost = rng.random((60, 4))
    sizes = resolve_sizes(60, n_clusters=4)
    best = DUAL.solve(cost, sizes)
    certify_prices(cost, best.labels, best.prices, sizes)
    worse = _suboptimal_swap(cost, best.labels)
    assert price_violation(cost, worse, best.prices, sizes)[0] > 1e-6
    with pytest.raises(CertificateError, match="do not prove optimality"):
        certify_prices(cost, worse, best.prices, sizes)
    assert not is_optimal(cost, worse, sizes)
    with pytest.raises(CertificateError, match="do not prove optimality"):
        certify_prices(cost, best.labels, best.prices + np.array([1.0, 0.0, 0.0, 0.0]), sizes)
    with pytest.raises(CertificateError, match="outside the required sizes"):
        certify_prices(cost, np.zeros(60, dtype=np.int64), best.prices, sizes)
    with pytest.raises(CertificateError, match="not all finite"):
        certify_prices(cost, best.labels, np.full(4, np.nan), sizes)


@pytest.mark.parametrize("kind", ["uniform", "ties", "huge", "offset", "constant"])
def test_numba_certificate_agrees_with_numpy_reference(kind: str) -> None:
    from fsclust.assign._kernels.certificate import reduced_cost_gap

    rng = np.random.default_rng(13)
    cost = random_costs(rng, 203, 7, kind)       # n not a multiple of the kernel's row blocks
    sizes = resolve_sizes(203, n_clusters=7)
    best = DUAL.solve(cost, sizes)
    labels = [best.labels, rng.integers(0, 7, size=203)]
    if kind != "constant":
        labels.append(_suboptimal_swap(cost, best.labels))
    for lab in labels:
        for prices in (best.prices, rng.normal(size=7)):
            ref, ref_scale = price_violation(cost, lab, prices, sizes)
            gap, scale, total = reduced_cost_gap(cost, lab, prices)
            assert gap == ref and scale == ref_scale
            assert total == pytest.approx(cost[np.arange(203), lab].sum(), rel=1e-12, abs=1e-300)
    if kind != "constant":                     # the suboptimal swap fails the certificate
        with pytest.raises(CertificateError, match="do not prove optimality"):
            certify_prices(cost, labels[-1], best.prices, sizes)
    assert reduced_cost_gap(cost, np.full(203, 7), best.prices)[0] == np.inf


def test_argmin_kernel_matches_numpy_first_argmin_and_regret() -> None:
    from fsclust.assign._kernels.dual import argmin_rows

    rng = np.random.default_rng(17)
    for k in (1, 2, 5, 8, 13):
        cost = np.vstack([rng.integers(0, 3, size=(150, k)).astype(float), rng.random((150, k))])
        prices = rng.integers(0, 2, size=k).astype(float)
        labels, regret = np.empty(300, np.int64), np.empty(300)
        assert argmin_rows(cost, prices, labels, regret) == abs(cost).max()
        reduced = cost - prices
        np.testing.assert_array_equal(labels, reduced.argmin(axis=1))
        second = np.sort(reduced, axis=1)[:, 1] if k > 1 else np.full(300, np.inf)
        np.testing.assert_array_equal(regret, second - reduced.min(axis=1))


def test_certificate_checks_the_dummy_price_conditions_of_bounds() -> None:
    cost = np.array([[0.0, 1.0], [0.0, 1.0]])
    sizes = resolve_sizes(2, size_min=0, size_max=2, n_clusters=2)
    labels = np.array([0, 1])          # each point at an argmin of cost - [0, 1] (a tie) ...
    assert price_violation(cost, labels, np.array([0.0, 1.0]), sizes)[0] == pytest.approx(1.0)
    with pytest.raises(CertificateError):   # ... but both clusters are strictly inside bounds
        certify_prices(cost, labels, np.array([0.0, 1.0]), sizes)
    certify_prices(cost, np.array([0, 0]), np.array([0.0, 0.0]), sizes)


def test_solve_raises_when_the_certificate_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dual_module, "_cluster_prices", lambda u, k: np.arange(k) * 10.0)
    cost = np.random.default_rng(1).random((30, 3))
    with pytest.raises(CertificateError):
        DUAL.solve(cost, resolve_sizes(30, n_clusters=3))


def test_registry_auto_and_public_assign() -> None:
    sizes = resolve_sizes(100_000, n_clusters=10)
    assert get_solver("auto", sizes, 100_000).name == "dual"
    assert get_solver("auto", resolve_sizes(50, n_clusters=5), 50).name == "flow"
    cost = np.random.default_rng(2).random((300, 5))
    got = assign(cost, size_min=40, size_max=80, solver="dual", verify=True)
    assert got.solver == "dual" and got.prices.shape == (5,)
    assert close(got.cost, assign(cost, size_min=40, size_max=80).cost, cost)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_size_kmeans_dual_equals_flow(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, 0.7, size=(60, 2)) for c in ((0, 0), (3, 1), (1, 4))])
    options = {"sizes": [50, 60, 70], "n_init": 2, "random_state": seed}
    dual = FixedSizeKMeans(solver="dual", **options).fit(X)
    flow = FixedSizeKMeans(solver="flow", **options).fit(X)
    assert sorted(dual.sizes_.tolist()) == [50, 60, 70]
    assert dual.inertia_ == pytest.approx(flow.inertia_, rel=1e-9)
    bounded = FixedSizeKMeans(3, size_min=45, size_max=75, solver="dual", n_init=2,
                              random_state=seed).fit(X)
    reference = FixedSizeKMeans(3, size_min=45, size_max=75, n_init=2, random_state=seed).fit(X)
    assert bounded.inertia_ == pytest.approx(reference.inertia_, rel=1e-9)


def test_info_reports_the_work_and_where_the_time_went() -> None:
    rng = np.random.default_rng(12)
    cost, sizes = rng.random((3000, 40)), resolve_sizes(3000, n_clusters=40)
    info = DUAL.solve(cost, sizes).info
    assert info["moves"] > 0 and info["rounds"] > 0
    assert info["settled"] >= info["rounds"] and info["scanned"] > 0 and info["rebuilt"] >= 0
    split = info["split"]
    assert set(split) == {"pass", "ladder", "paths", "certify"}
    assert min(split.values()) >= 0 and sum(split.values()) <= info["seconds"]
