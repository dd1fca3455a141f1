"""Deterministic parallel map for independent restarts.

Results come back in input order whatever the number of workers, so a seeded computation gives
the same answer for any ``n_jobs``. Threads are used (a `concurrent.futures.ThreadPoolExecutor`):
the engine's parts are closures (not picklable), and the heavy kernels (NumPy BLAS, OR-Tools,
HiGHS) run in compiled code; see ``docs/quality.md`` for the measured speed-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, TypeVar

from fsclust._validation import fail

__all__ = ["effective_jobs", "ordered_map"]

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


def ordered_map(func: Callable[[T], R], items: Sequence[T], *, n_jobs: Any = None,
                on_done: Callable[[int, R], None] | None = None) -> list[R]:
    """``[func(item) for item in items]``, computed by ``n_jobs`` worker threads.

    Parameters
    ----------
    func : callable ``item -> result``
        Must not depend on shared mutable state (each call gets its own inputs).
    items : sequence of length m
    n_jobs : None or int
        See `effective_jobs`.
    on_done : callable ``(index, result)``, optional
        Called in the calling thread as each task finishes (completion order when parallel,
        input order when serial), e.g. to report progress.

    Returns
    -------
    list of length m, in input order.
    """
    jobs = effective_jobs(n_jobs, len(items))
    results: list[Any] = [None] * len(items)
    if jobs == 1:
        for index, item in enumerate(items):
            results[index] = func(item)
            if on_done is not None:
                on_done(index, results[index])
        return results
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(func, item): index for index, item in enumerate(items)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if on_done is not None:
                on_done(index, results[index])
    return results
