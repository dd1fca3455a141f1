"""Shared helper of the benchmark-script tests: a script of benchmarks/ imported as a module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "benchmarks"


def _import(name: str) -> ModuleType:
    for helper in SCRIPTS.glob("_*.py"):              # the scripts' shared helpers (`_memory`), which
        if helper.stem not in sys.modules and helper.stem != name:    # a script run as such finds
            _import(helper.stem)                      # next to it
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module                    # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def import_script():
    """``import_script(name)``: ``benchmarks/<name>.py`` imported as the module ``name``."""
    return _import
