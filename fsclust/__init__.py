"""fsclust: fixed-size (size-constrained, balanced) clustering as constraint optimisation.

Public API: `assign` (one exact size-constrained assignment step), `Problem` + `solve`
(fixed-size k-means), `FixedSizeKMeans` (scikit-learn-style estimator), the generic engine
(`Parts`, `run_once`, `run_restarts`) and the backend registry (`SOLVERS`, `solver_names`).
"""

from __future__ import annotations

from .assign import SOLVERS, Assignment, AssignmentSolver, assign, get_solver, solver_names
from .engine import Parts, run_once, run_restarts
from .errors import (
                     CertificateError,
                     FsclustError,
                     InfeasibleError,
                     SolverError,
                     SolverUnavailableError,
                     SpecError,
                     ValidationError,
)
from .estimator import FixedSizeKMeans
from .kmeans import solve
from .problem import Problem
from .result import SolveResult
from .sizes import Sizes, resolve_sizes

__version__ = "0.1.0"

__all__ = [
                     "SOLVERS",
                     "Assignment",
                     "AssignmentSolver",
                     "CertificateError",
                     "FixedSizeKMeans",
                     "FsclustError",
                     "InfeasibleError",
                     "Parts",
                     "Problem",
                     "Sizes",
                     "SolveResult",
                     "SolverError",
                     "SolverUnavailableError",
                     "SpecError",
                     "ValidationError",
                     "__version__",
                     "assign",
                     "get_solver",
                     "resolve_sizes",
                     "run_once",
                     "run_restarts",
                     "solve",
                     "solver_names",
]
