"""Row-block parallelism for the O(nk) kernels without numba's ``parallel=True``; private.

A ``parallel=True`` kernel costs seconds of JIT compilation on first use; a serial ``nogil``
kernel over a range of row blocks compiles in a fraction of that and runs on every core from a
small Python thread pool. Each block writes its own result slot, and the caller combines the
slots in block order, so results do not depend on the number of threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

_MIN_BLOCKS_PER_THREAD = 4    # fewer blocks than this per thread: one call on this thread
_pool: ThreadPoolExecutor | None = None


def _threads() -> int:
    """Worker count: ``NUMBA_NUM_THREADS`` when set, else the number of cores."""
    return max(1, int(os.environ.get("NUMBA_NUM_THREADS", 0)) or os.cpu_count() or 1)


def run_blocks(kernel: Callable[..., None], n_blocks: int, *args: object) -> None:
    """Call ``kernel(*args, b0, b1)`` over contiguous ranges covering blocks ``0 .. n_blocks``,
    concurrently (the kernel must release the GIL and write only its own blocks' outputs)."""
    global _pool
    parts = min(_threads(), n_blocks // _MIN_BLOCKS_PER_THREAD)
    if parts <= 1:
        kernel(*args, 0, n_blocks)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="fsclust-blocks")
    cuts = [n_blocks * p // parts for p in range(parts + 1)]
    futures = [_pool.submit(kernel, *args, cuts[p], cuts[p + 1]) for p in range(1, parts)]
    kernel(*args, cuts[0], cuts[1])
    for future in futures:
        future.result()


def ordered_sum(values) -> float:
    """``values[0] + values[1] + ...`` left to right (numba's ``ndarray.sum`` order)."""
    total = 0.0
    for v in values.tolist():
        total += v
    return total
