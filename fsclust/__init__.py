"""fsclust: fixed-size (size-constrained, balanced) clustering as constraint optimisation.

Public API: `assign` (one exact size-constrained assignment step), `Problem` + `solve`
(fixed-size k-means), `FixedSizeKMeans` (scikit-learn-style estimator), the generic engine
(`Parts`, `run_once`, `run_restarts`) and the backend registry (`SOLVERS`, `solver_names`).

The public names are loaded on first use (PEP 562), so ``import fsclust`` and the command line
start in milliseconds and a Ctrl-C while starting is handled by the CLI, not by a traceback.
"""

from __future__ import annotations

import importlib
import sys
import types
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from fsclust.app.spec import Spec, load_spec
    from fsclust.app.workflow import solve_spec
    from fsclust.assign import SOLVERS, Assignment, AssignmentSolver, assign, get_solver, solver_names
    from fsclust.assign.capacity import assign_capacity
    from fsclust.assign.costs import PointCosts
    from fsclust.engine.core import IterationEvent, Parts, run_once, run_restarts
    from fsclust.engine.driver import solve, solve_medoids
    from fsclust.engine.result import SolveResult
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

_WHERE = {
    "Assignment": "fsclust.assign",
    "AssignmentSolver": "fsclust.assign",
    "ExactResult": "fsclust.pairwise.proof",
    "FixedSizeKMeans": "fsclust.estimators",
    "FixedSizeKMedoids": "fsclust.estimators",
    "IterationEvent": "fsclust.engine.core",
    "Links": "fsclust.problem.links",
    "LocalSearchResult": "fsclust.localsearch",
    "MDSResult": "fsclust.pairwise.mds",
    "Parts": "fsclust.engine.core",
    "PointCosts": "fsclust.assign.costs",
    "Problem": "fsclust.problem.problem",
    "SOLVERS": "fsclust.assign",
    "Sizes": "fsclust.problem.sizes",
    "SolveResult": "fsclust.engine.result",
    "Spec": "fsclust.app.spec",
    "WeightBounds": "fsclust.problem.weights",
    "assign": "fsclust.assign",
    "assign_capacity": "fsclust.assign.capacity",
    "classical_mds": "fsclust.pairwise.mds",
    "get_solver": "fsclust.assign",
    "load_spec": "fsclust.app.spec",
    "make_links": "fsclust.problem.links",
    "pairwise_exchange": "fsclust.pairwise.objective",
    "pairwise_objective": "fsclust.pairwise.objective",
    "resolve_sizes": "fsclust.problem.sizes",
    "run_once": "fsclust.engine.core",
    "run_restarts": "fsclust.engine.core",
    "solve": "fsclust.engine.driver",
    "solve_exact": "fsclust.pairwise.proof",
    "solve_medoids": "fsclust.engine.driver",
    "solve_pairwise": "fsclust.pairwise.objective",
    "solve_spec": "fsclust.app.workflow",
    "solver_names": "fsclust.assign",
    "within_cluster_means": "fsclust.pairwise.objective",
}
_SUBPACKAGES = ("app", "assign", "engine", "localsearch", "models", "pairwise", "problem")

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


def __getattr__(name: str) -> Any:
    """Load a public name (or a subpackage) on first access."""
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
    elif name in _SUBPACKAGES or name in ("cli", "estimators", "testing"):
        value = importlib.import_module(f"fsclust.{name}")
    else:
        raise AttributeError(f"module 'fsclust' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The package module: a subpackage loaded later never hides the public name it shares
    (``fsclust.assign`` is the function; the subpackage is ``sys.modules["fsclust.assign"]``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _WHERE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
