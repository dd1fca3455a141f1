"""Solve progress for the command line: plain lines off a terminal, a live tqdm bar on one,
nothing when quiet."""

from __future__ import annotations

import io

import numpy as np

from fsclust.app.progress import ProgressDisplay, solve_progress
from fsclust.assign.base import Assignment
from fsclust.engine.core import IterationEvent, Run


def _run(objective: float, n_iter: int = 3) -> Run:
    labels = np.zeros(2, dtype=np.int64)
    step = Assignment(labels=labels, cost=objective, counts=np.array([2]), solver="flow")
    return Run(labels, np.zeros((1, 1)), objective, n_iter, True, step)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_every_tenth_restart_and_slow_steps() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(20, stream=stream, heartbeat=0.0)
    assert not display.live                                 # a StringIO is not a terminal
    display.iteration(0, IterationEvent(4, 12.5, 7, 0.1))
    for index in range(20):
        display.restart(index, _run(10.0 - index % 3))
    display.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("restart 1/20: iteration 4, SSE 12.5, moved 7 (")
    assert [line.split(":")[0] for line in lines[1:]] == [f"restart {i}/20" for i in range(2, 21, 2)]
    assert lines[-1].startswith("restart 20/20: best SSE 8, last run 3 iteration(s) (")


def test_steps_are_not_reported_before_the_heartbeat() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(1, stream=stream, heartbeat=3600.0)
    display.iteration(0, IterationEvent(1, 1.0, 2, 0.1))
    assert stream.getvalue() == ""


def test_live_display_on_a_terminal() -> None:
    stream = _Terminal()
    with solve_progress(2, measure="cost", stream=stream) as progress:
        assert progress.restart is not None and progress.iteration is not None
        progress.iteration(0, IterationEvent(3, 4.5, 6, 0.1))
        progress.restart(0, _run(4.0))
        progress.restart(1, _run(3.0))
    text = stream.getvalue()
    assert "\r" in text and "restarts" in text and "2/2" in text
    assert "best cost 3" in text


def test_live_display_shows_the_running_restart() -> None:
    stream = _Terminal()
    display = ProgressDisplay(1, stream=stream, refresh=0.0)
    display.iteration(0, IterationEvent(12, 123.25, 35, 0.1))
    display.close()
    assert "restart 1/1: iteration 12, SSE 123.25, moved 35" in stream.getvalue()


def test_quiet_has_no_callbacks() -> None:
    stream = _Terminal()
    with solve_progress(5, quiet=True, stream=stream) as progress:
        assert progress.restart is None and progress.iteration is None
    assert stream.getvalue() == ""
