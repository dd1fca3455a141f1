r"""The ``cpsat`` backend: assignment under hard must-link / cannot-link with OR-Tools CP-SAT.

It is registered in `fsclust.assign.SOLVERS` with the ``links`` capability; the driver binds it
to a problem's links (`CpSatLinksSolver.with_links`) whenever the problem has hard constraints,
around the count backend that the ``solver`` parameter names (the *fallback*).

Whole-group placement and cannot-link pairs make the assignment step an integer program (the
min-cost flow with contracted groups can split a group). Every must-link group becomes one
*unit* of weight ``g`` (its size); every other point is a unit of weight 1. With Booleans
``x[u, j]`` (unit ``u`` in cluster ``j``):

.. math:: \min \sum_{u,j} c_{uj} x_{uj} \quad\text{s.t.}\quad \sum_j x_{uj} = 1,\;
          \text{lo}_j \le \sum_u g_u x_{uj} \le \text{hi}_j,\;
          x_{uj} + x_{vj} \le 1 \text{ for cannot-linked } (u, v),

where :math:`c_{uj}` is the sum of the members' costs.

The count backend is used where it stays exact: every step first solves the problem without the
links with the fallback backend; when that optimum already keeps every group whole and every
cannot-link pair apart it is optimal for the constrained problem too (its feasible set is a
subset) and is returned as is. Only otherwise does CP-SAT run (always, for the registered
unbound instance, which has no fallback and no links: then it is a plain exact assignment).

CP-SAT needs integer coefficients: each point's costs are shifted by their row minimum (free, as
every point is assigned once), summed per unit and scaled by ``2**40 / max unit cost``, then
rounded (`fsclust.assign._integer.integer_costs` with ``CPSAT_LIMIT``). The result is optimal
for the rounded costs; its float cost exceeds the float optimum by at most ``n_units / scale``
(stored as ``info["gap_bound"]``, about ``1e-12 * n_units`` of the largest unit cost).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from fsclust.assign._integer import CPSAT_LIMIT, integer_costs, shift_rows
from fsclust.assign._sat import solve_interruptibly
from fsclust.assign.base import Assignment, AssignmentSolver, Capabilities, assignment_from_labels
from fsclust.errors import InfeasibleError, SolverError
from fsclust.problem.links import Links
from fsclust.problem.sizes import Sizes

__all__ = ["CpSatLinksSolver", "respects_links", "unit_costs"]


def respects_links(labels: np.ndarray, links: Links) -> bool:
    """True when ``labels`` (n,) keeps every must-link group whole and every cannot-link pair apart."""
    whole = all((labels[list(group)] == labels[group[0]]).all() for group in links.groups)
    return whole and all(labels[a] != labels[b] for a, b in links.cannot)


def unit_costs(cost: np.ndarray, links: Links) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contract must-link groups into units.

    Parameters
    ----------
    cost : ndarray of shape (n, k)
    links : Links

    Returns
    -------
    unit_cost : ndarray of shape (u, k)
        Row-shifted costs summed over each unit's members (non-negative).
    weight : ndarray of shape (u,), int64
        Points per unit.
    unit_of : ndarray of shape (n,), int64
        The unit of every point.
    """
    n = cost.shape[0]
    unit_of = np.full(n, -1, dtype=np.int64)
    for g, members in enumerate(links.groups):
        unit_of[list(members)] = g
    free = np.flatnonzero(unit_of < 0)
    unit_of[free] = len(links.groups) + np.arange(free.size)
    n_units = len(links.groups) + free.size
    summed = np.zeros((n_units, cost.shape[1]))
    np.add.at(summed, unit_of, shift_rows(cost))
    return summed, np.bincount(unit_of, minlength=n_units).astype(np.int64), unit_of


class CpSatLinksSolver:
    """Exact assignment with hard links: the fallback backend's optimum when it honours the
    links, else CP-SAT.

    Parameters
    ----------
    links : Links, default no links
        Validated, contradiction-checked constraints (`fsclust.problem.links.check_feasible`).
    fallback : AssignmentSolver, optional
        Exact count backend for the problem without links; its optimum is kept when it already
        honours the links (then the step is as fast as that backend). None: CP-SAT always runs.
    time_limit : float, optional
        Seconds CP-SAT may spend on one assignment step. Stopping there without proof of
        optimality raises `SolverError` (the step would no longer be exact).
    """

    name = "cpsat"
    library = "ortools"
    capabilities = Capabilities(exact_sizes=True, bounds=True, links=True)

    def __init__(self, links: Links | None = None, fallback: AssignmentSolver | None = None,
                 time_limit: float | None = None) -> None:
        self.links = Links() if links is None else links
        self.fallback = fallback
        self.time_limit = time_limit

    def with_links(self, links: Links, fallback: AssignmentSolver | None,
                   time_limit: float | None = None) -> CpSatLinksSolver:
        """A copy bound to ``links``, trying ``fallback`` first on every step."""
        return CpSatLinksSolver(links, fallback, time_limit)

    def is_available(self) -> bool:
        return importlib.util.find_spec("ortools") is not None

    def solve(self, cost: np.ndarray, sizes: Sizes, *,
              warm_start: np.ndarray | None = None) -> Assignment:
        """Optimal labels honouring sizes and links (validated input assumed)."""
        if self.fallback is not None:
            relaxed = self.fallback.solve(cost, sizes, warm_start=warm_start)
            if respects_links(relaxed.labels, self.links):
                return relaxed
        summed, weight, unit_of = unit_costs(cost, self.links)
        scaled = integer_costs(summed, CPSAT_LIMIT, shift=False)
        unit_labels, info = self._cp_sat(scaled.values, weight, unit_of, sizes)
        return assignment_from_labels(cost, unit_labels[unit_of], self.name,
                                      gap_bound=scaled.error_bound, **info)

    def _cp_sat(self, int_cost: np.ndarray, weight: np.ndarray, unit_of: np.ndarray,
                sizes: Sizes) -> tuple[np.ndarray, dict[str, Any]]:
        from ortools.sat.python import cp_model

        n_units, k = int_cost.shape
        model = cp_model.CpModel()
        x = [[model.new_bool_var(f"x{u}_{j}") for j in range(k)] for u in range(n_units)]
        for u in range(n_units):
            model.add_exactly_one(x[u])
        for j in range(k):
            load = sum(int(weight[u]) * x[u][j] for u in range(n_units))
            model.add_linear_constraint(load, int(sizes.lo[j]), int(sizes.hi[j]))
        for a, b in self.links.cannot:
            for j in range(k):
                model.add_at_most_one(x[unit_of[a]][j], x[unit_of[b]][j])
        model.minimize(sum(int(int_cost[u, j]) * x[u][j] for u in range(n_units) for j in range(k)))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        if self.time_limit is not None:
            solver.parameters.max_time_in_seconds = float(self.time_limit)
        status = solve_interruptibly(solver, model)
        if status != cp_model.OPTIMAL:
            raise self._status_error(solver.status_name(status), weight, sizes)
        labels = np.array([[solver.boolean_value(v) for v in row] for row in x]).argmax(axis=1)
        return labels.astype(np.int64), {"wall_time": solver.wall_time}

    def _status_error(self, status: str, weight: np.ndarray, sizes: Sizes) -> Exception:
        if status == "INFEASIBLE":
            groups = sorted((int(w) for w in weight if w > 1), reverse=True)
            return InfeasibleError(
                f"CP-SAT proved that no assignment meets the cluster sizes {_show(sizes)} together "
                f"with the must-link groups (sizes {groups}) and {len(self.links.cannot)} "
                "cannot-link pair(s)")
        if status == "FEASIBLE":
            return SolverError(
                f"CP-SAT reached time_limit={self.time_limit} s without proving the assignment "
                "optimal (status FEASIBLE); raise the time limit")
        if status == "UNKNOWN" and self.time_limit is not None:
            return SolverError(
                f"CP-SAT reached time_limit={self.time_limit} s before finding any assignment "
                "(status UNKNOWN); raise the time limit")
        return SolverError(f"CP-SAT failed with status {status}")


def _show(sizes: Sizes) -> str:
    if sizes.exact:
        return str(sizes.lo.tolist())
    return f"in [{sizes.lo.tolist()}, {sizes.hi.tolist()}]"
