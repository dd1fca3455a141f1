"""fsclust: fixed-size (size-constrained, balanced) clustering as constraint optimisation.

Public API: `assign` (one exact size-constrained assignment step), `Problem` + `solve`
(fixed-size k-means), `FixedSizeKMeans` (scikit-learn-style estimator), the generic engine
(`Parts`, `run_once`, `run_restarts`) and the backend registry (`SOLVERS`, `solver_names`).
"""

from __future__ import annotations

from .assign import SOLVERS, Assignment, AssignmentSolver, assign, get_solver, solver_names
from .capacity import WeightBounds, assign_capacity
from .constraints import Links, make_links
from .costs import PointCosts
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
from .exact import ExactResult, solve_exact
from .kmeans import solve
from .kmedoids import FixedSizeKMedoids, solve_medoids
from .localsearch import (
    LocalSearchResult,
    pairwise_exchange,
    pairwise_objective,
    solve_pairwise,
    within_cluster_means,
)
from .mds import MDSResult, classical_mds
from .problem import Problem
from .result import SolveResult
from .sizes import Sizes, resolve_sizes
from .spec import Spec, load_spec
from .workflow import solve_spec

__version__ = "0.1.0"

__all__ = [
    "SOLVERS",
    "Assignment",
    "AssignmentSolver",
    "CertificateError",
    "ExactResult",
    "FixedSizeKMeans",
    "FixedSizeKMedoids",
    "FsclustError",
    "InfeasibleError",
    "Links",
    "LocalSearchResult",
    "MDSResult",
    "Parts",
    "PointCosts",
    "Problem",
    "Sizes",
    "SolveResult",
    "SolverError",
    "SolverUnavailableError",
    "Spec",
    "SpecError",
    "ValidationError",
    "WeightBounds",
    "__version__",
    "assign",
    "assign_capacity",
    "classical_mds",
    "get_solver",
    "load_spec",
    "make_links",
    "pairwise_exchange",
    "pairwise_objective",
    "resolve_sizes",
    "run_once",
    "run_restarts",
    "solve",
    "solve_exact",
    "solve_medoids",
    "solve_pairwise",
    "solve_spec",
    "solver_names",
    "within_cluster_means",
]
