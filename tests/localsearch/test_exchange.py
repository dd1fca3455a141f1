"""Size-preserving local search (exchange, random swap) and parallel restarts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import fsclust
from fsclust.errors import ValidationError
from fsclust.localsearch import CentroidModel, exchange
from fsclust.pairwise.objective import (
    PairwiseModel,
    cluster_weights,
    pairwise_exchange,
    pairwise_objective,
    solve_pairwise,
    within_cluster_means,
)


def _blobs(seed: int, n: int = 60, k: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, size=(k, 2))
    return centers[rng.integers(k, size=n)] + rng.normal(size=(n, 2))


def _sse(X: np.ndarray, labels: np.ndarray, w: np.ndarray) -> float:
    total = 0.0
    for c in np.unique(labels):
        members = labels == c
        mean = (w[members, None] * X[members]).sum(axis=0) / w[members].sum()
        total += float((w[members] * ((X[members] - mean) ** 2).sum(axis=1)).sum())
    return total


def _distances(seed: int, n: int) -> np.ndarray:
    X = np.random.default_rng(seed).uniform(size=(n, 3))
    return np.sqrt(((X[:, None] - X[None]) ** 2).sum(axis=-1))


class _Recorder:
    """Wraps a model and records the objective after every swap."""

    def __init__(self, model):
        self.model, self.values = model, [model.objective()]
        self.labels = model.labels

    def deltas(self, i):
        return self.model.deltas(i)

    def swap(self, i, j):
        self.model.swap(i, j)
        self.labels = self.model.labels
        self.values.append(self.model.objective())

    def objective(self):
        return self.model.objective()


@pytest.mark.parametrize("seed", range(4))
def test_centroid_deltas_match_recomputed_sse(seed):
    rng = np.random.default_rng(seed)
    X, w = _blobs(seed, 24, 3), rng.uniform(0.5, 2.0, 24)
    labels = rng.permutation(np.repeat(np.arange(3), [6, 8, 10]))
    model = CentroidModel(X, labels, 3, w)
    delta = model.deltas(5)
    for j in np.flatnonzero(labels != labels[5]):
        swapped = labels.copy()
        swapped[[5, j]] = labels[[j, 5]]
        assert delta[j] == pytest.approx(_sse(X, swapped, w) - _sse(X, labels, w), abs=1e-9)
    assert np.isinf(delta[labels == labels[5]]).all()


@pytest.mark.parametrize("objective", ["sum", "mean"])
def test_pairwise_exchange_never_increases_and_keeps_sizes(objective):
    D = _distances(1, 30)
    labels = np.random.default_rng(2).permutation(np.repeat(np.arange(3), [5, 10, 15]))
    model = _Recorder(PairwiseModel(D, labels, cluster_weights(np.array([5, 10, 15]), objective)))
    result = exchange(model, np.random.default_rng(0), max_passes=50)
    assert np.all(np.diff(model.values) < 0)
    assert np.bincount(result.labels).tolist() == [5, 10, 15]
    assert result.objective == pytest.approx(pairwise_objective(D, result.labels, objective=objective))
    assert result.objective < model.values[0]


def test_centroid_exchange_never_increases_and_keeps_sizes():
    X = _blobs(3, 40, 4)
    labels = np.random.default_rng(4).permutation(np.repeat(np.arange(4), 10))
    model = _Recorder(CentroidModel(X, labels, 4))
    result = exchange(model, np.random.default_rng(0), max_passes=50)
    assert np.all(np.diff(model.values) < 0)
    assert np.bincount(result.labels).tolist() == [10] * 4
    assert result.objective == pytest.approx(_sse(X, result.labels, np.ones(40)))


@pytest.mark.parametrize("objective", ["sum", "mean"])
def test_exchange_reaches_a_pairwise_exchange_local_optimum(objective):
    D = _distances(5, 18)
    start = np.random.default_rng(6).permutation(np.repeat(np.arange(3), [4, 6, 8]))
    result = pairwise_exchange(D, start, objective=objective, random_state=0)
    assert result.local_optimum
    best = result.objective
    for i, j in itertools.combinations(range(18), 2):
        if result.labels[i] != result.labels[j]:
            swapped = result.labels.copy()
            swapped[[i, j]] = result.labels[[j, i]]
            assert pairwise_objective(D, swapped, objective=objective) >= best - 1e-9


def test_within_cluster_means_known_values():
    D = np.array([[0, 2, 9, 9], [2, 0, 9, 9], [9, 9, 0, 4], [9, 9, 4, 0]], dtype=float)
    assert within_cluster_means(D, [0, 0, 1, 1]).tolist() == [2.0, 4.0]
    assert pairwise_objective(D, [0, 0, 1, 1]) == 6.0
    assert pairwise_objective(D, [0, 0, 1, 1], objective="mean") == 6.0
    assert pairwise_objective(D, [0, 0, 0, 1], objective="mean") == pytest.approx(20 / 3)


def test_solve_pairwise_is_seeded_and_independent_of_n_jobs():
    D = _distances(7, 24)
    serial = solve_pairwise(D, [6, 8, 10], n_init=6, random_state=3)
    threaded = solve_pairwise(D, [6, 8, 10], n_init=6, random_state=3, n_jobs=2)
    assert serial.run_objectives == threaded.run_objectives
    assert np.array_equal(serial.labels, threaded.labels)
    assert serial.objective == min(serial.run_objectives)
    assert np.bincount(serial.labels).tolist() == [6, 8, 10]


def test_random_swap_keeps_the_best_and_the_sizes():
    X = _blobs(8, 90, 6)
    problem = fsclust.Problem.create(X, sizes=[10, 10, 15, 15, 20, 20])
    plain = fsclust.solve(problem, n_init=4, random_state=0)
    swapped = fsclust.solve(problem, n_init=4, random_state=0, local_search="random_swap",
                            local_search_budget=15)
    assert all(s <= p * (1 + 1e-12) for s, p in zip(swapped.run_objectives, plain.run_objectives,
                                                    strict=True))
    assert sorted(swapped.counts.tolist()) == [10, 10, 15, 15, 20, 20]
    assert swapped.objective == pytest.approx(_sse(X, swapped.labels, np.ones(90)))


def test_exchange_refine_never_worse_than_plain_runs():
    X = _blobs(9, 80, 5)
    problem = fsclust.Problem.create(X, n_clusters=5)
    plain = fsclust.solve(problem, n_init=4, random_state=1, init="random", max_iter=3)
    refined = fsclust.solve(problem, n_init=4, random_state=1, init="random", max_iter=3,
                            local_search="exchange")
    assert all(r <= p * (1 + 1e-12) for r, p in zip(refined.run_objectives, plain.run_objectives,
                                                    strict=True))
    assert refined.counts.tolist() == [16] * 5


@pytest.mark.parametrize("local_search", [None, "exchange", "random_swap"])
def test_parallel_restarts_identical_to_serial(local_search):
    problem = fsclust.Problem.create(_blobs(10, 70, 4), n_clusters=4)
    options = dict(n_init=5, random_state=11, local_search=local_search, local_search_budget=5)
    serial = fsclust.solve(problem, **options)
    seen: list[int] = []
    parallel = fsclust.solve(problem, n_jobs=2, progress=lambda i, run: seen.append(i), **options)
    assert serial.run_objectives == parallel.run_objectives
    assert np.array_equal(serial.labels, parallel.labels)
    assert sorted(seen) == list(range(5))


def test_estimator_passes_n_jobs_and_local_search():
    X = _blobs(12, 48, 3)
    model = fsclust.FixedSizeKMeans(3, n_init=3, random_state=0, n_jobs=2,
                                    local_search="random_swap", local_search_budget=5).fit(X)
    assert model.sizes_.tolist() == [16, 16, 16]
    assert model.result_.objective == pytest.approx(_sse(X, model.labels_, np.ones(48)))


@pytest.mark.parametrize(("options", "message"), [
    ({"local_search": "tabu"}, r"'local_search' parameter must be one of "
                                r"\[None, 'exchange', 'random_swap'\]. Got 'tabu' instead."),
    ({"local_search": "exchange", "local_search_budget": 0}, "'local_search_budget' parameter"),
    ({"local_search": "exchange", "local_search_seconds": -1}, "'local_search_seconds' parameter"),
    ({"n_jobs": 0}, "'n_jobs' parameter must be None or a non-zero int"),
])
def test_bad_options_name_the_parameter(options, message):
    problem = fsclust.Problem.create(_blobs(13, 20, 2), n_clusters=2)
    with pytest.raises(ValidationError, match=message):
        fsclust.solve(problem, n_init=1, **options)


def test_bad_distance_matrix_is_rejected():
    with pytest.raises(ValidationError, match="'distances' parameter must be symmetric"):
        pairwise_exchange(np.array([[0.0, 1.0], [2.0, 0.0]]), [0, 1])
    with pytest.raises(ValidationError, match="'labels' parameter"):
        pairwise_exchange(np.zeros((3, 3)), [0, 1])
