"""Every code block of README.md and docs/ runs verbatim, and the API reference is up to date.

* ``python`` blocks run, each in a fresh namespace, from a scratch copy of the repository's
  models, examples and docs (so relative paths work and nothing is written into the tree);
* ``bash`` blocks run line by line there (``fsclust ...`` as ``python -m fsclust``), except the
  install lines and the README's test command (CI runs those), and benchmark commands, which can
  take hours: those are checked against the script's ``--help`` (the script exists and takes
  every flag used);
* ``yaml`` blocks parse, and a block that is a whole spec passes ``fsclust validate`` placed in
  ``models/``;
* ``text`` blocks (printed output, messages, synopses) are prose and are not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import fsclust

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
TESTED = {"python", "bash", "yaml"}


def _blocks() -> list[tuple[str, int, str, str]]:
    found = []
    for path in DOCS:
        text = path.read_text()
        for match in FENCE.finditer(text):
            lang, line = match.group(1), text[:match.start()].count("\n") + 1
            assert lang, f"{path.name}:{line}: a code block needs a language"
            if lang in TESTED:
                found.append((path.relative_to(ROOT).as_posix(), line, lang, match.group(2)))
    return found


BLOCKS = _blocks()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the parts of the repository the blocks use."""
    root = tmp_path_factory.mktemp("repo")
    for name in ("models", "examples", "benchmarks", "docs"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _env() -> dict[str, str]:
    return {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(Path(fsclust.__file__).parents[1])}


def _run(args: list[str], cwd: Path, where: str) -> str:
    done = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, f"{where}: {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _bash_line(line: str, cwd: Path, where: str) -> None:
    words = line.split("#")[0].split()
    if not words or words[0] == "pip" or "pytest" in words:
        return                                       # installs and the test run: CI does them
    if words[0] == "python" and words[1].startswith("benchmarks/"):
        help_text = _run([sys.executable, words[1], "--help"], cwd, where)
        for flag in (w.split("=")[0] for w in words[2:] if w.startswith("--")):
            assert flag in help_text, f"{where}: {words[1]} has no flag {flag}"
        return
    if words[0] == "fsclust":
        words = [sys.executable, "-m", "fsclust", *words[1:]]
    elif words[0] == "python":
        words = [sys.executable, *words[1:]]
    _run(words, cwd, where)


@pytest.mark.parametrize(("doc", "line", "lang", "code"), BLOCKS,
                         ids=[f"{doc}:{line}" for doc, line, _, _ in BLOCKS])
def test_code_block_runs(doc: str, line: int, lang: str, code: str, sandbox: Path) -> None:
    where = f"{doc}:{line}"
    if lang == "python":
        script = sandbox / "block.py"
        script.write_text(code)
        _run([sys.executable, str(script)], sandbox, where)
    elif lang == "bash":
        for text in code.replace("\\\n", " ").splitlines():
            _bash_line(text, sandbox, where)
    else:
        spec = yaml.safe_load(code)
        assert isinstance(spec, dict), where
        if "data" in spec:
            path = sandbox / "models" / "block.yaml"
            path.write_text(code)
            _run([sys.executable, "-m", "fsclust", "validate", str(path)], sandbox, where)


def test_api_reference_is_up_to_date_and_complete() -> None:
    """docs/api.md equals what the docstrings give, and every public function and class carries
    numpydoc Parameters / Returns (classes: Parameters or Attributes) sections."""
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "make_api.py"), "--check"],
                          capture_output=True, text=True, env=_env(), check=False)
    assert done.returncode == 0, done.stderr
