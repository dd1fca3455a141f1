"""FixedSizeKMeans in scikit-learn conventions."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import FixedSizeKMeans, ValidationError


def test_fit_sets_attributes(blobs: np.ndarray) -> None:
    model = FixedSizeKMeans(sizes=[10, 20, 40, 50], n_init=2, random_state=0)
    assert model.fit(blobs) is model
    assert model.labels_.shape == (120,)
    assert model.cluster_centers_.shape == (4, 2)
    assert model.sizes_.tolist() == [10, 20, 40, 50]
    assert model.n_features_in_ == 2 and model.n_iter_ >= 1
    sse = ((blobs - model.cluster_centers_[model.labels_]) ** 2).sum()
    assert model.inertia_ == pytest.approx(sse, rel=1e-9)
    assert model.mse_ == pytest.approx(sse / 120, rel=1e-9)


def test_fraction_sizes(blobs: np.ndarray) -> None:
    model = FixedSizeKMeans(sizes=[0.5, 0.3, 0.2], n_init=1, random_state=0).fit(blobs)
    assert model.sizes_.tolist() == [60, 36, 24]


def test_bounds(blobs: np.ndarray) -> None:
    model = FixedSizeKMeans(4, size_min=25, size_max=35, n_init=2, random_state=0).fit(blobs)
    assert model.sizes_.min() >= 25 and model.sizes_.max() <= 35


def test_fit_predict_transform_score(blobs: np.ndarray) -> None:
    model = FixedSizeKMeans(4, n_init=1, random_state=0)
    labels = model.fit_predict(blobs)
    assert np.array_equal(labels, model.labels_)
    distances = model.transform(blobs[:5])
    assert distances.shape == (5, 4)
    assert np.array_equal(model.predict(blobs[:5]), distances.argmin(axis=1))
    assert model.score(blobs[:5]) == pytest.approx(-(distances.min(axis=1) ** 2).sum(), rel=1e-9)
    assert model.fit_transform(blobs).shape == (120, 4)


def test_get_and_set_params() -> None:
    model = FixedSizeKMeans(3, n_init=4)
    params = model.get_params()
    assert params["n_clusters"] == 3 and params["n_init"] == 4 and params["solver"] == "auto"
    assert model.set_params(max_iter=7) is model and model.max_iter == 7
    assert repr(model) == "FixedSizeKMeans(max_iter=7, n_clusters=3, n_init=4)"
    with pytest.raises(ValidationError, match=r"The 'colour' parameter must be a parameter of "
                                              r"FixedSizeKMeans \(one of \['n_clusters', .*\]\). "
                                              r"Got 'red' instead."):
        model.set_params(colour="red")


def test_unfitted_and_wrong_width_errors(blobs: np.ndarray) -> None:
    model = FixedSizeKMeans(2)
    with pytest.raises(ValidationError, match="not fitted yet"):
        model.predict(blobs)
    model.set_params(n_init=1).fit(blobs)
    message = r"X has 5 features, but FixedSizeKMeans is expecting 2 features as input"
    with pytest.raises(ValidationError, match=message):
        model.predict(np.zeros((3, 5)))


def test_works_with_sklearn_clone_and_pipeline(blobs: np.ndarray) -> None:
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = clone(FixedSizeKMeans(3, n_init=1, random_state=0))
    pipe = make_pipeline(StandardScaler(), model).fit(blobs)
    assert sklearn is not None
    assert sorted(np.bincount(pipe[-1].labels_).tolist()) == [40, 40, 40]
