"""fsclust: fixed-size (size-constrained, balanced) clustering as constraint optimisation.

Public API: `assign` (one exact size-constrained assignment step), `Problem` + `solve`
(fixed-size k-means), `FixedSizeKMeans` (scikit-learn-style estimator), the generic engine
(`Parts`, `run_once`, `run_restarts`) and the backend registry (`SOLVERS`, `solver_names`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from fsclust.app.spec import Spec, load_spec
from fsclust.app.workflow import solve_spec
from fsclust.assign import SOLVERS, Assignment, AssignmentSolver, assign, get_solver, solver_names
from fsclust.assign.capacity import assign_capacity
from fsclust.assign.costs import PointCosts
from fsclust.engine.core import IterationEvent, Parts, run_once, run_restarts
from fsclust.engine.driver import solve, solve_medoids
from fsclust.engine.result import SolveResult
from fsclust.errors import (
    CertificateError,
    FsclustError,
    FsclustWarning,
    InfeasibleError,
    SolverError,
    SolverUnavailableError,
    SpecError,
    ValidationError,
)
from fsclust.estimators import FixedSizeKMeans, FixedSizeKMedoids
from fsclust.localsearch import LocalSearchResult
from fsclust.pairwise.mds import MDSResult, classical_mds
from fsclust.pairwise.objective import (
    pairwise_exchange,
    pairwise_objective,
    solve_pairwise,
    within_cluster_means,
)
from fsclust.pairwise.proof import ExactResult, solve_exact
from fsclust.problem.links import Links, make_links
from fsclust.problem.problem import Problem
from fsclust.problem.sizes import Sizes, resolve_sizes
from fsclust.problem.weights import WeightBounds

try:
    __version__ = _version("fsclust")     # pyproject.toml's version is the single source
except PackageNotFoundError:              # pragma: no cover - source tree without an install
    __version__ = "0+unknown"

__all__ = [
    "SOLVERS",
    "Assignment",
    "AssignmentSolver",
    "CertificateError",
    "ExactResult",
    "FixedSizeKMeans",
    "FixedSizeKMedoids",
    "FsclustError",
    "FsclustWarning",
    "InfeasibleError",
    "IterationEvent",
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
