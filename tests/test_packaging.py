"""Packaging promises: one version source (pyproject.toml), a PEP 561 ``py.typed`` marker that
ships in the package data, and the runtime dependency of the progress display."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

import fsclust

tomllib = pytest.importorskip("tomllib")            # Python >= 3.11
ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_version_has_one_source() -> None:
    version = PYPROJECT["project"]["version"]
    assert fsclust.__version__ == importlib.metadata.version("fsclust") == version
    assert f'"{version}"' not in (ROOT / "fsclust" / "__init__.py").read_text()


def test_py_typed_marker_ships_with_the_package() -> None:
    assert (ROOT / "fsclust" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["fsclust"]


def test_progress_and_plot_dependencies() -> None:
    runtime = [spec.split(">")[0] for spec in PYPROJECT["project"]["dependencies"]]
    assert "tqdm" in runtime and "matplotlib" not in runtime
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(spec.startswith("matplotlib") for spec in extras["plot"])
