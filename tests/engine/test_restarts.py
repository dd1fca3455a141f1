"""Restarts (issue 11, item 2): seeds drawn lazily (same values as drawing them up front), a
bounded number of restarts with a clear message, and a streaming choice of the best run that
equals `best_index` whatever the completion order."""

from __future__ import annotations

import itertools
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsclust import Problem, ValidationError, solve, solve_pairwise
from fsclust._validation import MAX_RESTARTS
from fsclust.engine.core import best_index, best_of, restart_seeds
from fsclust.engine.parallel import for_each


def test_lazy_seeds_are_the_up_front_seeds() -> None:
    lazy = restart_seeds(np.random.default_rng(42), 1000)
    assert iter(lazy) is lazy                                # a generator, not a list
    assert list(lazy) == np.random.default_rng(42).integers(0, 2**63 - 1, size=1000).tolist()


@pytest.mark.parametrize("n_init", [MAX_RESTARTS + 1, 4_000_000_000, 10**25])
def test_too_many_restarts_are_refused_at_once(n_init: int) -> None:
    with pytest.raises(ValidationError, match=r"The 'n_init' parameter must be an int in "
                                              r"\[1, 1_000_000\]"):
        solve(Problem.create(np.arange(8.0).reshape(4, 2), n_clusters=2), n_init=n_init)
    with pytest.raises(ValidationError, match=r"The 'n_init' parameter must be an int in"):
        solve_pairwise(np.zeros((4, 4)), [2, 2], n_init=n_init)


def test_items_are_consumed_lazily_a_few_ahead() -> None:
    pulled: list[int] = []

    def items():
        for i in itertools.count():
            pulled.append(i)
            yield i

    seen: list[tuple[int, int]] = []
    for_each(lambda i: i * i, itertools.islice(items(), 50), total=50, n_jobs=2,
             on_done=lambda index, value: seen.append((index, len(pulled))))
    assert sorted(seen)[0][0] == 0 and len(seen) == 50
    assert max(ahead - index for index, ahead in seen) <= 2 * 2 + 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([1.0, 1.0 + 1e-13, 1.0 + 5e-13, 1.0 + 9e-13, 2.0, 0.5,
                                 0.5 + 4e-13, float("nan")]), min_size=1, max_size=12),
       st.randoms(use_true_random=False))
def test_streaming_best_equals_best_index_in_any_order(objectives: list[float], rnd) -> None:
    def finish_in_random_order(func, items, *, total, n_jobs=None, on_done=None):
        done = [(index, func(item)) for index, item in enumerate(items)]
        rnd.shuffle(done)                        # as worker threads may finish
        for index, result in done:
            on_done(index, result)

    with patch("fsclust.engine.core.for_each", finish_in_random_order):
        outcome = best_of(lambda i: {"index": i, "objective": objectives[i]},
                          range(len(objectives)), len(objectives), objective=lambda r: r["objective"])
    assert outcome.best == best_index([v if v == v else float("inf") for v in objectives])
    assert outcome.run["index"] == outcome.best
    assert outcome.objectives == pytest.approx(objectives, nan_ok=True)


def test_parallel_restarts_choose_the_serial_best() -> None:
    X = np.random.default_rng(3).normal(size=(60, 2))
    problem = Problem.create(X, n_clusters=4)
    serial = solve(problem, n_init=6, init="random", random_state=9)
    threads = solve(problem, n_init=6, init="random", random_state=9, n_jobs=2)
    assert serial.best_run == threads.best_run and serial.run_objectives == threads.run_objectives
    assert np.array_equal(serial.labels, threads.labels)
