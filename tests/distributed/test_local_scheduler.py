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


def test_npy_array_reads_blocks_on_the_workers(tmp_path) -> None:
    import pickle

    from fsclust.distributed.data import npy_array

    data = np.arange(5000 * 3, dtype=np.float32).reshape(5000, 3)
    path = tmp_path / "points.npy"
    np.save(path, data)
    array = npy_array(str(path), 700)
    assert array.shape == (5000, 3) and array.dtype == np.float32
    assert array.chunks == ((700,) * 7 + (100,), (3,))
    np.testing.assert_array_equal(array.compute(), data)
    graph = pickle.dumps(dict(array.__dask_graph__()))
    assert len(graph) < data.nbytes / 4          # the graph holds the path and offsets, not the rows
