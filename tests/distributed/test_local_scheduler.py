"""Without a dask.distributed client the dask route runs on dask's local scheduler."""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from fsclust import FixedSizeKMeans  # noqa: E402


def test_fit_without_client():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    centers = X[:3].copy()
    model = FixedSizeKMeans(sizes=[100, 200, 300], init=centers, n_init=1).fit(da.from_array(X, chunks=150))
    mem = FixedSizeKMeans(sizes=[100, 200, 300], solver="dual", init=centers, n_init=1).fit(X)
    assert np.array_equal(model.labels_.compute(), mem.labels_)
    assert model.sizes_.tolist() == [100, 200, 300]
