"""Per-cluster size bounds (size_min / size_max as arrays) in the library, `Problem`, `solve`
and the estimator: exact feasibility messages and bounds honoured (property-tested)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fsclust
from fsclust import FixedSizeKMeans, assign, resolve_sizes
from fsclust.errors import InfeasibleError, ValidationError


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"size_min": [2, 5, 1], "size_max": [4, 4, 4]}, InfeasibleError,
     r"size_min\[1\]=5 > size_max\[1\]=4"),
    ({"size_max": [3, 3, 3]}, InfeasibleError,
     r"size_max sums to 9 < 10 points: no assignment can place every point"),
    ({"size_min": [4, 4, 3]}, InfeasibleError,
     r"size_min sums to 11 > 10 points: the minimum sizes cannot all be met"),
    ({"size_min": 4, "n_clusters": 3}, InfeasibleError, r"size_min sums to 12 > 10 points"),
    ({"size_max": [5, 5], "n_clusters": 3}, ValidationError,
     r"The 'size_max' parameter must be of length n_clusters=3. Got length 2 instead."),
    ({"size_min": [1.5, 0, 0]}, ValidationError,
     r"The 'size_min\[0\]' parameter must be an integer. Got 1.5 instead."),
    ({"size_max": [5, 5, -1]}, ValidationError,
     r"The 'size_max\[2\]' parameter must be an integer >= 0. Got -1 instead."),
    ({"size_max": [[5, 5]], "n_clusters": 2}, ValidationError,
     r"The 'size_max' parameter must be a number or a 1-D array. Got an array of shape "
     r"\(1, 2\) instead."),
    ({"size_min": ["a", "b"]}, ValidationError,
     r"The 'size_min' parameter must be a number or a 1-D array of numbers."),
    ({"sizes": [5, 5], "size_max": [6, 6]}, ValidationError,
     r"The 'sizes' parameter must be None \(omitted\) when 'size_min' or 'size_max' is given. "
     r"Got \[5, 5\] instead."),
])
def test_resolve_messages(kwargs, error, message):
    with pytest.raises(error, match=message):
        resolve_sizes(10, **kwargs)


def test_array_bounds_fix_the_number_of_clusters_and_mix_with_scalars():
    sizes = resolve_sizes(10, size_min=[1, 2, 3], size_max=6)
    assert sizes.n_clusters == 3
    assert sizes.lo.tolist() == [1, 2, 3]
    assert sizes.hi.tolist() == [6, 6, 6]
    clipped = resolve_sizes(10, size_max=[50, 2])
    assert clipped.hi.tolist() == [10, 2]


@pytest.mark.parametrize("entry", ["assign", "problem", "estimator"])
def test_every_entry_point_reports_the_same_feasibility_message(entry):
    X = np.random.default_rng(0).random((10, 2))
    message = r"size_max sums to 9 < 10 points"
    with pytest.raises(InfeasibleError, match=message):
        if entry == "assign":
            assign(np.zeros((10, 3)), size_max=[3, 3, 3])
        elif entry == "problem":
            fsclust.Problem.create(X, size_max=[3, 3, 3])
        else:
            FixedSizeKMeans(size_max=[3, 3, 3]).fit(X)


def test_problem_and_solve_with_per_cluster_bounds():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    lo, hi = np.array([5, 10, 20]), np.array([10, 20, 40])
    result = fsclust.solve(fsclust.Problem.create(X, size_min=lo, size_max=hi), n_init=2,
                           random_state=0)
    assert ((result.counts >= lo) & (result.counts <= hi)).all()


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 4), n=st.integers(4, 30))
def test_bounds_are_always_honoured(seed, k, n):
    rng = np.random.default_rng(seed)
    lo = rng.integers(0, n // k + 1, size=k)
    hi = lo + rng.integers(0, n, size=k)
    if hi.sum() < n:
        hi[-1] += n - hi.sum()
    cost = rng.normal(size=(n, k))
    result = assign(cost, size_min=lo, size_max=hi)
    assert ((result.counts >= lo) & (result.counts <= np.minimum(hi, n))).all()
    X = rng.normal(size=(n, 2))
    model = FixedSizeKMeans(size_min=lo, size_max=hi, n_init=1, max_iter=5, random_state=seed)
    labels = model.fit(X).labels_
    counts = np.bincount(labels, minlength=k)
    assert ((counts >= lo) & (counts <= hi)).all()


def test_estimator_accepts_per_cluster_bounds_without_n_clusters():
    X = np.random.default_rng(2).normal(size=(30, 2))
    model = FixedSizeKMeans(size_min=[2, 4, 6], size_max=[10, 12, 14], n_init=2,
                            random_state=0).fit(X)
    assert model.cluster_centers_.shape == (3, 2)
    assert ((model.sizes_ >= [2, 4, 6]) & (model.sizes_ <= [10, 12, 14])).all()


def test_weight_bounds_accept_per_cluster_float_arrays():
    X = np.random.default_rng(3).normal(size=(12, 2))
    weight = np.linspace(0.5, 2.0, 12)
    model = FixedSizeKMeans(size_unit="weight", size_min=[2.0, 2.5, 3.0],
                            size_max=[6.0, 7.5, 9.0], n_init=1, random_state=0)
    model.fit(X, sample_weight=weight)
    totals = np.bincount(model.labels_, weights=weight, minlength=3)
    assert ((totals >= [2.0, 2.5, 3.0]) & (totals <= [6.0, 7.5, 9.0])).all()
