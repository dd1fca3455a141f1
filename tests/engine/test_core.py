"""The alternating engine: monotone objective, labels optimal for the final centers, determinism,
best-of-restarts, stopping rules, and use for a non-k-means problem."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from fsclust import FixedSizeKMeans, Parts, Problem, ValidationError, assign, run_once, run_restarts, solve
from fsclust.assign import SOLVERS, run_solver
from fsclust.assign.costs import SquaredEuclidean
from fsclust.engine.core import best_index
from fsclust.problem.sizes import Sizes


def test_objective_never_increases(blobs: np.ndarray, backend: str) -> None:
    problem = Problem.create(blobs, sizes=[20, 30, 30, 40])
    result = solve(problem, solver=backend, n_init=1, init="random", random_state=3, tol=0.0)
    objectives = [step["objective"] for step in result.history]
    assert len(objectives) >= 2
    assert all(b <= a * (1 + 1e-12) for a, b in itertools.pairwise(objectives))
    assert result.objective == objectives[-1]


@pytest.mark.parametrize("max_iter", [1, 2, 300])
def test_final_labels_are_optimal_for_final_centers(blobs: np.ndarray, max_iter: int) -> None:
    problem = Problem.create(blobs, size_min=20, size_max=40, n_clusters=4)
    result = solve(problem, n_init=2, max_iter=max_iter, random_state=0)
    cost = SquaredEuclidean().matrix(blobs, result.centers)
    best = assign(cost, size_min=20, size_max=40)
    assert result.objective == pytest.approx(best.cost, rel=1e-12)
    assert result.objective == pytest.approx(cost[np.arange(len(blobs)), result.labels].sum(), rel=1e-12)
    assert result.converged == (result.status == "CONVERGED")
    if max_iter == 1:
        assert result.status == "MAX_ITER" and "max_iter=1" in result.message


def test_same_seed_same_result(blobs: np.ndarray) -> None:
    first = FixedSizeKMeans(4, n_init=3, random_state=11).fit(blobs)
    second = FixedSizeKMeans(4, n_init=3, random_state=11).fit(blobs)
    assert np.array_equal(first.labels_, second.labels_)
    assert np.array_equal(first.cluster_centers_, second.cluster_centers_)
    assert first.result_.run_objectives == second.result_.run_objectives


def test_restarts_return_the_best_run(blobs: np.ndarray) -> None:
    result = solve(Problem.create(blobs, n_clusters=6), n_init=8, init="random", random_state=5)
    assert len(result.run_objectives) == 8
    assert result.objective == min(result.run_objectives)
    assert result.run_objectives[result.best_run] == result.objective
    single = solve(Problem.create(blobs, n_clusters=6), n_init=1, init="random", random_state=5)
    assert result.objective <= single.objective


def test_best_index_prefers_the_earliest_near_tie() -> None:
    assert best_index([3.0, 1.0 + 1e-15, 1.0, 2.0]) == 1
    assert best_index([5.0]) == 0


def test_moved_counts_and_timings_recorded(blobs: np.ndarray) -> None:
    result = solve(Problem.create(blobs, n_clusters=4), n_init=1, random_state=1)
    first, last = result.history[0], result.history[-1]
    assert first["moved"] == len(blobs) and first["iteration"] == 1
    assert last["moved"] == 0 or result.status == "CONVERGED"
    assert all(step["seconds"] >= 0 for step in result.history)


def test_tol_stops_earlier_than_exact_convergence(blobs: np.ndarray) -> None:
    problem = Problem.create(blobs, n_clusters=5)
    loose = solve(problem, n_init=1, init="random", tol=0.5, random_state=2)
    exact = solve(problem, n_init=1, init="random", tol=0.0, random_state=2)
    assert loose.n_iter <= exact.n_iter
    assert loose.converged and exact.converged


def test_the_engine_runs_a_non_kmeans_problem() -> None:
    """Fixed-size 1-D k-medians: absolute-distance cost and a median update, same loop."""
    x = np.concatenate([np.arange(10.0), 100 + np.arange(10.0)])
    sizes = Sizes.from_counts([10, 10])
    parts = Parts(
        cost=lambda data, centers: np.abs(data[:, None] - centers[None, :]),
        update=lambda data, labels, centers: np.array([np.median(data[labels == j]) for j in range(2)]),
        init=lambda data, rng: np.array([0.0, 1.0]),
        assign=lambda cost, warm: run_solver(SOLVERS["flow"], cost, sizes),
    )
    run = run_once(x, parts, max_iter=50, tol=0.0, rng=np.random.default_rng(0))
    assert run.converged
    assert sorted(run.centers.tolist()) == [4.5, 104.5]
    assert run.objective == pytest.approx(2 * 25.0)
    restarts = run_restarts(x, parts, n_init=3, max_iter=50, tol=0.0, rng=np.random.default_rng(0))
    assert restarts.run.objective == run.objective
    assert restarts.objectives[restarts.best] == run.objective


def test_progress_callback_sees_every_restart(blobs: np.ndarray) -> None:
    seen: list[int] = []
    solve(Problem.create(blobs, n_clusters=3), n_init=4, random_state=0,
          progress=lambda index, run: seen.append(index))
    assert sorted(seen) == [0, 1, 2, 3]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_init": 0}, "The 'n_init' parameter must be an int >= 1. Got 0 instead."),
    ({"max_iter": 2.5}, "The 'max_iter' parameter must be an int. Got 2.5 instead."),
    ({"tol": -1.0}, "The 'tol' parameter must be a float >= 0. Got -1.0 instead."),
    ({"init": "kmeans"}, r"The 'init' parameter must be one of \['k-means\+\+', 'random'"),
    ({"init": np.zeros((2, 2))}, r"The 'init' parameter must be a finite array of shape \(3, 2\). "
                                 r"Got shape \(2, 2\) instead."),
    ({"random_state": "seed"}, "The 'random_state' parameter must be None, an int or a "
                               "numpy.random.Generator. Got 'seed' instead."),
])
def test_option_errors(blobs: np.ndarray, kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        solve(Problem.create(blobs, n_clusters=3), **{"n_init": 1, **kwargs})


def test_init_array_and_callable(blobs: np.ndarray) -> None:
    start = blobs[[0, 30, 60]]
    from_array = solve(Problem.create(blobs, n_clusters=3), init=start, n_init=1)
    from_callable = solve(Problem.create(blobs, n_clusters=3), n_init=1,
                          init=lambda X, k, rng: X[[0, 30, 60]])
    assert from_array.objective == from_callable.objective


def test_reused_cost_buffer_is_per_thread_and_spared_by_objective(blobs: np.ndarray) -> None:
    from concurrent.futures import ThreadPoolExecutor

    model, plain = SquaredEuclidean(reuse_buffer=True), SquaredEuclidean()
    centers = blobs[:4]
    first = model.matrix(blobs, centers)
    assert model.matrix(blobs, centers + 1.0) is first                  # same thread: reused
    kept = first.copy()
    labels = kept.argmin(axis=1)
    assert model.objective(blobs, labels, centers) == pytest.approx(
        plain.matrix(blobs, centers)[np.arange(len(blobs)), labels].sum(), rel=1e-12)
    np.testing.assert_array_equal(first, kept)                          # objective spares it
    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(model.matrix, blobs, centers).result()
    assert other is not first
    np.testing.assert_array_equal(other, plain.matrix(blobs, centers))
