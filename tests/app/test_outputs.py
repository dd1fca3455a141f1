"""Output safety (issue 11, items 4 and 9): plain names inside output.dir, inputs never
overwritten, the set committed atomically with a manifest, a re-run replacing the previous set,
and crashes (SIGKILL at every step of the commit, and at random moments of real runs) leaving
the previous complete set or the new one."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fsclust.app import outputs
from fsclust.app.outputs import MANIFEST, commit, read_manifest, recover
from fsclust.cli import main
from fsclust.errors import ValidationError

ROOT = Path(__file__).resolve().parents[2]
POINTS = "id,x,y\np0,0,0\np1,0,1\np2,5,5\np3,5,6\n"
P = "data: {points: p.csv, name_column: id}\nclusters: {k: 2}\nsolver: {restarts: 2}\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every visible file under ``folder`` (recursively), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".fsclust") for part in p.parts)}


def complete_set(folder: Path) -> dict[str, bytes]:
    """The visible fsclust files of ``folder``, checked to be exactly the manifest's set."""
    manifest = read_manifest(folder)
    assert manifest is not None and "pending" not in manifest
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != MANIFEST}
    assert sorted(files) == sorted(manifest["files"])
    assert all(hashlib.sha256(data).hexdigest() == manifest["files"][name]
               for name, data in files.items())
    return files


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "p.csv").write_text(POINTS)
    return tmp_path


def run(folder: Path, capsys: pytest.CaptureFixture[str], spec: str, *args: str) -> tuple[int, str]:
    (folder / "spec.yaml").write_text(spec)
    code = main(["solve", str(folder / "spec.yaml"), "--quiet", *args])
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize(("output", "message"), [
    ("{dir: ., labels: p.csv}", r"output.labels: the output file .*p.csv is the input .*p.csv"),
    ("{dir: ., summary: spec.yaml}", r"output.summary: the output file .*spec.yaml is the input"),
    ("{dir: res, labels: ../x.csv}", r"output.labels: must be a plain file name inside output.dir"),
    ("{dir: res, labels: /tmp/x.csv}", r"output.labels: must be a plain file name inside output.dir"),
    ("{dir: res, labels: .fsclust-manifest.json}", r"not starting with '.fsclust'"),
    ("{dir: res, labels: a.csv, centers: a.csv}", r"output.centers and output.labels both name the "
                                                  r"output file .*a.csv"),
    ("{dir: ., labels: sub}", r"output.labels: .*sub exists and is not a regular file"),
    ("{dir: p.csv}", r"output.dir: .*p.csv exists and is not a folder"),
])
def test_unsafe_outputs_are_refused_before_solving(folder: Path, capsys, output: str,
                                                   message: str) -> None:
    (folder / "sub").mkdir()
    (folder / "spec.yaml").write_text(P + f"output: {output}\n")
    before = snapshot(folder)
    for args in (["validate"], ["solve", "--quiet"]):
        code = main([*args, str(folder / "spec.yaml")])
        _, err = capsys.readouterr()
        assert code == 1 and err.count("\n") == 1, err
        assert re.search(message, err), err
    assert snapshot(folder) == before and not (folder / "res").exists()


def test_cli_overrides_are_checked_too(folder: Path, capsys) -> None:
    code, err = run(folder, capsys, P, "--out", str(folder), "--plot", str(folder / "p.csv"))
    assert code == 1 and "--plot: the output file" in err and "is the input" in err
    code, err = run(folder, capsys, P + "output: {labels: p.csv}\n", "--out", str(folder))
    assert code == 1 and "output.labels: the output file" in err
    code, err = run(folder, capsys, P, "--out", str(folder / "res"), "--plot", str(folder / "p.png"))
    assert code == 1 and f"--plot: {folder / 'p.png'} must be a file in the output folder" in err
    assert (folder / "p.csv").read_text() == POINTS and not (folder / "res").exists()


def test_a_rerun_replaces_the_previous_set_as_a_whole(folder: Path, capsys) -> None:
    out = folder / "res"
    assert run(folder, capsys, P + "output: {dir: res}\n")[0] == 0
    assert sorted(complete_set(out)) == ["centers.csv", "labels.csv", "summary.json"]
    (out / "notes.txt").write_text("mine")                       # not an fsclust file: kept
    assert run(folder, capsys, P + "output: {dir: res, labels: l2.csv, summary: s2.json}\n")[0] == 0
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == [
        "centers.csv", "l2.csv", "notes.txt", "s2.json"]
    assert sorted(read_manifest(out)["files"]) == ["centers.csv", "l2.csv", "s2.json"]
    (out / "l2.csv").write_text("edited by hand")                # changed since written: kept
    assert run(folder, capsys, P + "output: {dir: res}\n")[0] == 0
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == [
        "centers.csv", "l2.csv", "labels.csv", "notes.txt", "summary.json"]
    assert (out / "l2.csv").read_text() == "edited by hand"


def test_a_failure_halfway_keeps_the_previous_set_and_names_the_target(folder: Path, capsys,
                                                                      monkeypatch) -> None:
    out = folder / "res"
    assert run(folder, capsys, P + "output: {dir: res}\n")[0] == 0
    before = complete_set(out)
    real = outputs._write

    def full_disk(path: Path, data: bytes, target: Path) -> None:
        if target.name == "labels.csv":
            raise OSError(28, "No space left on device", str(target))
        real(path, data, target)

    monkeypatch.setattr(outputs, "_write", full_disk)
    code, err = run(folder, capsys, P + "output: {dir: res, summary: other.json}\n")
    assert (code, err) == (1, f"fsclust: error: {out / 'labels.csv'}: No space left on device\n")
    assert complete_set(out) == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".fsclust-stage")] == []


def test_a_hostile_manifest_is_ignored(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    digest = hashlib.sha256(b"keep").hexdigest()
    for pending in ("../..", ".fsclust-stage-x/../..", None):
        hostile = {"format": 1, "files": {}, "remove": {"../victim.txt": digest}, "pending": pending}
        (out / MANIFEST).write_text(json.dumps(hostile))
        commit(out, {"a.csv": b"1\n"})
        assert victim.read_text() == "keep" and complete_set(out) == {"a.csv": b"1\n"}
    with pytest.raises(ValidationError, match=r"output file name '../a' must be a plain file name"):
        commit(out, {"../a": b""})


# --- crashes -----------------------------------------------------------------------------------------
def _crash_child(step: int, folder: Path, files: dict[str, bytes]) -> None:
    """In a forked child: SIGKILL the process at the ``step``-th file-system call of `commit`."""
    calls = [0]

    def killing(func):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return func(*args, **kwargs)
        return call

    for name in ("replace", "fsync", "unlink", "rename", "rmdir", "mkdir"):
        setattr(os, name, killing(getattr(os, name)))
    commit(folder, files)


def crash_commit(step: int, folder: Path, files: dict[str, bytes]) -> bool:
    """Run `commit` in a forked child killed at ``step``; True when it was killed."""
    pid = os.fork()
    if pid == 0:                               # pragma: no cover - child
        try:
            _crash_child(step, folder, files)
        finally:
            os._exit(0)
    deadline = time.monotonic() + 20.0
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0:   # never hang the suite
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"the commit in the child did not finish (step {step})")
        time.sleep(0.002)
    return os.WIFSIGNALED(waited[1]) and os.WTERMSIG(waited[1]) == signal.SIGKILL


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_at_every_step_of_a_commit_leaves_one_complete_set(tmp_path: Path) -> None:
    old = {"labels.csv": b"old labels\n", "summary.json": b"{}\n", "gone.csv": b"only old\n"}
    new = {"labels.csv": b"new labels\n", "summary.json": b'{"new": 1}\n', "extra.csv": b"only new\n"}
    step = 0
    while True:
        step += 1
        folder = tmp_path / f"case{step}"
        commit(folder, old)
        killed = crash_commit(step, folder, new)
        committed = read_manifest(folder)
        before = None if "pending" in committed else complete_set(folder)    # no recovery yet
        assert before in (old, new, None)
        recover(folder)                        # what the next run does first
        assert complete_set(folder) == (old if before == old else new)
        assert not list(folder.glob(".fsclust-stage-*"))
        commit(folder, new)                    # and the next run works
        assert complete_set(folder) == new
        if not killed:
            break
    assert step > 10                           # every write, fsync, rename and unlink was a crash point


# five columns and the Hungarian backend: no numba and no OR-Tools to import, a short run
POINTS5 = "id,a,b,c,d,e\np0,0,0,0,0,0\np1,0,1,0,0,0\np2,5,5,0,0,0\np3,5,6,0,0,0\n"
SPEC = ("data: {points: p.csv, name_column: id}\nclusters: {k: 2}\n"
        "solver: {restarts: 1, backend: hungarian}\noutput: {dir: res, summary: %s}\n")


def test_sigkill_at_random_moments_of_real_runs(tmp_path: Path) -> None:
    """Real ``fsclust solve`` processes killed at random moments: the folder always holds the
    previous complete set or the new one (after the recovery every run starts with)."""
    (tmp_path / "p.csv").write_text(POINTS5)
    for name, summary in (("a.yaml", "a.json"), ("b.yaml", "b.json")):
        (tmp_path / name).write_text(SPEC % summary)
    command = [sys.executable, "-m", "fsclust", "solve", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run([*command, str(tmp_path / "a.yaml")], env=env, check=True, capture_output=True)
    duration = time.perf_counter() - start
    assert sorted(complete_set(tmp_path / "res")) == ["a.json", "centers.csv", "labels.csv"]
    rng = random.Random(11)
    inputs = snapshot(tmp_path)
    for attempt in range(9):
        spec = "b.yaml" if attempt % 2 == 0 else "a.yaml"
        proc = subprocess.Popen([*command, str(tmp_path / spec)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        recover(tmp_path / "res")
        names = sorted(complete_set(tmp_path / "res"))
        assert names in (["a.json", "centers.csv", "labels.csv"], ["b.json", "centers.csv", "labels.csv"])
        assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("res")} == {
            k: v for k, v in inputs.items() if not k.startswith("res")}
