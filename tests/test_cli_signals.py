"""Ctrl-C (issue 11, item 5): during CP-SAT the search stops and the command exits 130 with
``fsclust: error: interrupted`` and writes nothing; during start-up there is no traceback."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from fsclust.cli import main

ROOT = Path(__file__).resolve().parents[1]
INTERRUPTED = "fsclust: error: interrupted\n"


def hard_spec(folder: Path, n: int = 120, k: int = 6, pairs: int = 150) -> Path:
    """A spec whose every CP-SAT assignment step takes about a second: nearby points
    cannot-linked, triples must-linked; outputs go to ``folder / "out"``."""
    X = np.random.default_rng(0).random((n, 2))
    (folder / "p.csv").write_text("id,x,y\n" + "".join(f"p{i},{a:.6f},{b:.6f}\n"
                                                      for i, (a, b) in enumerate(X)))
    d = np.hypot(*(X[:, None, :] - X[None, :, :]).transpose(2, 0, 1))
    i, j = np.triu_indices(n, 1)
    near = np.argsort(d[i, j])[:pairs]
    cannot = ", ".join(f"[p{i[o]}, p{j[o]}]" for o in near)
    must = ", ".join(f"[p{3 * g}, p{3 * g + 1}, p{3 * g + 2}]" for g in range(n // 12))
    spec = folder / "hard.yaml"
    spec.write_text(f"data: {{points: p.csv, name_column: id}}\nclusters: {{k: {k}}}\n"
                    f"constraints: {{must_link: [{must}], cannot_link: [{cannot}]}}\n"
                    "solver: {restarts: 1}\noutput: {dir: out}\n")
    return spec


def test_ctrl_c_during_cp_sat_stops_the_search_and_writes_nothing(tmp_path: Path, capsys,
                                                                 monkeypatch) -> None:
    from fsclust.assign import linked

    spec = hard_spec(tmp_path)
    real, seen = linked.solve_interruptibly, {}

    def interrupted_soon(solver, model):
        if "start" not in seen:                 # Ctrl-C 0.1 s into the first CP-SAT search
            seen["start"] = time.perf_counter()
            threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()
        try:
            return real(solver, model)
        except KeyboardInterrupt:
            seen["stopped"] = time.perf_counter() - seen["start"]
            raise

    monkeypatch.setattr(linked, "solve_interruptibly", interrupted_soon)
    code = main(["solve", str(spec), "--quiet"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (130, "", INTERRUPTED)
    assert seen["stopped"] < 1.5                # stopped inside the search, promptly
    assert not (tmp_path / "out").exists()


def test_the_cp_sat_helper_raises_keyboard_interrupt() -> None:
    from ortools.sat.python import cp_model

    from fsclust.assign._sat import solve_interruptibly

    model = cp_model.CpModel()
    x = [model.new_int_var(0, 1000, f"x{i}") for i in range(60)]
    model.add_all_different(x)
    rng = np.random.default_rng(0)
    for a, b in itertools.pairwise(x):
        model.add(a * int(rng.integers(1, 9)) + b * int(rng.integers(1, 9)) != int(rng.integers(5000)))
    model.minimize(sum(int(rng.integers(-50, 50)) * v for v in x))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        solve_interruptibly(solver, model)
    assert time.perf_counter() - start < 2.0
    assert solver.parameters.catch_sigint_signal is False


def _interrupt_when_loaded(args: list[str], library: str, delay: float = 0.0) -> tuple[int, str, str]:
    """Start ``python -m fsclust ARGS``; send SIGINT ``delay`` s after ``library`` (a shared
    object) is mapped into the process; return (exit code, stdout, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "fsclust", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    maps = Path(f"/proc/{proc.pid}/maps")
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if library in maps.read_text():
                break
        except OSError:
            break
        time.sleep(0.002)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


pytestmark_linux = pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")


@pytestmark_linux
@pytest.mark.parametrize("library", ["_multiarray_umath", "min_cost_flow"])
def test_ctrl_c_during_start_up_prints_one_line(tmp_path: Path, library: str) -> None:
    (tmp_path / "p.csv").write_text("id,x,y\np0,0,0\np1,0,1\np2,5,5\np3,5,6\n")
    spec = tmp_path / "s.yaml"
    spec.write_text("data: {points: p.csv, name_column: id}\nclusters: {k: 2}\noutput: {dir: out}\n")
    code, _out, err = _interrupt_when_loaded(["solve", str(spec)], library)
    assert (code, err) == (130, INTERRUPTED), err
    assert not (tmp_path / "out").exists()


@pytestmark_linux
def test_ctrl_c_during_cp_sat_in_a_real_process(tmp_path: Path) -> None:
    spec = hard_spec(tmp_path)
    code, out, err = _interrupt_when_loaded(["solve", str(spec)], "cp_model_helper", delay=0.3)
    assert (code, out, err) == (130, "", INTERRUPTED)
    assert not (tmp_path / "out").exists()
