"""Initial centers, in particular the size-aware k-means++ seeding."""

from __future__ import annotations

import numpy as np
import pytest

import fsclust
from fsclust.errors import ValidationError
from fsclust.models.init import INITS, resolve_init, size_aware_plusplus
from fsclust.problem.sizes import Sizes


def _dense_and_sparse(seed: int) -> np.ndarray:
    """120 points in a tight blob and 30 in a far blob: balanced k=5 needs 4 centers in the
    big blob (120 / 30), which size-aware seeding should place."""
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(0, 1, size=(120, 2)), rng.normal(50, 1, size=(30, 2))])


def test_size_aware_returns_data_points_of_the_right_shape():
    X = _dense_and_sparse(0)
    centers = size_aware_plusplus(X, np.array([30] * 5), np.random.default_rng(1))
    assert centers.shape == (5, 2)
    assert all((np.abs(X - c).sum(axis=1) == 0).any() for c in centers)
    assert len({tuple(c) for c in centers}) == 5


@pytest.mark.parametrize("seed", range(5))
def test_size_aware_gives_dense_regions_their_share_of_centers(seed):
    X = _dense_and_sparse(seed)
    centers = size_aware_plusplus(X, np.array([30] * 5), np.random.default_rng(seed))
    assert int((centers[:, 0] < 25).sum()) == 4


def test_size_aware_is_deterministic_with_a_seed_and_respects_the_size_order():
    X = _dense_and_sparse(3)
    sizes = np.array([10, 120, 20])
    first = size_aware_plusplus(X, sizes, np.random.default_rng(7))
    again = size_aware_plusplus(X, sizes, np.random.default_rng(7))
    assert np.array_equal(first, again)
    assert first[1, 0] < 25          # the 120-point cluster is seeded in the big blob


def test_resolve_init_uses_the_problem_sizes():
    X = _dense_and_sparse(4)
    sizes = Sizes.from_counts([120, 30])
    init = resolve_init("size-aware", 2, 2, None, sizes)
    centers = init(X, np.random.default_rng(0))
    assert centers.shape == (2, 2) and centers[0, 0] < 25 and centers[1, 0] > 25
    assert "size-aware" in INITS
    assert INITS["size-aware"](X, 5, np.random.default_rng(0)).shape == (5, 2)


def test_size_aware_with_bounds_and_weights_in_solve():
    X = _dense_and_sparse(5)
    problem = fsclust.Problem.create(X, size_min=20, size_max=40, n_clusters=5,
                                     sample_weight=np.linspace(1, 2, 150))
    result = fsclust.solve(problem, init="size-aware", n_init=3, random_state=0)
    assert ((result.counts >= 20) & (result.counts <= 40)).all()


def test_size_aware_is_no_worse_on_average_than_plain_kmeans_plusplus():
    X = _dense_and_sparse(6)
    problem = fsclust.Problem.create(X, n_clusters=5)
    aware = fsclust.solve(problem, init="size-aware", n_init=10, max_iter=1, random_state=0)
    plain = fsclust.solve(problem, init="k-means++", n_init=10, max_iter=1, random_state=0)
    assert np.mean(aware.run_objectives) < np.mean(plain.run_objectives)


def test_unknown_init_names_the_parameter():
    with pytest.raises(ValidationError, match="'init' parameter must be one of"):
        resolve_init("size-awareness", 2, 2)


def test_every_init_name_is_resolved_through_the_table(monkeypatch: pytest.MonkeyPatch):
    seen = []

    def spy(X, k, rng, sample_weight=None, sizes=None):
        seen.append((k, sample_weight, sizes))
        return np.zeros((k, X.shape[1]))

    sizes, weight = Sizes.from_counts([2, 2]), np.ones(4)
    for name in list(INITS):
        monkeypatch.setitem(INITS, name, spy)
        centers = resolve_init(name, 2, 2, weight, sizes)(np.ones((4, 2)), np.random.default_rng(0))
        assert centers.shape == (2, 2)
    assert len(seen) == len(INITS) and all(s == (2, weight, sizes) for s in seen)
