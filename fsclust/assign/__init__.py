"""The assignment kernel: one registry of exact backends and the `assign` entry point.

``SOLVERS`` maps a name to an `AssignmentSolver`; insertion order is preference order.
``"auto"`` resolves to the preferred available backend that can solve the problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fsclust._validation import as_float_matrix, check_cost_range
from fsclust.assign.base import Assignment, AssignmentSolver, Capabilities, assignment_from_labels
from fsclust.assign.certificate import is_optimal, polish
from fsclust.assign.costs import PointCosts
from fsclust.assign.dual import DualSolver
from fsclust.assign.flow import FlowSolver
from fsclust.assign.hungarian import HungarianSolver
from fsclust.assign.lp import LPSolver
from fsclust.errors import FsclustError, SolverError, SolverUnavailableError, ValidationError
from fsclust.problem.sizes import Sizes, resolve_sizes

__all__ = [
    "DEFAULT_SOLVER",
    "SOLVERS",
    "Assignment",
    "AssignmentSolver",
    "Capabilities",
    "assign",
    "assignment_from_labels",
    "get_solver",
    "is_optimal",
    "polish",
    "register_solver",
    "run_solver",
    "solver_names",
]

SOLVERS: dict[str, AssignmentSolver] = {
    "flow": FlowSolver(),
    "hungarian": HungarianSolver(),
    "lp": LPSolver(),
    "dual": DualSolver(),
}
DEFAULT_SOLVER = "flow"


def solver_names() -> list[str]:
    """Registered backend names in preference order (``"auto"`` not included)."""
    return list(SOLVERS)


def register_solver(solver: AssignmentSolver) -> None:
    """Add a backend to the registry under ``solver.name`` (names must be new)."""
    if solver.name in SOLVERS or solver.name == "auto":
        raise ValidationError(f"a solver named {solver.name!r} is already registered")
    SOLVERS[solver.name] = solver


def _auto(sizes: Sizes, n: int) -> AssignmentSolver:
    for solver in SOLVERS.values():
        preference = getattr(solver, "auto_preference", None)
        if preference is not None and preference(n, sizes) and _usable(solver, sizes):
            return solver
    return SOLVERS[DEFAULT_SOLVER]


def _usable(solver: AssignmentSolver, sizes: Sizes) -> bool:
    caps = solver.capabilities
    return solver.is_available() and (caps.exact_sizes if sizes.exact else caps.bounds)


def get_solver(solver: str | AssignmentSolver | None, sizes: Sizes | None = None,
               n: int = 0) -> AssignmentSolver:
    """Look up a backend by name (or accept an object) and check it can solve the problem.

    Raises
    ------
    ValidationError
        Unknown name.
    SolverUnavailableError
        Its library is not installed.
    SolverError
        It lacks a capability the sizes need.
    """
    if solver is None:
        solver = DEFAULT_SOLVER
    if isinstance(solver, str):
        if solver == "auto":
            return _auto(sizes, n) if sizes is not None else SOLVERS[DEFAULT_SOLVER]
        if solver not in SOLVERS:
            raise ValidationError(
                f"The 'solver' parameter must be one of {['auto', *SOLVERS]}. Got {solver!r} instead.")
        solver = SOLVERS[solver]
    elif not isinstance(solver, AssignmentSolver):
        raise ValidationError(
            f"The 'solver' parameter must be a solver name or an AssignmentSolver. Got {solver!r} instead.")
    if not solver.is_available():
        raise SolverUnavailableError(
            f"The solver {solver.name!r} is not installed: pip install {solver.library}")
    if sizes is not None and not _usable(solver, sizes):
        usable = [name for name, s in SOLVERS.items() if _usable(s, sizes)]
        raise SolverError(
            f"The solver {solver.name!r} cannot solve this problem: it needs exact sizes "
            f"(size_min == size_max) but bounds were given; use one of {usable}")
    return solver


def run_solver(solver: AssignmentSolver, cost: np.ndarray, sizes: Sizes, *,
               warm_start: np.ndarray | None = None) -> Assignment:
    """Call a resolved backend on validated input and check the counts it returns.

    A backend's own library error (a raw ``ValueError`` from SciPy, an arithmetic error) is
    turned into a `SolverError` naming the backend: every error leaves as an `FsclustError`.
    """
    try:
        result = solver.solve(cost, sizes, warm_start=warm_start)
    except FsclustError:
        raise
    except (ValueError, ArithmeticError, IndexError) as exc:
        raise SolverError(f"the solver {solver.name!r} failed: {type(exc).__name__}: {exc}") from exc
    if (result.counts < sizes.lo).any() or (result.counts > sizes.hi).any():
        raise SolverError(f"the solver {solver.name!r} returned counts {result.counts.tolist()} "
                          "outside the required sizes")
    return result


def assign(cost: Any, sizes: Any = None, *, size_min: Any = None, size_max: Any = None,
           solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
           warm_start: np.ndarray | None = None, verify: bool = False) -> Assignment:
    r"""Optimal assignment of n points to k clusters with prescribed sizes.

    Solves

    .. math:: \min_{a} \sum_i C_{i, a_i} \quad\text{s.t.}\quad
              \text{size\_min}_j \le |\{i : a_i = j\}| \le \text{size\_max}_j .

    Parameters
    ----------
    cost : array-like of shape (n, k), or fsclust.assign.costs.PointCosts
        Finite float costs of putting point i in cluster j. `PointCosts` (squared distances of
        points to centers, few dimensions) is evaluated on demand by backends that can (``dual``,
        also picked by ``"auto"`` for large problems): no (n, k) matrix is ever stored.
    sizes : array-like of shape (k,), optional
        Exact sizes (ints summing to n, or fractions summing to 1). With neither sizes nor bounds
        the clusters are balanced.
    size_min, size_max : int or array-like of shape (k,), optional
        Per-cluster bounds instead of exact sizes.
    solver : str or AssignmentSolver, default "flow"
        A name from `solver_names`, ``"auto"``, or a backend object.
    warm_start : ndarray of shape (k,), optional
        Cluster prices from a previous solve, for backends that accept them.
    verify : bool, default False
        Also run the O(nk + k^3) optimality certificate and raise `CertificateError` on failure.

    Returns
    -------
    Assignment
        ``labels`` (n,), ``cost``, ``counts`` (k,), ``solver``, ``status``.

    Raises
    ------
    ValidationError, InfeasibleError, SolverError

    Examples
    --------
    >>> import numpy as np
    >>> from fsclust import assign
    >>> cost = np.array([[0.0, 5.0], [1.0, 7.0], [2.0, 2.5]])
    >>> a = assign(cost, [1, 2])
    >>> a.labels.tolist(), a.cost
    ([1, 0, 1], 8.5)
    """
    if not isinstance(cost, PointCosts):
        cost = as_float_matrix(cost, "cost")
        check_cost_range(cost)
    resolved = resolve_sizes(cost.shape[0], n_clusters=cost.shape[1], sizes=sizes,
                             size_min=size_min, size_max=size_max)
    backend = get_solver(solver, resolved, cost.shape[0])
    if isinstance(cost, PointCosts) and not backend.capabilities.on_demand:
        cost = cost.dense()
    result = run_solver(backend, cost, resolved, warm_start=warm_start)
    if verify and not is_optimal(cost if isinstance(cost, np.ndarray) else cost.dense(),
                                 result.labels, resolved):
        from fsclust.errors import CertificateError

        raise CertificateError(f"the solver {backend.name!r} returned a non-optimal assignment")
    return result
