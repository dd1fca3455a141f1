"""Hypothesis properties: sizes are always honoured, the reported cost is the sum of the chosen
entries, and all backends reach the same optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fsclust import FixedSizeKMeans, assign
from fsclust.assign import SOLVERS, solver_names


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 25))
    k = draw(st.integers(1, min(n, 5)))
    values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    cost = draw(arrays(np.float64, (n, k), elements=values))
    labels = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    exact = np.bincount(labels, minlength=k)
    slack_lo = draw(arrays(np.int64, k, elements=st.integers(0, 2)))
    slack_hi = draw(arrays(np.int64, k, elements=st.integers(0, 2)))
    return cost, np.maximum(exact - slack_lo, 0), exact + slack_hi


@settings(max_examples=60, deadline=None)
@given(problems())
def test_sizes_honoured_and_cost_consistent(problem: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    cost, lo, hi = problem
    results = [assign(cost, size_min=lo, size_max=hi, solver=name)
               for name in solver_names() if SOLVERS[name].capabilities.bounds and name != "lp"]
    for result in results:
        assert (result.counts >= lo).all() and (result.counts <= hi).all()
        assert result.cost == cost[np.arange(cost.shape[0]), result.labels].sum()
    scale = float(np.abs(cost).max()) * cost.shape[0]
    assert max(r.cost for r in results) - min(r.cost for r in results) <= 1e-9 * scale + 1e-12


@settings(max_examples=40, deadline=None)
@given(problems())
def test_exact_sizes_honoured(problem: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    cost, lo, hi = problem
    sizes = (lo + hi) // 2
    sizes[0] += cost.shape[0] - sizes.sum()
    assume(sizes[0] >= 0)
    for name in ("flow", "hungarian"):
        assert assign(cost, sizes, solver=name).counts.tolist() == sizes.tolist()


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4))
def test_estimator_sizes_and_objective(seed: int, k: int) -> None:
    X = np.random.default_rng(seed).normal(size=(23, 2))
    model = FixedSizeKMeans(k, n_init=2, random_state=seed).fit(X)
    expected = np.bincount(model.labels_, minlength=k)
    assert sorted(expected.tolist()) == sorted([23 // k + (j < 23 % k) for j in range(k)])
    direct = ((X - model.cluster_centers_[model.labels_]) ** 2).sum()
    assert model.inertia_ == pytest.approx(direct, rel=1e-9)
