"""Data loaders of the Table 2 reproduction (benchmarks/reproduce_table2.py)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def table2(import_script):
    """The benchmark script, imported as a module."""
    return import_script("reproduce_table2")


def test_thyroid_file_is_uci_new_thyroid(table2) -> None:
    raw = np.loadtxt(table2.DATA / "thyroid.txt", delimiter=",")
    assert raw.shape == (215, 6)
    assert np.bincount(raw[:, 0].astype(int)).tolist() == [0, 150, 35, 30]
    assert table2.uci("thyroid").shape == (215, 5)


def test_iris_is_the_uci_copy(table2) -> None:
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris

    changed = np.flatnonzero(np.any(table2.uci("iris") != load_iris().data, axis=1))
    assert changed.tolist() == [34, 37]


def test_zscore_uses_the_sample_deviation(table2) -> None:
    Z = table2.zscore(np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]]))
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0, ddof=1), 1.0)


def test_subsets(table2) -> None:
    stride = table2.stride_subset(5000, 500)
    assert stride.size == 500 and stride[1] - stride[0] == 10
    rand = table2.random_subset(5000, 500, seed=3)
    assert rand.size == np.unique(rand).size == 500
    assert np.array_equal(rand, table2.random_subset(5000, 500, seed=3))
