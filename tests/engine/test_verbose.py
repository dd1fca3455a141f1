"""Per-iteration observers and ``verbose``: the events mirror the history, the lines read like
scikit-learn's KMeans, and nothing is printed or called by default."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from fsclust import Problem, ValidationError, solve, solve_medoids
from fsclust.engine.core import IterationEvent
from fsclust.engine.verbose import event_lines


def _events(problem: Problem, **options: object) -> tuple[object, list[tuple[int, IterationEvent]]]:
    seen: list[tuple[int, IterationEvent]] = []
    result = solve(problem, on_iteration=lambda index, event: seen.append((index, event)), **options)
    return result, seen


def test_events_mirror_the_history_of_every_restart(blobs: np.ndarray) -> None:
    problem = Problem.create(blobs, sizes=[30, 30, 30, 30])
    result, seen = _events(problem, n_init=3, random_state=0)
    assert sorted({index for index, _ in seen}) == [0, 1, 2]
    best = [event for index, event in seen if index == result.best_run]
    assert [(e.iteration, e.objective, e.moved, e.seconds) for e in best] == [
        (h["iteration"], h["objective"], h["moved"], h["seconds"]) for h in result.history]
    assert best[0].moved == len(blobs) and math.isnan(best[0].change)
    assert [e.stop for e in best[:-1]] == [None] * (len(best) - 1)
    assert best[-1].stop in ("stable", "tol")
    assert all(e.change == pytest.approx((a.objective - e.objective) / a.objective)
               for a, e in itertools.pairwise(best))


def test_events_are_the_same_with_worker_threads(blobs: np.ndarray) -> None:
    problem = Problem.create(blobs, sizes=[30, 30, 30, 30])
    _, serial = _events(problem, n_init=4, random_state=1)
    _, threaded = _events(problem, n_init=4, random_state=1, n_jobs=2)

    def per_run(seen: list[tuple[int, IterationEvent]]) -> dict[int, list[tuple[int, float, int]]]:
        runs: dict[int, list[tuple[int, float, int]]] = {}
        for index, event in seen:
            runs.setdefault(index, []).append((event.iteration, event.objective, event.moved))
        return runs

    assert per_run(serial) == per_run(threaded)


def test_max_iter_stop_is_reported(blobs: np.ndarray) -> None:
    _, seen = _events(Problem.create(blobs, n_clusters=4), n_init=1, max_iter=2, random_state=0,
                      tol=0.0, init="random")
    assert [(e.iteration, e.stop) for _, e in seen] == [(1, None), (2, "max_iter")]


def test_verbose_prints_kmeans_style_lines(blobs: np.ndarray, capsys: pytest.CaptureFixture[str]) -> None:
    result = solve(Problem.create(blobs, sizes=[30, 30, 30, 30]), n_init=1, random_state=0, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Initialization complete"
    steps = [line for line in lines if line.startswith("Iteration ")]
    assert len(steps) == result.n_iter
    first = result.history[0]
    assert steps[0].startswith(f"Iteration 1, inertia {first['objective']:.8g}, moved {len(blobs)}, ")
    assert steps[0].endswith(" s")
    assert lines[-2].startswith(f"Converged at iteration {result.n_iter}: ")
    assert lines[-1].startswith(f"Best of 1 restart: restart 1, inertia {result.objective:.8g} (")


def test_verbose_prefixes_restarts_and_names_the_medoid_cost(capsys: pytest.CaptureFixture[str]) -> None:
    x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    solve_medoids(np.abs(x[:, None] - x[None, :]), sizes=[3, 3], n_init=2, random_state=0, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Restart 1/2: Initialization complete"
    assert lines[1].startswith("Restart 1/2: Iteration 1, cost ")
    assert any(line.startswith("Restart 2/2: Converged at iteration") for line in lines)
    assert lines[-1].startswith("Best of 2 restarts: restart ")


def test_quiet_by_default(blobs: np.ndarray, capsys: pytest.CaptureFixture[str]) -> None:
    solve(Problem.create(blobs, n_clusters=4), n_init=2, random_state=0)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("verbose", [-1, 1.5, "yes"])
def test_verbose_is_validated(blobs: np.ndarray, verbose: object) -> None:
    with pytest.raises(ValidationError, match=r"The 'verbose' parameter must be an int"):
        solve(Problem.create(blobs, n_clusters=4), verbose=verbose)


def test_event_lines_for_each_stop() -> None:
    assert event_lines(IterationEvent(1, 10.0, 5, 0.5)) == [
        "Initialization complete", "Iteration 1, inertia 10, moved 5, 0.5 s"]
    assert event_lines(IterationEvent(3, 9.0, 2, 0.25, change=1e-8, stop="tol"), tol=1e-6)[-1] == (
        "Converged at iteration 3: inertia decreased by 1e-08 (relative), within tol=1e-06.")
    assert event_lines(IterationEvent(5, 9.0, 2, 0.25, stop="max_iter"), measure="cost")[-1] == (
        "Stopped at max_iter=5 without converging; a final assignment step keeps the labels "
        "optimal for the centers.")
