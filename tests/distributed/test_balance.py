"""The Newton passes of a cold distributed step (`fsclust.distributed.balance`), in memory."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust.distributed.balance import GapCounts, _Model, gap_edges, nearest_gap, newton_prices
from fsclust.distributed.kernels import bin_table, scan_rows
from fsclust.distributed.step import count_excess
from fsclust.problem.sizes import Sizes


def _costs(seed: int, n: int = 20_000, d: int = 2, k: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + rng.integers(0, 3, size=(n, 1)) * 1.5
    centers = X[rng.choice(n, k, replace=False)]
    return ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)


def _pass(cost: np.ndarray, prices: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts (k,) and gap histograms (k, k, B) of a pass at ``prices``."""
    m, k = cost.shape
    labels, own, near = np.empty(m, np.int64), np.empty(m), np.empty(m, bool)
    hist = np.zeros((k, k, edges.size - 1), np.int32)
    scan_rows(np.ascontiguousarray(cost), np.zeros(0), np.zeros(0), np.zeros((m, 1)), np.zeros(0),
              np.asarray(prices, dtype=np.float64),
              np.zeros((k, k)), edges, bin_table(edges), 1, labels, own, near, hist, np.zeros((k, 1)),
              np.zeros(k))
    return np.bincount(labels, minlength=k), hist


def test_model_gradient_is_the_predicted_counts():
    cost = _costs(1)
    edges = gap_edges(float(np.quantile(cost, 0.05)))
    counts, hist = _pass(cost, np.zeros(cost.shape[1]), edges)
    target = counts + nearest_gap(Sizes.from_counts(np.full(6, cost.shape[0] // 6)), counts.astype(float))
    model = _Model(hist.astype(float), edges, counts.astype(float), target)
    f0, g0 = model.potential(np.zeros(6))
    assert np.allclose(g0 + target, counts)                  # no move: the pass's counts
    delta = np.random.default_rng(2).normal(size=6) * edges[-1] / 20
    f, g = model.potential(delta)
    for j in range(6):
        e = np.zeros(6)
        e[j] = 1e-5 * edges[-1]
        assert (model.potential(delta + e)[0] - model.potential(delta - e)[0]) / (2 * e[j]) == \
            pytest.approx(g[j], abs=1e-3 * cost.shape[0])
    assert f >= f0 + g0 @ delta - 1e-6 * abs(f0)                # convex


def test_newton_passes_take_the_counts_to_the_sizes():
    cost = _costs(3)
    n, k = cost.shape
    sizes = Sizes.from_counts(np.full(k, n // k) + (np.arange(k) < n % k))
    prices = np.zeros(k)
    edges = gap_edges(float(np.quantile(cost.max(axis=1) - cost.min(axis=1), 0.9)))
    counts, hist = _pass(cost, prices, edges)
    excess = [count_excess(counts, sizes)]
    for _ in range(4):
        prices, _, moved = newton_prices(hist, edges, counts, sizes, prices)
        assert moved.shape == (k, k) and (moved >= 0).all()
        counts, hist = _pass(cost, prices, edges)
        excess.append(count_excess(counts, sizes))
    assert excess[0] > n // 10
    assert excess[-1] <= 0.01 * excess[0]


def test_nearest_gap_with_bounds():
    sizes = Sizes(np.array([2, 2, 2]), np.array([5, 5, 5]))
    assert nearest_gap(sizes, np.array([1.0, 4.0, 7.0])).tolist() == [1.75, 0.25, -2.0]   # room-wise


def test_gap_counts_add_up_sparsely_and_scale_by_their_stride():
    rng = np.random.default_rng(3)
    parts = [np.where(rng.random((4, 4, 5)) < 0.2, rng.integers(1, 9, (4, 4, 5)), 0).astype(np.int32)
             for _ in range(3)]
    total = GapCounts.add([GapCounts.of(p, 2) for p in parts])
    assert total.cells.size == np.count_nonzero(sum(parts))
    np.testing.assert_array_equal(total.dense(), 2.0 * sum(p.astype(np.int64) for p in parts))
