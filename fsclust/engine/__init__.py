"""The generic alternating loop (`core`), its result (`result`), threads for restarts (`parallel`)
and the one driver every route uses (`fsclust.engine.driver`, imported explicitly).
"""

from __future__ import annotations

from fsclust.engine.core import IterationEvent, Parts, Run, alternate, run_once, run_restarts
from fsclust.engine.result import SolveResult

__all__ = ["IterationEvent", "Parts", "Run", "SolveResult", "alternate", "run_once", "run_restarts"]
