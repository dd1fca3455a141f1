"""predict modes "nearest", "proportional" and "remaining" on batches of size 1, tiny and large."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import FixedSizeKMeans, FixedSizeKMedoids, assign
from fsclust.assign.costs import squared_distances
from fsclust.errors import InfeasibleError, ValidationError

BATCHES = [1, 4, 600]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    X = np.vstack([rng.normal(c, 1.0, size=(40, 2)) for c in centers])
    new = rng.normal(0.0, 4.0, size=(600, 2))
    return X, new


@pytest.fixture
def model(data) -> FixedSizeKMeans:
    return FixedSizeKMeans(3, sizes=[30, 40, 50], n_init=2, random_state=0).fit(data[0])


@pytest.fixture
def bounded(data) -> FixedSizeKMeans:
    return FixedSizeKMeans(3, size_min=[30, 30, 30], size_max=[400, 300, 60], n_init=2,
                           random_state=0).fit(data[0])


def oracle(cost: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Optimum from an independent backend (HiGHS LP; predict itself uses min-cost flow)."""
    return assign(cost, size_min=lo.astype(np.int64), size_max=hi.astype(np.int64),
                  solver="lp").cost


@pytest.mark.parametrize("m", BATCHES)
def test_nearest_is_the_closest_center(model, data, m):
    batch = data[1][:m]
    labels = model.predict(batch)
    distances = squared_distances(batch, model.cluster_centers_)
    assert labels.shape == (m,)
    assert np.allclose(distances[np.arange(m), labels], distances.min(axis=1))


@pytest.mark.parametrize("m", BATCHES)
def test_proportional_counts_follow_the_fitted_shares(model, data, m):
    labels = model.predict(data[1][:m], capacity="proportional")
    counts = np.bincount(labels, minlength=3)
    share = np.array(model.sizes_) / model.sizes_.sum() * m
    assert (counts >= np.floor(share + 1e-9)).all() and (counts <= np.ceil(share - 1e-9)).all()
    assert counts.sum() == m


@pytest.mark.parametrize("m", [1, 4])
def test_proportional_is_optimal_on_small_batches(model, data, m):
    batch = data[1][:m]
    cost = squared_distances(batch, model.cluster_centers_)
    labels = model.predict(batch, capacity="proportional")
    share = model.sizes_ / model.sizes_.sum() * m
    best = oracle(cost, np.floor(share + 1e-9), np.ceil(share - 1e-9))
    assert cost[np.arange(m), labels].sum() == pytest.approx(best)


@pytest.mark.parametrize("m", BATCHES)
def test_remaining_fills_the_capacity_left(bounded, data, m):
    left = np.array([400, 300, 60]) - bounded.sizes_
    assert bounded.remaining_capacity_.tolist() == left.tolist()
    labels = bounded.predict(data[1][:m], capacity="remaining")
    counts = np.bincount(labels, minlength=3)
    assert (counts <= left).all() and counts.sum() == m
    assert bounded.remaining_capacity_.tolist() == (left - counts).tolist()


def test_remaining_is_optimal_for_a_tiny_batch(bounded, data):
    bounded.predict(data[1][:200], capacity="remaining")
    left = bounded.remaining_capacity_
    batch = data[1][200:204]
    cost = squared_distances(batch, bounded.cluster_centers_)
    labels = bounded.predict(batch, capacity="remaining")
    assert cost[np.arange(4), labels].sum() == pytest.approx(oracle(cost, np.zeros(3), left))


def test_remaining_accumulates_and_resets(bounded, data):
    fitted_left = bounded.remaining_capacity_.copy()
    total = int(fitted_left.sum())
    placed = 0
    for start in range(0, 500, 100):
        placed += len(bounded.predict(data[1][start:start + 100], capacity="remaining"))
    assert int(bounded.remaining_capacity_.sum()) == total - placed
    bounded.reset_capacity()
    assert bounded.remaining_capacity_.tolist() == fitted_left.tolist()
    bounded.reset_capacity(include_fit=False)
    assert bounded.remaining_capacity_.tolist() == [400, 300, 60]


def test_remaining_reports_a_batch_that_does_not_fit(bounded, data):
    left = bounded.remaining_capacity_
    free = int(left.sum())
    with pytest.raises(InfeasibleError, match=rf"capacity='remaining': the batch has {free + 1} "
                                              rf"points but only {free} places are left \(per "
                                              rf"cluster \[{left[0]}, {left[1]}, {left[2]}\]\); "
                                              r"call reset_capacity\(\) or refit"):
        bounded.predict(np.zeros((free + 1, 2)), capacity="remaining")
    assert bounded.remaining_capacity_.tolist() == left.tolist()


def test_remaining_with_exact_sizes_has_no_room_until_reset(model, data):
    assert model.remaining_capacity_.tolist() == [0, 0, 0]
    with pytest.raises(InfeasibleError, match="the batch has 1 points but only 0 places are left"):
        model.predict(data[1][:1], capacity="remaining")
    model.reset_capacity(include_fit=False)
    labels = model.predict(data[1][:120], capacity="remaining")
    assert np.bincount(labels, minlength=3).tolist() == model.sizes_.tolist()


def test_unknown_mode_and_unfitted_model(model, data):
    with pytest.raises(ValidationError, match=r"The 'capacity' parameter must be one of "
                                              r"\['nearest', 'proportional', 'remaining'\]. "
                                              r"Got 'fifo' instead."):
        model.predict(data[1][:3], capacity="fifo")
    with pytest.raises(ValidationError, match="This FixedSizeKMeans instance is not fitted yet"):
        FixedSizeKMeans(3).reset_capacity()


def test_weight_mode_has_no_remaining_count_capacity(data):
    X = data[0]
    weight = np.linspace(1.0, 2.0, len(X))
    model = FixedSizeKMeans(3, size_unit="weight", size_max=weight.sum() / 2, n_init=1,
                            random_state=0).fit(X, sample_weight=weight)
    assert model.remaining_capacity_ is None
    assert model.predict(X[:5], capacity="proportional").shape == (5,)
    with pytest.raises(ValidationError, match=r"The 'capacity' parameter must be 'nearest' or "
                                              r"'proportional' for a model fitted with total-weight "
                                              r"sizes \('remaining' needs sizes counted in points, "
                                              r"size_unit='count'\). Got 'remaining' instead."):
        model.predict(X[:5], capacity="remaining")


@pytest.mark.parametrize("m", BATCHES)
def test_medoid_model_supports_every_mode(m):
    rng = np.random.default_rng(1)
    train, new = rng.random((60, 2)), rng.random((m, 2))
    D_train = np.abs(train[:, None] - train[None]).sum(axis=2)
    D_new = np.abs(new[:, None] - train[None]).sum(axis=2)
    model = FixedSizeKMedoids(3, size_max=[30, 30, 30], n_init=1, random_state=0).fit(D_train)
    nearest = model.predict(D_new)
    assert np.array_equal(nearest, D_new[:, model.medoid_indices_].argmin(axis=1))
    proportional = np.bincount(model.predict(D_new, capacity="proportional"), minlength=3)
    share = model.sizes_ / 60 * m
    assert (proportional >= np.floor(share + 1e-9)).all()
    assert (proportional <= np.ceil(share - 1e-9)).all()
    if m <= int(model.remaining_capacity_.sum()):
        left = model.remaining_capacity_
        counts = np.bincount(model.predict(D_new, capacity="remaining"), minlength=3)
        assert (counts <= left).all()
    else:
        with pytest.raises(InfeasibleError, match=f"the batch has {m} points"):
            model.predict(D_new, capacity="remaining")
