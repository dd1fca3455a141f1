"""The assignment kernel: one registry of exact backends and the `assign` entry point.

``SOLVERS`` maps a name to an `AssignmentSolver`; insertion order is preference order.

* *Count backends* (``flow``, ``hungarian``, ``lp``, ``dual``) solve sizes counted in points;
  they are what the ``solver`` parameter names (`solver_names`), and ``"auto"`` resolves to the
  preferred available one that can solve the problem.
* Backends with the ``links`` capability (``cpsat``) honour hard must-link / cannot-link; the
  driver uses one automatically for a problem with hard links (`links_solver`), around the count
  backend ``solver`` names.

Total-weight sizes (``size_unit="weight"``) are not assigned by these backends but by a capacity
method (`fsclust.assign.capacity`, parameter ``capacity_method``); `check_choice` holds the rules
that tie the two parameters to the size unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fsclust._validation import as_float_matrix, check_cost_range, fail, lookup
from fsclust.assign.base import (
    Assignment,
    AssignmentSolver,
    Capabilities,
    LinksSolver,
    assignment_from_labels,
)
from fsclust.assign.capacity.methods import CAPACITY_METHODS
from fsclust.assign.certificate import is_optimal, polish
from fsclust.assign.costs import PointCosts
from fsclust.assign.dual import DualSolver
from fsclust.assign.flow import FlowSolver
from fsclust.assign.hungarian import HungarianSolver
from fsclust.assign.linked import CpSatLinksSolver
from fsclust.assign.lp import LPSolver
from fsclust.errors import FsclustError, SolverError, SolverUnavailableError
from fsclust.problem.links import Links
from fsclust.problem.sizes import Sizes, resolve_sizes

__all__ = [
    "DEFAULT_SOLVER",
    "SOLVERS",
    "Assignment",
    "AssignmentSolver",
    "Capabilities",
    "ChoiceTerms",
    "LinksSolver",
    "assign",
    "assignment_from_labels",
    "check_choice",
    "get_solver",
    "is_optimal",
    "links_solver",
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
    "cpsat": CpSatLinksSolver(),
}
DEFAULT_SOLVER = "auto"
# what "auto" picks when no backend prefers the problem (small problems: no JIT compile, and
# OR-Tools' min-cost flow is fastest there; see benchmarks/bench_auto.py)
AUTO_FALLBACK = "flow"


def _count_backends() -> dict[str, AssignmentSolver]:
    """The registered backends the ``solver`` parameter may name (no ``links`` capability)."""
    return {name: solver for name, solver in SOLVERS.items() if not solver.capabilities.links}


def solver_names() -> list[str]:
    """Names the ``solver`` parameter accepts besides ``"auto"``.

    Returns
    -------
    list of str
        The registered count backends, in preference order (``cpsat``, the hard-links backend,
        is used automatically instead).
    """
    return list(_count_backends())


def register_solver(solver: AssignmentSolver) -> None:
    """Add a backend to the registry under ``solver.name`` (names must be new)."""
    if solver.name in SOLVERS or solver.name == "auto":
        raise fail("solver", f"a backend whose name is new (not one of {['auto', *SOLVERS]})", solver.name)
    SOLVERS[solver.name] = solver


def _auto(sizes: Sizes, n: int) -> AssignmentSolver:
    for solver in _count_backends().values():
        preference = getattr(solver, "auto_preference", None)
        if preference is not None and preference(n, sizes) and _usable(solver, sizes):
            return solver
    return SOLVERS[AUTO_FALLBACK]


def _usable(solver: AssignmentSolver, sizes: Sizes) -> bool:
    caps = solver.capabilities
    return solver.is_available() and (caps.exact_sizes if sizes.exact else caps.bounds)


def get_solver(solver: str | AssignmentSolver | None, sizes: Sizes | None = None,
               n: int = 0) -> AssignmentSolver:
    """Look up a backend by name (or accept an object) and check it can solve the problem.

    Parameters
    ----------
    solver : str, AssignmentSolver or None
        A name from `solver_names`, ``"auto"`` (None means the default, ``"auto"``), or a
        backend object.
    sizes : Sizes, optional
        The problem's sizes: checked against the backend's capabilities, and what ``"auto"``
        decides on.
    n : int, default 0
        Number of points (for ``"auto"``).

    Returns
    -------
    AssignmentSolver

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
            return _auto(sizes, n) if sizes is not None else SOLVERS[AUTO_FALLBACK]
        solver = lookup(_count_backends(), solver, "solver", extra=["auto"], note=_elsewhere(solver))
    elif not isinstance(solver, AssignmentSolver):
        raise fail("solver", "a solver name or an AssignmentSolver", solver)
    elif solver.capabilities.links:
        raise fail("solver", "a count-assignment backend (hard-links backends such as 'cpsat' "
                   "are used automatically for problems with must-link / cannot-link)", solver.name)
    if not solver.is_available():
        raise SolverUnavailableError(
            f"The solver {solver.name!r} is not installed: pip install {solver.library}")
    if sizes is not None and not _usable(solver, sizes):
        usable = [name for name, s in _count_backends().items() if _usable(s, sizes)]
        raise SolverError(
            f"The solver {solver.name!r} cannot solve this problem: it needs exact sizes "
            f"(size_min == size_max) but bounds were given; use one of {usable}")
    return solver


def _elsewhere(name: str) -> str:
    """Where a name that is not a count backend belongs (for the 'solver' error)."""
    notes = []
    if name in CAPACITY_METHODS:
        notes.append(f"{name!r} is a capacity method: pass capacity_method={name!r} with "
                     "size_unit='weight'")
    if name in SOLVERS and SOLVERS[name].capabilities.links:
        notes.append(f"the {name!r} backend is used automatically for hard must-link / cannot-link")
    return f" ({'; '.join(notes)})" if notes else ""


def links_solver(links: Links, fallback: AssignmentSolver | None,
                 time_limit: float | None = None) -> AssignmentSolver:
    """The preferred available backend with the ``links`` capability, bound to ``links``
    around the count backend ``fallback`` (CP-SAT ``time_limit`` in seconds per step).

    Raises
    ------
    SolverUnavailableError
        No registered links backend is installed.
    """
    for solver in SOLVERS.values():
        if solver.capabilities.links and solver.is_available() and isinstance(solver, LinksSolver):
            return solver.with_links(links, fallback, time_limit)
    raise SolverUnavailableError("No installed backend can honour hard must-link / cannot-link: "
                                 "pip install ortools")


@dataclass(frozen=True)
class ChoiceTerms:
    """How a front end names the two parameters and the size units in `check_choice` messages
    (the library's names by default; the YAML spec and the CLI pass their keys and flags)."""

    solver: str = "solver"
    capacity_method: str = "capacity_method"
    weight: str = "size_unit='weight'"
    count: str = "size_unit='count'"


def check_choice(solver: Any, capacity_method: Any, *, by_weight: bool,
                 terms: ChoiceTerms = ChoiceTerms()) -> tuple[str, str, Any] | None:
    """The rule that ``solver`` and ``capacity_method`` break for the size unit, as
    ``(parameter, rule, value)`` named by ``terms`` (for `fsclust._validation.fail` or a spec
    error); None when they fit.

    ``solver`` names the count backend and applies when sizes count points; ``capacity_method``
    names the total-weight method and applies when ``by_weight``. The parameter that does not
    apply must be left at its default (``solver`` may also be ``"auto"``), so that no value is
    silently ignored. The names themselves are checked where they are looked up (`get_solver`,
    `fsclust.assign.capacity.methods.resolve_method`).
    """
    if by_weight and not (solver is None or (isinstance(solver, str) and solver == "auto")):
        return (terms.solver, f"'auto' (the default) with {terms.weight}, where "
                f"{terms.capacity_method} chooses the assignment method", solver)
    if not by_weight and not (isinstance(capacity_method, str) and capacity_method == "auto"):
        return (terms.capacity_method, f"'auto' (the default) with {terms.count} (capacity methods "
                "are for total-weight sizes)", capacity_method)
    return None


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
        points to centers, any dimension) is evaluated on demand by backends that can (``dual``,
        also picked by ``"auto"`` for large problems): no (n, k) matrix is ever stored.
    sizes : array-like of shape (k,), optional
        Exact sizes (ints summing to n, or fractions summing to 1). With neither sizes nor bounds
        the clusters are balanced.
    size_min, size_max : int or array-like of shape (k,), optional
        Per-cluster bounds instead of exact sizes.
    solver : str or AssignmentSolver, default "auto"
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
