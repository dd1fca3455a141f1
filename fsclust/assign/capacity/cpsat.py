"""The exact ``"cpsat"`` method for weight capacities: OR-Tools CP-SAT on n*k Booleans.

One worker and a fixed seed with a *deterministic* time limit make the result reproducible. The
lp-round heuristic's labelling is passed as a hint, and its LP bound tightens the reported gap.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fsclust.assign._sat import solve_interruptibly
from fsclust.assign.capacity.integer import IntegerProblem
from fsclust.assign.capacity.lp_round import lp_round, relative_gap
from fsclust.errors import InfeasibleError, SolverError

__all__ = ["solve_cpsat"]


def _cpsat_status(solver: Any, code: Any) -> str:
    return str(solver.status_name(code))


def _hint(cost: np.ndarray, ip: IntegerProblem, time_limit: float) -> tuple[np.ndarray | None, float]:
    """Labels (n,) from the lp-round heuristic and the LP bound; ``(None, -inf)`` when it fails."""
    try:
        labels, _, info = lp_round(cost, ip, time_limit=time_limit)
    except (SolverError, InfeasibleError):
        return None, -np.inf
    return labels, info["lp_bound"]


def _gap(cost: np.ndarray, labels: np.ndarray, bound: float) -> float:
    return relative_gap(float(cost[np.arange(cost.shape[0]), labels].sum()), bound)


def _model(ip: IntegerProblem) -> tuple[Any, list[list[Any]]]:
    """The CP-SAT model on Booleans ``x[i][j]`` (point i in cluster j) and its variables."""
    from ortools.sat.python import cp_model

    n, k = ip.cost.shape
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{j}") for j in range(k)] for i in range(n)]
    for row in x:
        model.add_exactly_one(row)
    for j in range(k):
        column = [x[i][j] for i in range(n)]
        model.add(cp_model.LinearExpr.weighted_sum(column, ip.w_down.tolist()) >= int(ip.lo[j]))
        if ip.hi[j] >= 0:
            model.add(cp_model.LinearExpr.weighted_sum(column, ip.w_up.tolist()) <= int(ip.hi[j]))
    flat = [var for row in x for var in row]
    model.minimize(cp_model.LinearExpr.weighted_sum(flat, ip.cost.ravel().tolist()))
    return model, x


def solve_cpsat(cost: np.ndarray, ip: IntegerProblem, *, time_limit: float,
                 seed: int) -> tuple[np.ndarray, str, dict[str, Any]]:
    from ortools.sat.python import cp_model

    n = cost.shape[0]
    model, x = _model(ip)
    hint, lp_bound = _hint(cost, ip, time_limit)
    if hint is not None:
        for i, j in enumerate(hint.tolist()):
            model.add_hint(x[i][j], True)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = time_limit
    code = solve_interruptibly(solver, model)
    status = _cpsat_status(solver, code)
    if status == "INFEASIBLE" and hint is not None:   # numerical trouble: a feasible labelling exists
        return hint, "HEURISTIC", {"gap": _gap(cost, hint, lp_bound), "lp_bound": lp_bound,
                                   "note": "CP-SAT reported INFEASIBLE; kept the lp-round labelling"}
    if status == "INFEASIBLE":
        how = "exactly" if ip.exact else f"by {ip.weight_scale:g}, rounded to a relaxation"
        raise InfeasibleError(f"CP-SAT proved that no assignment meets the total-weight bounds "
                              f"(weights scaled {how})")
    if status not in ("OPTIMAL", "FEASIBLE"):
        raise SolverError(f"CP-SAT stopped with status {status} and no solution "
                          f"(deterministic time limit {time_limit:g}); raise time_limit or use "
                          "capacity_method='lp-round'")
    values = np.array([[solver.boolean_value(v) for v in row] for row in x], dtype=bool)
    labels = values.argmax(axis=1)
    found = float(cost[np.arange(n), labels].sum())
    offset = float(cost.min(axis=1).sum())
    tol = ip.objective_tolerance   # = n / cost scale; rounding moves any total by <= tol / 2
    bound = max(solver.best_objective_bound * tol / n + offset - tol / 2, lp_bound)
    gap = 0.0 if status == "OPTIMAL" else relative_gap(found, bound)
    return labels, status, {"gap": gap, "lp_bound": lp_bound, "wall_seconds": solver.wall_time}
