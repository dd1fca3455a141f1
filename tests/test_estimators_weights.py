"""Sample weights with sizes counted in points: weighted objective and weighted means,
checked against a direct computation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import fsclust
from fsclust import FixedSizeKMeans
from fsclust.errors import ValidationError


def blobs(seed: int, n: int = 90) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) + rng.integers(0, 3, n)[:, None] * 3.0
    return X, rng.lognormal(0.0, 0.7, n)


def direct_sse(X: np.ndarray, w: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> float:
    return float(sum(w[i] * np.sum((X[i] - centers[labels[i]]) ** 2) for i in range(len(X))))


def direct_means(X: np.ndarray, w: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    return np.array([(w[labels == j, None] * X[labels == j]).sum(axis=0) / w[labels == j].sum()
                     for j in range(k)])


@pytest.mark.parametrize("seed", range(4))
def test_weighted_fit_objective_and_means(seed):
    X, w = blobs(seed)
    model = FixedSizeKMeans(3, sizes=[20, 30, 40], n_init=3, random_state=seed)
    model.fit(X, sample_weight=w)
    assert sorted(model.sizes_.tolist()) == [20, 30, 40]
    assert model.inertia_ == pytest.approx(direct_sse(X, w, model.labels_, model.cluster_centers_))
    if model.result_.converged:
        # at convergence the centers are the weighted means of the final clusters
        assert np.allclose(model.cluster_centers_, direct_means(X, w, model.labels_, 3))
    objectives = [h["objective"] for h in model.result_.history]
    assert all(b <= a + 1e-9 * abs(a) for a, b in itertools.pairwise(objectives))


def test_weighted_assignment_is_optimal_for_the_weighted_cost():
    X, w = blobs(11, n=8)
    problem = fsclust.Problem.create(X, sizes=[4, 4], sample_weight=w)
    result = fsclust.solve(problem, init=X[:2], n_init=1, max_iter=1)
    centers = result.centers            # labels are optimal for the returned centers
    cost = w[:, None] * ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    best = min(cost[np.arange(8), list(lab)].sum()
               for lab in itertools.product(range(2), repeat=8) if sum(lab) == 4)
    assert result.objective == pytest.approx(best)


def test_weights_change_the_centers_towards_heavy_points():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    w = np.array([1.0, 3.0, 1.0, 1.0])
    model = FixedSizeKMeans(2, sizes=[2, 2], n_init=2, random_state=0).fit(X, sample_weight=w)
    assert sorted(model.cluster_centers_.ravel().tolist()) == pytest.approx([0.75, 10.5])
    assert model.inertia_ == pytest.approx(1 * 0.75**2 + 3 * 0.25**2 + 2 * 0.5**2)


def test_unit_weights_equal_the_unweighted_fit():
    X, _ = blobs(3)
    plain = FixedSizeKMeans(3, n_init=3, random_state=1).fit(X)
    ones = FixedSizeKMeans(3, n_init=3, random_state=1).fit(X, sample_weight=np.ones(len(X)))
    assert ones.inertia_ == pytest.approx(plain.inertia_)
    assert np.array_equal(ones.labels_, plain.labels_)


def test_scaling_all_weights_scales_the_objective():
    X, w = blobs(4)
    a = FixedSizeKMeans(3, n_init=2, random_state=0).fit(X, sample_weight=w)
    b = FixedSizeKMeans(3, n_init=2, random_state=0).fit(X, sample_weight=4.0 * w)
    assert b.inertia_ == pytest.approx(4.0 * a.inertia_)
    assert np.array_equal(a.labels_, b.labels_)


def test_sizes_still_count_points_with_weights():
    X, w = blobs(5)
    model = FixedSizeKMeans(3, size_min=[25, 25, 25], size_max=[35, 35, 35], n_init=2,
                            random_state=0).fit(X, sample_weight=w)
    assert ((model.sizes_ >= 25) & (model.sizes_ <= 35)).all()
    assert model.sizes_.sum() == len(X)


@pytest.mark.parametrize(("weight", "message"), [
    (np.ones(5), r"The 'sample_weight' parameter must be of shape \(6,\). Got shape \(5,\) "
                 r"instead."),
    (np.array([1.0, 1.0, -0.5, 1.0, 1.0, 1.0]), r"The 'sample_weight' parameter must be finite "
                                                r"and >= 0. Got -0.5 instead."),
    (np.zeros(6), r"The 'sample_weight' parameter must be an array with at least one non-zero "
                  r"weight. Got all zero weights instead."),
    (np.array([1.0, np.nan, 1.0, 1.0, 1.0, 1.0]), r"The 'sample_weight' parameter must be finite "
                                                  r"and >= 0. Got .*nan.* instead."),
    ("heavy", r"The 'sample_weight' parameter must be an array of numbers. Got 'heavy' instead."),
])
def test_bad_weights_are_rejected_with_the_rule(weight, message):
    with pytest.raises(ValidationError, match=message):
        FixedSizeKMeans(2).fit(np.arange(12.0).reshape(6, 2), sample_weight=weight)
