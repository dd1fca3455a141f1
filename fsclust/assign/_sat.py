"""Run OR-Tools CP-SAT so that Ctrl-C stops the search and reaches Python as KeyboardInterrupt.

CP-SAT installs its own SIGINT handler by default (``catch_sigint_signal``): Ctrl-C then ends
the search like a time limit (status ``UNKNOWN`` or ``FEASIBLE``) and Python never learns of it,
so callers reported a solver failure. Here the handler is switched off, the search runs in a
worker thread (CP-SAT releases the GIL), and the calling thread waits in short, interruptible
slices: a KeyboardInterrupt stops the search (``stop_search``), waits for the worker and
propagates.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["solve_interruptibly"]

_SLICE = 0.05   # seconds between checks for signals in the waiting thread


def solve_interruptibly(solver: Any, model: Any) -> Any:
    """``solver.solve(model)`` (an OR-Tools ``CpSolver`` and ``CpModel``) that Ctrl-C can stop.

    Returns
    -------
    The CP-SAT status code of ``solver.solve``.

    Raises
    ------
    KeyboardInterrupt
        SIGINT arrived while the search ran (the search is stopped first).
    """
    solver.parameters.catch_sigint_signal = False
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(model)           # only the main thread receives KeyboardInterrupt
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            outcome["status"] = solver.solve(model)
        except BaseException as exc:         # handed to the calling thread
            outcome["error"] = exc
        finally:
            finished.set()

    # An Event, not Thread.join: before Python 3.13 a join interrupted by Ctrl-C marks a
    # running thread as stopped, and the interpreter would exit under a running search.
    threading.Thread(target=work, name="fsclust-cp-sat", daemon=True).start()
    try:
        while not finished.wait(_SLICE):
            pass
    except KeyboardInterrupt:
        (getattr(solver, "stop_search", None) or solver.StopSearch)()
        _wait_ignoring_interrupts(finished)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]


def _wait_ignoring_interrupts(finished: threading.Event) -> None:
    """Wait for the stopped search to end; further Ctrl-C presses only repeat the request."""
    while not finished.is_set():
        try:
            finished.wait(_SLICE)
        except KeyboardInterrupt:
            continue
