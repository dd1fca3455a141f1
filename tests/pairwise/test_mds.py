"""Classical MDS: exact on Euclidean distances, honest stress / lost variance otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import classical_mds
from fsclust.errors import ValidationError
from fsclust.pairwise.mds import pairwise_distances


def test_reproduces_euclidean_distances() -> None:
    X = np.random.default_rng(0).normal(size=(12, 3))
    d = pairwise_distances(X)
    emb = classical_mds(d)
    assert emb.n_components == 3
    assert np.allclose(pairwise_distances(emb.X), d, atol=1e-8)
    assert emb.stress == pytest.approx(0.0, abs=1e-8)
    assert emb.lost_variance == pytest.approx(0.0, abs=1e-8)


def test_fewer_dimensions_lose_variance() -> None:
    X = np.random.default_rng(1).normal(size=(15, 3)) * [5.0, 2.0, 0.5]
    full, two = classical_mds(pairwise_distances(X)), classical_mds(pairwise_distances(X), 2)
    assert two.n_components == 2
    assert 0.0 < two.lost_variance < 0.1
    assert two.stress > full.stress
    assert np.isclose(two.eigenvalues.sum(), full.eigenvalues.sum())


def test_non_euclidean_matrix_reports_negative_eigenvalues() -> None:
    d = np.ones((4, 4)) - np.eye(4)
    d[0, 1] = d[1, 0] = 3.0          # violates the triangle inequality
    emb = classical_mds(d)
    assert (emb.eigenvalues < -1e-9).any()
    assert emb.lost_variance > 0.0
    assert "negative eigenvalue" in emb.describe()


def test_too_many_dimensions_is_an_error() -> None:
    d = pairwise_distances(np.arange(5.0)[:, None])
    with pytest.raises(ValidationError, match=r"'n_components' parameter must be an int in \[1, 1\]"):
        classical_mds(d, 3)


def test_mds_preserves_cluster_structure_in_karonkka() -> None:
    from pathlib import Path

    from fsclust.app.data_io import read_matrix

    table = read_matrix(Path(__file__).resolve().parents[2] / "models" / "data" / "karonkka.tsv")
    emb = classical_mds(table.values)
    family = [table.names.index(n) for n in ("JR", "ER", "IR", "NR")]
    assert np.allclose(emb.X[family], emb.X[family[0]], atol=1e-6)
    assert emb.X.shape == (22, int((emb.eigenvalues > 1e-9 * abs(emb.eigenvalues).max()).sum()))


# --- issue 11, item 1: the range classical MDS accepts -----------------------------------------
@pytest.mark.parametrize("top", [1e160, 1e300, np.inf])
def test_huge_distances_are_refused_naming_the_limit(top: float) -> None:
    d = np.array([[0.0, top, 3.0], [top, 0.0, 4.0], [3.0, 4.0, 0.0]])
    with pytest.raises(ValidationError, match=r"The 'distances' parameter must be distances <= "
                                              r"1.67e\+149 \(5e149 / n for n=3: classical MDS squares"):
        classical_mds(d)


@pytest.mark.parametrize("unit", [1e-200, 1.0, 1e140])
def test_the_embedding_is_exact_at_any_scale(unit: float) -> None:
    d = np.array([[0.0, 3.0, 5.0], [3.0, 0.0, 4.0], [5.0, 4.0, 0.0]])
    emb = classical_mds(d * unit)
    assert emb.n_components == 2
    assert np.allclose(pairwise_distances(emb.X / unit), d, atol=1e-9)
