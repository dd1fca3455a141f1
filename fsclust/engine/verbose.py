"""``verbose`` output of the engine: scikit-learn-style progress lines on stdout.

With ``verbose >= 1`` every run prints ``Initialization complete``, one line per assignment step
(iteration, objective, points moved, seconds) and why it stopped, as `sklearn.cluster.KMeans`
does; the driver adds one line for the best of the restarts. Lines are written whole (one
``write`` each), so restarts on worker threads never mix within a line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from fsclust.engine.core import IterationEvent

__all__ = ["event_lines", "verbose_observer", "write_line"]


def write_line(text: str) -> None:
    """Write one line to the current ``sys.stdout`` and flush it."""
    stream = sys.stdout
    stream.write(text + "\n")
    stream.flush()


def event_lines(event: IterationEvent, *, measure: str = "inertia", tol: float = 0.0) -> list[str]:
    """The verbose lines of one assignment step.

    Parameters
    ----------
    event : IterationEvent
    measure : str, default "inertia"
        Name of the objective (``"inertia"`` for k-means, ``"cost"`` for k-medoids).
    tol : float
        The run's ``tol``, quoted when the run stops on it.

    Returns
    -------
    list of str
        ``["Initialization complete"]`` before the first step, then
        ``"Iteration 3, inertia 123.4, moved 12, 0.01 s"``, then a ``"Converged at iteration
        ..."`` or ``"Stopped at max_iter=..."`` line after the last one.

    Examples
    --------
    >>> for line in event_lines(IterationEvent(4, 12.5, 0, 0.002, change=0.0, stop="stable")):
    ...     print(line)
    Iteration 4, inertia 12.5, moved 0, 0.002 s
    Converged at iteration 4: strict convergence (no label changed).
    """
    lines = ["Initialization complete"] if event.iteration == 1 else []
    lines.append(f"Iteration {event.iteration}, {measure} {event.objective:.8g}, moved {event.moved}, "
                 f"{event.seconds:.3g} s")
    if event.stop == "stable":
        lines.append(f"Converged at iteration {event.iteration}: strict convergence (no label changed).")
    elif event.stop == "tol":
        lines.append(f"Converged at iteration {event.iteration}: {measure} decreased by "
                     f"{event.change:.3g} (relative), within tol={tol:g}.")
    elif event.stop == "max_iter":
        lines.append(f"Stopped at max_iter={event.iteration} without converging; a final "
                     "assignment step keeps the labels optimal for the centers.")
    return lines


def verbose_observer(verbose: int, *, n_init: int, measure: str = "inertia", tol: float = 0.0,
                     write: Callable[[str], None] = write_line
                     ) -> Callable[[int, IterationEvent], None] | None:
    """An ``on_iteration`` observer printing `event_lines`.

    Parameters
    ----------
    verbose : int or bool
        0 / False: no observer.
    n_init : int
        Number of restarts; with more than one, every line starts with ``Restart r/n_init: ``.
    measure, tol
        As for `event_lines`.
    write : callable ``str -> None``, default `write_line`
        Where each line goes.

    Returns
    -------
    callable ``(restart_index, IterationEvent) -> None`` or None
    """
    if not verbose:
        return None

    def observe(index: int, event: IterationEvent) -> None:
        prefix = f"Restart {index + 1}/{n_init}: " if n_init > 1 else ""
        for line in event_lines(event, measure=measure, tol=tol):
            write(prefix + line)

    return observe
