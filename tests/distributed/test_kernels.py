"""The pass kernel (`fsclust.distributed.kernels.scan_rows`) against the same sweep in numpy."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust.assign.costs import row_norms_sq
from fsclust.distributed.balance import gap_edges
from fsclust.distributed.blocks import block_costs
from fsclust.distributed.kernels import bin_table, scan_rows
from fsclust.models.update import cluster_sums


def _case(seed: int, m: int = 3000, d: int = 6, k: int = 9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d)) + rng.integers(0, 3, size=(m, 1)) * 1.5
    X[:5] = X[0]                                      # equal rows
    return X, X[rng.choice(m, k, replace=False)], rng.normal(size=k)


def _numpy_gaps(cost: np.ndarray, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reduced = cost - prices
    labels = reduced.argmin(axis=1)
    rows = np.arange(cost.shape[0])
    gap = reduced - reduced[rows, labels][:, None]
    gap[rows, labels] = np.inf
    return labels, gap


def _scan(cost: np.ndarray, X: np.ndarray, w: np.ndarray, prices: np.ndarray, rho: np.ndarray,
          edges: np.ndarray, stride: int = 1, norms: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    (m, k), d = cost.shape, X.shape[1]
    out = {"labels": np.empty(m, np.int64), "own": np.empty(m), "near": np.empty(m, bool),
           "hist": np.zeros((k, k, max(edges.size - 1, 1)), np.int32), "sums": np.zeros((k, d)),
           "mass": np.zeros(k)}
    table = bin_table(edges) if edges.size > 1 else np.zeros(1, np.int64)
    x_sq, c_sq = norms or (np.zeros(0), np.zeros(0))
    out["top"] = scan_rows(cost, x_sq, c_sq, X, w, prices, rho, edges, table, stride, out["labels"],
                           out["own"], out["near"], out["hist"], out["sums"], out["mass"])
    return out


@pytest.mark.parametrize("seed", range(4))
def test_scan_rows_is_the_numpy_sweep(seed):
    """Labels (first index on ties), own costs, the points near a pair's boundary, the largest
    cost, the cluster sums and the gap histograms (gaps on the edges and on the cap included)
    equal the numpy computation."""
    X, centers, prices = _case(seed)
    k = centers.shape[0]
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.0, X.shape[0]) if seed % 2 else np.zeros(0)
    cost = block_costs(X, w if w.size else None, centers)
    labels, gap = _numpy_gaps(cost, prices)
    edges = gap_edges(float(np.quantile(gap[np.isfinite(gap)], 0.7)), bins=6)
    at = np.flatnonzero(labels[20:40] != 3) + 20      # move some gaps onto the edges, the cap included
    cost[at, 3] += edges[rng.integers(0, edges.size, at.size)] - gap[at, 3]
    cost[5:8] = cost[5:8, :1]                         # rows of ties: the first index wins
    labels, gap = _numpy_gaps(cost, prices)
    rho = rng.uniform(0, 2, size=(k, k))
    rho[2] = np.inf                                   # a row listed whole
    got = _scan(cost, X, w, prices, rho, edges)
    assert np.array_equal(got["labels"], labels)
    assert np.array_equal(got["own"], cost[np.arange(cost.shape[0]), labels])
    assert np.array_equal(got["near"], (gap < rho[labels]).any(axis=1))
    assert got["top"] == cost.max()
    sums, mass = cluster_sums(X, labels, k, w if w.size else None)
    np.testing.assert_allclose(got["sums"], sums, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(got["mass"], mass, rtol=1e-12)
    src, dst = np.nonzero(gap < edges[-1])
    b = np.minimum(np.searchsorted(edges, gap[src, dst], side="right") - 1, edges.size - 2)
    want = np.bincount((labels[src] * k + dst) * (edges.size - 1) + b, minlength=k * k * (edges.size - 1))
    assert np.array_equal(got["hist"], want.reshape(k, k, -1))


@pytest.mark.parametrize("weighted", [False, True])
def test_scan_rows_finishes_the_products_into_the_costs(weighted):
    """Given the BLAS products and the squared norms, the sweep leaves the costs of
    `block_costs` in the buffer, bit for bit, and sweeps them as it sweeps those costs."""
    X, centers, prices = _case(11, d=9)
    k = centers.shape[0]
    w = np.random.default_rng(3).uniform(0.5, 2.0, X.shape[0]) if weighted else np.zeros(0)
    cost = block_costs(X, w if weighted else None, centers)
    edges = gap_edges(float(np.quantile(cost, 0.2)), bins=6)
    rho = np.full((k, k), float(np.quantile(cost, 0.1)))
    products = X @ centers.T
    fused = _scan(products, X, w, prices, rho, edges, norms=(row_norms_sq(X), row_norms_sq(centers)))
    plain = _scan(cost.copy(), X, w, prices, rho, edges)
    assert np.array_equal(products, cost)
    for name in ("labels", "own", "near", "hist", "sums", "mass", "top"):
        assert np.array_equal(fused[name], plain[name]), name


def test_scan_rows_with_one_edge_counts_nothing():
    X, centers, prices = _case(7)
    k = centers.shape[0]
    got = _scan(block_costs(X, None, centers), X, np.zeros(0), prices, np.zeros((k, k)), np.zeros(1))
    assert not got["hist"].any()


@pytest.mark.parametrize("stride", [2, 3])
def test_scan_rows_counts_the_histograms_of_every_stride_th_row(stride):
    X, centers, prices = _case(9)
    cost = block_costs(X, None, centers)
    k = centers.shape[0]
    gap = _numpy_gaps(cost, prices)[1]
    edges = gap_edges(float(np.quantile(gap[np.isfinite(gap)], 0.5)), bins=5)
    every = _scan(cost, X, np.zeros(0), prices, np.zeros((k, k)), edges)
    some = _scan(cost[::stride].copy(), X[::stride].copy(), np.zeros(0), prices, np.zeros((k, k)), edges)
    got = _scan(cost, X, np.zeros(0), prices, np.zeros((k, k)), edges, stride)
    assert np.array_equal(got["hist"], some["hist"])
    assert np.array_equal(got["labels"], every["labels"])
    assert got["hist"].sum() < every["hist"].sum()


@pytest.mark.parametrize("d", [2, 8])
def test_warm_up_loads_the_pass_kernel(d):
    """What a fit sends to every worker at its start: one pass over zeros, which leaves the
    kernel compiled (or loaded from the numba cache) in the process."""
    from fsclust.distributed.blocks import warm_up

    warm_up(d, 7)
    assert scan_rows.signatures


def test_model_potential_is_the_binned_integral():
    """The Newton model's pair terms: ``F_pl`` linear within each bin from the histogram's running
    sums, constant past the cap, 0 for ``t <= 0``; ``G_pl`` its integral (by quadrature here)."""
    from fsclust.distributed.balance import _Model
    from fsclust.distributed.kernels import model_potential

    rng = np.random.default_rng(5)
    k, edges = 6, gap_edges(10.0, bins=4)
    hist = rng.integers(0, 5, size=(k, k, edges.size - 1)).astype(np.float64)
    model = _Model(hist, edges, np.zeros(k), np.zeros(k))
    cum = np.concatenate([np.zeros((k, k, 1)), np.cumsum(hist, axis=2)], axis=2)

    def F(p, q, t):
        if t <= 0:
            return 0.0
        if t >= edges[-1]:
            return cum[p, q, -1]
        b = np.searchsorted(edges, t, side="right") - 1
        return cum[p, q, b] + (t - edges[b]) * hist[p, q, b] / (edges[b + 1] - edges[b])

    delta = rng.uniform(-8, 8, size=k)
    delta[1] = delta[0]                                   # a pair at t = 0
    delta[2] = delta[3] + 15.0                            # and pairs past the cap
    moved = np.empty((k, k))
    total = model_potential(hist, model.cum, model.area, edges, delta, moved)
    want, area = np.zeros((k, k)), 0.0
    for p in range(k):
        for q in range(k):
            t = delta[q] - delta[p]
            want[p, q] = F(p, q, t)
            if t > 0:
                grid = np.unique(np.r_[np.linspace(0, t, 2001), edges[edges < t]])
                area += np.trapezoid([F(p, q, x) for x in grid], grid)
    assert np.allclose(moved, want, rtol=1e-12, atol=1e-12)
    assert total == pytest.approx(area, rel=1e-9)
