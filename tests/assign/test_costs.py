"""Squared Euclidean costs (`fsclust.assign.costs`): the fused form, rounded as numpy rounds it."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust.assign.costs import SquaredEuclidean, row_norms_sq, squared_distances


def _numpy_fused(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """``|x|^2 - 2 x.c + |c|^2`` clipped at 0, in numpy's four in-place steps."""
    res = X @ centers.T
    res *= -2.0
    res += row_norms_sq(X)[:, None]
    res += row_norms_sq(centers)[None, :]
    return np.maximum(res, 0.0)


@pytest.mark.parametrize(("n", "d", "k", "scale"), [(500, 5, 7, 1.0), (3000, 16, 100, 1e3),
                                                    (200, 64, 300, 1e-3), (50, 9, 3, 10.0)])
def test_fused_costs_are_numpy_bit_for_bit(n, d, k, scale):
    """The numba finish of the BLAS product rounds every entry as the numpy steps do (centers on
    points included, where round-off may fall below 0 and is clipped)."""
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, d)) * scale
    centers = np.vstack([X[:2], rng.normal(size=(k - 2, d)) * scale])
    got, want = squared_distances(X, centers), _numpy_fused(X, centers)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


def test_matrix_writes_into_the_given_buffer():
    rng = np.random.default_rng(1)
    X, centers, w = rng.normal(size=(40, 6)), rng.normal(size=(5, 6)), rng.uniform(1, 2, 40)
    out = np.full((40, 5), np.nan)
    got = SquaredEuclidean(w).matrix(X, centers, out=out)
    assert got is out
    assert np.array_equal(out, SquaredEuclidean(w).matrix(X, centers))
