"""The estimators are real scikit-learn estimators: `check_estimator` conformance and the
ecosystem (pipelines, model selection, feature names, set_output, dtypes, sample weights)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from fsclust import FixedSizeKMeans, FixedSizeKMedoids, ValidationError
from fsclust.estimators import ParameterError

# The checks scikit-learn itself expects KMeans to fail, with its reasons; fixed sizes make the
# weights differ from repeated points even more (every point takes a seat).
WEIGHT_EQUIVALENCE = {
    name: "a weight is not a repeated point: every point takes one seat, whatever its weight"
    for name in ("check_sample_weight_equivalence_on_dense_data",
                 "check_sample_weight_equivalence_on_sparse_data")}
PRECOMPUTED = {"check_clustering": "feeds raw points (n, 2), not a precomputed (n, n) matrix"}


def _expected_failures(estimator: object) -> dict[str, str]:
    return {**WEIGHT_EQUIVALENCE, **(PRECOMPUTED if isinstance(estimator, FixedSizeKMedoids) else {})}


@parametrize_with_checks([FixedSizeKMeans(), FixedSizeKMeans(n_clusters=3),
                          FixedSizeKMedoids(), FixedSizeKMedoids(n_clusters=3)],
                         expected_failed_checks=_expected_failures)
def test_sklearn_conformance(estimator: object, check: object) -> None:
    check(estimator)


@pytest.fixture
def X() -> np.ndarray:
    rng = np.random.default_rng(3)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return np.concatenate([c + rng.normal(size=(30, 2)) for c in centers])


def test_default_estimator_fits_eight_balanced_clusters(X: np.ndarray) -> None:
    model = FixedSizeKMeans(random_state=0).fit(X)
    assert sorted(model.sizes_.tolist()) == [11] * 6 + [12] * 2
    assert FixedSizeKMeans(sizes=[40, 30, 20], random_state=0).fit(X).sizes_.tolist() == [40, 30, 20]


def test_unfitted_model_raises_not_fitted_error(X: np.ndarray) -> None:
    model = FixedSizeKMeans(3)
    for call in (model.predict, model.transform, model.score):
        with pytest.raises(NotFittedError) as info:
            call(X)
        assert isinstance(info.value, ValidationError)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    check_is_fitted(model.fit(X))


def test_pipeline_and_model_selection(X: np.ndarray) -> None:
    pipe = make_pipeline(StandardScaler(), FixedSizeKMeans(3, random_state=0)).fit(X)
    assert pipe.predict(X).shape == (90,) and np.isfinite(pipe.score(X))
    search = GridSearchCV(make_pipeline(StandardScaler(), FixedSizeKMeans(random_state=0, n_init=2)),
                          {"fixedsizekmeans__n_clusters": [2, 3, 4]}, cv=3).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert search.best_params_["fixedsizekmeans__n_clusters"] == 4   # more clusters, lower SSE
    assert np.isfinite(cross_val_score(FixedSizeKMeans(3, random_state=0), X, cv=3)).all()


def test_bad_parameters_are_validation_errors(X: np.ndarray) -> None:
    with pytest.raises(ParameterError, match=r"The 'n_init' parameter of FixedSizeKMeans must be"):
        FixedSizeKMeans(3, n_init=0).fit(X)
    with pytest.raises(ValidationError, match="n_samples=2 should be >= n_clusters=3"):
        FixedSizeKMeans(3).fit(X[:2])


def test_complex_input_is_refused(X: np.ndarray) -> None:
    with pytest.raises(ValidationError, match="Complex data not supported"):
        FixedSizeKMeans(3).fit(X + 1j)
    model = FixedSizeKMeans(3, random_state=0).fit(X)
    with pytest.raises(ValidationError, match="Complex data not supported"):
        model.predict(X + 1j)


def test_feature_names_are_checked_and_set_output_works(X: np.ndarray) -> None:
    frame = pd.DataFrame(X, columns=["a", "b"])
    model = FixedSizeKMeans(3, random_state=0).fit(frame)
    assert model.feature_names_in_.tolist() == ["a", "b"]
    with pytest.raises(ValidationError, match="feature names should match"):
        model.predict(frame[["b", "a"]])
    assert model.get_feature_names_out().tolist() == [f"fixedsizekmeans{j}" for j in range(3)]
    out = clone(model).set_output(transform="pandas").fit_transform(frame)
    assert isinstance(out, pd.DataFrame) and out.columns.tolist() == model.get_feature_names_out().tolist()


def test_float32_stays_float32(X: np.ndarray) -> None:
    model = FixedSizeKMeans(3, random_state=0).fit(X.astype(np.float32))
    assert model.cluster_centers_.dtype == np.float32
    assert model.transform(X.astype(np.float32)).dtype == np.float32
    reference = FixedSizeKMeans(3, random_state=0).fit(X)
    np.testing.assert_allclose(model.cluster_centers_, reference.cluster_centers_, rtol=1e-5)


def test_score_takes_sample_weight(X: np.ndarray) -> None:
    model = FixedSizeKMeans(3, random_state=0).fit(X)
    w = np.linspace(0.5, 2.0, X.shape[0])
    nearest = model.transform(X).min(axis=1) ** 2
    assert model.score(X, sample_weight=w) == pytest.approx(-(nearest * w).sum())
    assert model.score(X) == pytest.approx(-nearest.sum())


def test_zero_weights_take_a_seat_and_all_zero_clusters_keep_their_center(X: np.ndarray) -> None:
    w = np.ones(X.shape[0])
    w[:30] = 0.0                                     # the first blob weighs nothing
    init = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    model = FixedSizeKMeans(sizes=[30, 30, 30], init=init, n_init=1).fit(X, sample_weight=w)
    assert model.sizes_.tolist() == [30, 30, 30]    # zero-weight points still fill seats
    zero_cluster = model.labels_[:30]
    assert (zero_cluster == zero_cluster[0]).all()
    np.testing.assert_array_equal(model.cluster_centers_[zero_cluster[0]], init[zero_cluster[0]])
    with pytest.raises(ValidationError, match="at least one non-zero"):
        FixedSizeKMeans(3).fit(X, sample_weight=np.zeros(X.shape[0]))


def test_medoids_follow_the_precomputed_convention(X: np.ndarray) -> None:
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2))
    model = FixedSizeKMedoids(3, random_state=0).fit(D)
    assert model.__sklearn_tags__().input_tags.pairwise
    assert model.n_features_in_ == X.shape[0]
    assert model.predict(D[:5]).shape == (5,) and model.transform(D[:5]).shape == (5, 3)
    with pytest.raises(ValidationError, match="Negative values"):
        FixedSizeKMedoids(3).fit(-D)


def test_verbose_prints_one_line_per_iteration(X: np.ndarray, capsys: pytest.CaptureFixture) -> None:
    model = FixedSizeKMeans(3, n_init=1, verbose=1, random_state=0).fit(X)
    lines = capsys.readouterr().out.splitlines()
    iterations = [line for line in lines if line.startswith("Iteration ")]
    assert len(iterations) == len(model.result_.history) >= 1
    assert lines[0] == "Initialization complete" and "inertia" in iterations[0]
    FixedSizeKMeans(3, n_init=1, random_state=0).fit(X)
    assert capsys.readouterr().out == ""
