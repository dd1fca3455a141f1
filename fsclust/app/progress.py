"""Progress of a solve on stderr, for the command line.

On a terminal a live `tqdm` bar counts the restarts and shows, as they happen, the best objective
and the running restart's iteration, objective and points moved, so that a single long restart
is visibly alive. Elsewhere (a pipe, a log file) plain lines are printed: one per tenth of the
restarts, and, while a restart runs long, one line per assignment step at most every
``heartbeat`` seconds.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from fsclust.engine.core import IterationEvent, Run

__all__ = ["Progress", "ProgressDisplay", "solve_progress"]


@dataclass(frozen=True)
class Progress:
    """The callbacks to pass to `fsclust.app.workflow.solve_spec` (both None when quiet).

    Attributes
    ----------
    restart : callable ``(restart_index, Run)`` or None
    iteration : callable ``(restart_index, IterationEvent)`` or None
    """

    restart: Callable[[int, Run], None] | None = None
    iteration: Callable[[int, IterationEvent], None] | None = None


class ProgressDisplay:
    """Restart and iteration progress on ``stream``: live (tqdm) or plain lines.

    Parameters
    ----------
    total : int
        Number of restarts.
    measure : str, default "SSE"
        Name of the objective in the lines.
    stream : text stream, default ``sys.stderr``
    live : bool, optional
        Live display; default: when ``stream`` is a terminal and tqdm is installed.
    heartbeat : float, default 10.0
        Plain mode: seconds without a line after which an assignment step is reported.
    refresh : float, default 0.2
        Live mode: least seconds between two redraws for assignment steps.
    """

    def __init__(self, total: int, *, measure: str = "SSE", stream: IO[str] | None = None,
                 live: bool | None = None, heartbeat: float = 10.0, refresh: float = 0.2) -> None:
        self.total, self.measure = total, measure
        self.stream = sys.stderr if stream is None else stream
        self.heartbeat, self.refresh = heartbeat, refresh
        self.start = self.last = time.perf_counter()
        self.done, self.best = 0, math.inf
        self.every = max(1, total // 10)
        self._lock = threading.Lock()
        self._bar = _live_bar(total, self.stream) if (
            live if live is not None else _is_terminal(self.stream)) else None

    @property
    def live(self) -> bool:
        return self._bar is not None

    def restart(self, index: int, run: Run) -> None:
        """A restart finished (``progress`` callback)."""
        with self._lock:
            self.done += 1
            self.best = min(self.best, run.objective)
            if self._bar is not None:
                self._bar.set_postfix_str(f"best {self.measure} {self.best:.6g}", refresh=False)
                self._bar.update(1)
            elif self.done % self.every == 0 or self.done == self.total:
                self._line(f"restart {self.done}/{self.total}: best {self.measure} {self.best:.6g}, "
                           f"last run {run.n_iter} iteration(s)")

    def iteration(self, index: int, event: IterationEvent) -> None:
        """An assignment step finished (``on_iteration`` callback)."""
        now = time.perf_counter()
        step = (f"restart {index + 1}/{self.total}: iteration {event.iteration}, {self.measure} "
                f"{event.objective:.6g}, moved {event.moved}")
        with self._lock:
            if self._bar is not None:
                if now - self.last >= self.refresh:
                    best = "" if math.isinf(self.best) else f"best {self.measure} {self.best:.6g} | "
                    self._bar.set_postfix_str(best + step, refresh=True)
                    self.last = now
            elif now - self.last >= self.heartbeat:
                self._line(step)

    def close(self) -> None:
        """End the live display (the bar stays on screen)."""
        if self._bar is not None:
            self._bar.close()

    def _line(self, text: str) -> None:
        self.last = time.perf_counter()
        self.stream.write(f"{text} ({self.last - self.start:.1f} s)\n")
        self.stream.flush()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _live_bar(total: int, stream: IO[str]) -> Any:
    """A tqdm bar over the restarts, or None when tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="restarts", unit="restart", file=stream, dynamic_ncols=True,
                mininterval=0.2, leave=True)


@contextmanager
def solve_progress(total: int, *, quiet: bool = False, measure: str = "SSE",
                   stream: IO[str] | None = None, live: bool | None = None) -> Iterator[Progress]:
    """The progress callbacks of one solve; the live display is closed on exit (also on errors).

    Parameters
    ----------
    total : int
        Number of restarts.
    quiet : bool
        No progress at all (both callbacks None).
    measure, stream, live
        As for `ProgressDisplay`.

    Yields
    ------
    Progress
    """
    if quiet:
        yield Progress()
        return
    display = ProgressDisplay(total, measure=measure, stream=stream, live=live)
    try:
        yield Progress(display.restart, display.iteration)
    finally:
        display.close()
