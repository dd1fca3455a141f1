"""The Newton passes of a cold distributed step (`fsclust.distributed.balance`), in memory."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust.distributed.balance import _Model, gap_edges, gap_histogram, gaps, nearest_gap, newton_prices
from fsclust.distributed.step import count_excess
from fsclust.problem.sizes import Sizes


def _costs(seed: int, n: int = 20_000, d: int = 2, k: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + rng.integers(0, 3, size=(n, 1)) * 1.5
    centers = X[rng.choice(n, k, replace=False)]
    return ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)


def _pass(cost: np.ndarray, prices: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reduced = cost - prices
    labels = reduced.argmin(axis=1)
    return np.bincount(labels, minlength=cost.shape[1]), gap_histogram(gaps(reduced, labels), labels, edges)


def test_gap_histogram_counts_every_gap_below_the_cap():
    cost = _costs(0, n=2000)
    reduced = cost - np.linspace(0, 1, cost.shape[1])
    labels = reduced.argmin(axis=1)
    edges = gap_edges(3.0, bins=8)
    hist = gap_histogram(gaps(reduced, labels), labels, edges)
    k = cost.shape[1]
    for p in range(k):
        own = reduced[labels == p]
        gap = own - own[:, [p]]
        for q in range(k):
            want = 0 if q == p else int((gap[:, q] < 3.0).sum())
            assert hist[p, q].sum() == want
    assert np.all(np.diff(edges) > 0) and edges[0] == 0 and edges[-1] == 3.0


def test_gap_histogram_matches_numpy_on_the_edges():
    """The numba count bins every gap as a search in the edges does, gaps on an edge included."""
    rng = np.random.default_rng(5)
    cost = _costs(4, n=3000, k=9)
    reduced = cost - rng.normal(size=9)
    labels = reduced.argmin(axis=1)
    gap = gaps(reduced, labels)
    edges = gap_edges(float(np.quantile(gap[np.isfinite(gap)], 0.7)), bins=6)
    gap[:20, 3] = edges[rng.integers(0, edges.size, 20)]          # on the edges, the cap included
    gap[np.flatnonzero(labels[:20] == 3), 3] = np.inf                # the own column stays inf
    at, to = np.nonzero(gap < edges[-1])
    b = np.minimum(np.searchsorted(edges, gap[at, to], side="right") - 1, edges.size - 2)
    want = np.bincount((labels[at] * 9 + to) * (edges.size - 1) + b, minlength=81 * (edges.size - 1))
    assert np.array_equal(gap_histogram(gap, labels, edges), want.reshape(9, 9, -1))


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
