"""Deterministic parallel map for independent restarts.

Results come back in input order whatever the number of workers, so a seeded computation gives
the same answer for any ``n_jobs``. Threads are used (a `concurrent.futures.ThreadPoolExecutor`):
the engine's parts are closures (not picklable), and the heavy kernels (NumPy BLAS, OR-Tools,
HiGHS) run in compiled code; see ``docs/quality.md`` for the measured speed-up.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from fsclust._validation import fail

__all__ = ["effective_jobs", "for_each", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")


def effective_jobs(n_jobs: Any, n_tasks: int) -> int:
    """Number of workers for ``n_tasks`` tasks.

    ``None`` or 1 means serial; a positive int is used as given; ``-1`` means all CPU cores
    (``-2`` all but one, as in scikit-learn / joblib). Never more workers than tasks.

    Raises
    ------
    ValidationError
        ``n_jobs`` is not an int, or is 0.
    """
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise fail("n_jobs", "None or a non-zero int (-1 = all cores)", n_jobs)
    cores = os.cpu_count() or 1
    jobs = n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)
    return max(1, min(jobs, n_tasks))


def for_each(func: Callable[[T], R], items: Iterable[T], *, total: int, n_jobs: Any = None,
             on_done: Callable[[int, R], None] | None = None) -> None:
    """Call ``func(item)`` for every item, by ``n_jobs`` worker threads, without storing results.

    ``items`` is consumed lazily in the calling thread, at most two tasks per worker ahead of
    the finished ones, so a long (even generated) sequence never sits in memory; ``total`` (its
    length) only caps the number of workers.

    Parameters
    ----------
    func : callable ``item -> result``
        Must not depend on shared mutable state (each call gets its own inputs).
    items : iterable of length ``total``
    total : int
    n_jobs : None or int
        See `effective_jobs`.
    on_done : callable ``(index, result)``, optional
        Called in the calling thread as each task finishes (completion order when parallel,
        input order when serial). On an exception (KeyboardInterrupt included) the tasks not yet
        started are cancelled and the running ones awaited before it propagates.
    """
    jobs = effective_jobs(n_jobs, total)
    if jobs == 1:
        for index, item in enumerate(items):
            result = func(item)
            if on_done is not None:
                on_done(index, result)
        return
    source = enumerate(items)
    pending: dict[Future[R], int] = {}
    pool = ThreadPoolExecutor(max_workers=jobs)

    def top_up(count: int) -> None:
        for index, item in itertools.islice(source, count):
            pending[pool.submit(func, item)] = index

    try:
        top_up(2 * jobs)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                result = future.result()
                if on_done is not None:
                    on_done(index, result)
            top_up(len(done))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def ordered_map(func: Callable[[T], R], items: Sequence[T], *, n_jobs: Any = None,
                on_done: Callable[[int, R], None] | None = None) -> list[R]:
    """``[func(item) for item in items]``, computed by ``n_jobs`` worker threads.

    Parameters
    ----------
    func : callable ``item -> result``
    items : sequence of length m
    n_jobs : None or int
        See `effective_jobs`.
    on_done : callable ``(index, result)``, optional
        As for `for_each`.

    Returns
    -------
    list of length m, in input order.
    """
    results: list[Any] = [None] * len(items)

    def store(index: int, result: R) -> None:
        results[index] = result
        if on_done is not None:
            on_done(index, result)

    for_each(func, items, total=len(items), n_jobs=n_jobs, on_done=store)
    return results
