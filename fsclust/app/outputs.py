"""Committing a run's output files into ``output.dir`` as one set, crash-safely.

The guarantee (see ``docs/reliability.md``): after any failure or crash, ``output.dir`` holds the
previous complete set of fsclust files or the new complete set, never a mix; the set on record
is the one listed in the manifest ``.fsclust-manifest.json`` (names and SHA-256 of every file).

The protocol, under an exclusive lock on the folder:

1. *Recover* from an earlier crash (`recover`): finish a committed set, drop uncommitted stages.
2. *Stage*: write every file into a fresh hidden folder ``.fsclust-stage-XXXX`` inside
   ``output.dir`` (same file system, so renames are atomic), each fsync'ed.
3. *Commit point*: write the new manifest, marked ``pending`` (naming the stage, the new files
   and the previous fsclust files to remove), into the stage, fsync it and rename it over
   ``.fsclust-manifest.json`` (one atomic rename), then fsync the folder. A crash before this
   leaves the previous set and manifest untouched (the stray stage is removed next time).
4. *Finish*: rename the staged files into place, remove the previous set's files that the new
   set does not have (only those still holding the content fsclust wrote), write the final
   manifest (no ``pending``) and remove the stage. A crash in this step is rolled forward by
   the next run: the pending manifest says exactly what is left to do.

Output names are plain file names (no folders, no ``..``, not the reserved ``.fsclust`` prefix),
distinct, and never the path of an input (data, weights, matrix, the spec itself).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fsclust.errors import ValidationError

__all__ = ["MANIFEST", "check_targets", "commit", "name_problem", "plan", "read_manifest", "recover"]

MANIFEST = ".fsclust-manifest.json"
_STAGE = ".fsclust-stage-"
_RESERVED = ".fsclust"
_FORMAT = 1


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain output file name, or None when it is one."""
    if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
        return "a plain file name inside output.dir (no folder, no '..', not absolute)"
    if name.startswith(_RESERVED):
        return f"a file name not starting with {_RESERVED!r} (reserved for fsclust's own files)"
    if len(name.encode("utf-8", "surrogateescape")) > 255:
        return "a file name of at most 255 bytes"
    return None


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return False


def check_targets(targets: dict[str, Path], inputs: Iterable[Path]) -> None:
    """Raise `ValidationError` unless the output ``targets`` (what -> path) are distinct files
    that are none of the ``inputs`` and no existing folder (or other non-file)."""
    inputs = list(inputs)
    seen: dict[str, str] = {}
    for what, target in targets.items():
        key = os.path.normcase(os.path.realpath(target)).casefold()
        if key in seen:
            raise ValidationError(f"{what} and {seen[key]} both name the output file {target}: "
                                  "every output needs its own file name")
        seen[key] = what
        for source in inputs:
            if _same_file(target, source):
                raise ValidationError(f"{what}: the output file {target} is the input {source}; "
                                      "choose another file name or output.dir")
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise ValidationError(f"{what}: {target} exists and is not a regular file; "
                                  "fsclust only replaces files")


def plan(folder: Path | None, names: dict[str, str | None], *, plot_file: Path | None = None,
         inputs: Iterable[Path] = ()) -> dict[str, Path]:
    """The checked output files of a run: spec key (``output.labels``) -> path.

    ``names`` maps spec keys to file names in ``folder`` (None: not written); without a folder
    nothing but ``plot_file`` is written. ``plot_file`` (the CLI's ``--plot``) replaces
    ``output.plot`` and must lie in ``folder`` when there is one (the set is committed as one).

    Raises
    ------
    ValidationError
        A bad name, two outputs with one file, an output that is an input (see `check_targets`).
    """
    if folder is not None and (folder.is_symlink() or folder.exists()) and not folder.is_dir():
        raise ValidationError(f"output.dir: {folder} exists and is not a folder")
    targets = {} if folder is None else {key: folder / name for key, name in names.items() if name}
    if plot_file is not None:
        targets.pop("output.plot", None)
        if folder is not None and os.path.realpath(plot_file.parent) != os.path.realpath(folder):
            raise ValidationError(f"--plot: {plot_file} must be a file in the output folder {folder} "
                                  "(the output files are committed together)")
        problem = name_problem(plot_file.name)
        if problem is not None:
            raise ValidationError(f"--plot: {plot_file.name!r} must be {problem}")
        targets["--plot"] = plot_file if folder is None else folder / plot_file.name
    check_targets(targets, inputs)
    return targets


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):              # not every file system syncs folders
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write(path: Path, data: bytes, target: Path) -> None:
    """Write and fsync ``path``; an error names ``target`` (the real destination)."""
    try:
        with open(path, "xb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` (POSIX ``flock``), so two runs never interleave."""
    try:
        import fcntl
    except ImportError:                             # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of ``folder`` when present and well formed (hostile content is ignored)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    files, remove, pending = data.get("files"), data.get("remove", {}), data.get("pending")
    if not (isinstance(files, dict) and isinstance(remove, dict)):
        return None
    names = [*files, *remove]
    if any(not isinstance(n, str) or name_problem(n) for n in names):
        return None
    if pending is not None and not (isinstance(pending, str) and pending.startswith(_STAGE)
                                    and "/" not in pending and "\\" not in pending):
        return None
    return data


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()


def _put_manifest(folder: Path, stage: Path, manifest: dict[str, Any]) -> None:
    """Atomically replace the folder's manifest (written and fsync'ed in ``stage`` first)."""
    staged = stage / MANIFEST
    with contextlib.suppress(FileNotFoundError):
        staged.unlink()
    _write(staged, _manifest_bytes(manifest), folder / MANIFEST)
    os.replace(staged, folder / MANIFEST)
    _fsync_dir(folder)


def _finish(folder: Path, manifest: dict[str, Any]) -> None:
    """Step 4 of the protocol for a committed (pending) manifest; safe to repeat."""
    stage = folder / manifest["pending"]
    for name in manifest["files"]:
        if (stage / name).exists():
            try:
                os.replace(stage / name, folder / name)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror or str(exc), str(folder / name)) from None
    for name, digest in manifest["remove"].items():
        old = folder / name
        if name not in manifest["files"] and old.is_file() and not old.is_symlink() \
                and _sha256(old) == digest:
            old.unlink()
    _fsync_dir(folder)
    stage.mkdir(exist_ok=True)
    _put_manifest(folder, stage, {"format": _FORMAT, "files": manifest["files"]})
    shutil.rmtree(stage, ignore_errors=True)


def recover(folder: Path) -> None:
    """Finish a set whose commit was interrupted, and remove stages that never committed."""
    manifest = read_manifest(folder)
    if manifest is not None and manifest.get("pending"):
        _finish(folder, manifest)
    for stray in folder.glob(_STAGE + "*"):
        if stray.is_dir() and not stray.is_symlink():
            shutil.rmtree(stray, ignore_errors=True)


def commit(folder: Path, files: dict[str, bytes], *, protected: Iterable[Path] = ()) -> list[Path]:
    """Replace the fsclust output set in ``folder`` by ``files`` (plain name -> content),
    atomically as a set (see the module docstring).

    Files of the previous set that the new one lacks are removed, unless they changed since
    fsclust wrote them or are one of the ``protected`` inputs. Ctrl-C during the commit is
    deferred until it is complete. Returns the written paths.

    Raises
    ------
    ValidationError
        A name that is not a plain file name, two equal names, a target that is one of the
        ``protected`` inputs or is not a regular file.
    OSError
        The folder cannot be created or written; the error names the real target.
    """
    protected = list(protected)
    for name in files:
        problem = name_problem(name)
        if problem is not None:
            raise ValidationError(f"output file name {name!r} must be {problem}")
    check_targets({name: folder / name for name in files}, protected)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno or errno.EIO, exc.strerror or str(exc), str(folder)) from None
    with _interrupts_deferred(), _locked(folder):
        recover(folder)
        manifest = _stage(folder, files, protected)
        _finish(folder, manifest)
    return [folder / name for name in files]


def _stage(folder: Path, files: dict[str, bytes], protected: list[Path]) -> dict[str, Any]:
    """Steps 2 and 3: stage the files and commit the pending manifest; returns it."""
    previous = read_manifest(folder) or {"files": {}}
    stage = Path(tempfile.mkdtemp(prefix=_STAGE, dir=folder))
    try:
        digests = {}
        for name, data in files.items():
            _write(stage / name, data, folder / name)
            digests[name] = hashlib.sha256(data).hexdigest()
        remove = {name: digest for name, digest in previous["files"].items()
                  if name not in files and not any(_same_file(folder / name, p) for p in protected)}
        manifest = {"format": _FORMAT, "files": digests, "remove": remove, "pending": stage.name}
        _write(stage / MANIFEST, _manifest_bytes(manifest), folder / MANIFEST)
        _fsync_dir(stage)
        os.replace(stage / MANIFEST, folder / MANIFEST)      # the commit point
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _fsync_dir(folder)
    return manifest


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) until the block ends, then raise the KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
