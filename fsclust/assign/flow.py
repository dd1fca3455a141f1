r"""Primary backend: the assignment as a min-cost flow, solved by OR-Tools ``SimpleMinCostFlow``.

Network: every point is a node with supply 1, joined to every cluster node by an arc of
capacity 1 and cost ``C[i, j]``. Cluster ``j`` demands ``size_min_j`` units; with bounds a sink
absorbs the remaining ``n - sum(size_min)`` units through arcs ``j -> sink`` of capacity
``size_max_j - size_min_j``. Integral capacities make the optimal flow integral.

OR-Tools needs int64 costs. Costs are shifted by their row minima (free: each point is assigned
once) and scaled by the largest factor for which ``4 * (max cost + 1) * (nodes + 1)`` fits in
int64 (the cost-scaling algorithm multiplies costs by ``nodes + 1``; OR-Tools keeps its own
margin). The rounded solution is then polished to the exact float64 optimum by cycle
cancelling (`certificate.polish`).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from fsclust.assign.base import Assignment, Capabilities, assignment_from_labels
from fsclust.assign.certificate import polish
from fsclust.errors import InfeasibleError, SolverError
from fsclust.problem.sizes import Sizes

__all__ = ["FlowSolver", "integer_costs"]

_INT64_MAX = np.iinfo(np.int64).max
_HEADROOM = 4


def integer_costs(cost: np.ndarray, n_nodes: int) -> np.ndarray:
    """Row-shift ``cost`` (n, k) and scale it to int64 so ``(max + 1) * (n_nodes + 1)`` fits.

    Returns
    -------
    ndarray of shape (n, k), int64
        Non-negative integer costs whose optimal assignment is optimal for ``cost`` up to a total
        rounding error of ``n / scale`` (polished away afterwards).
    """
    shifted = cost - cost.min(axis=1, keepdims=True)
    top = float(shifted.max(initial=0.0))
    # OR-Tools' own range check (measured on 9.15) is about 2.5x stricter than the textbook
    # (max + 1) * (nodes + 1) <= int64 max, so keep a factor 4 of headroom.
    budget = _INT64_MAX // (_HEADROOM * (n_nodes + 1)) - 1
    scale = budget / top if top > 0 else 1.0
    if not np.isfinite(scale):           # subnormal ``top``: scale in two finite steps
        shifted, scale = shifted / top, float(budget)
    return np.minimum(np.rint(shifted * scale), budget).astype(np.int64)


class FlowSolver:
    """OR-Tools min-cost flow on the bipartite points-to-clusters network (n*k arcs)."""

    name = "flow"
    library = "ortools"
    capabilities = Capabilities(exact_sizes=True, bounds=True)

    def is_available(self) -> bool:
        return importlib.util.find_spec("ortools") is not None

    def solve(self, cost: np.ndarray, sizes: Sizes, *,
              warm_start: np.ndarray | None = None) -> Assignment:
        from ortools.graph.python import min_cost_flow

        n, k = cost.shape
        smcf = min_cost_flow.SimpleMinCostFlow()
        sink = n + k
        tails = np.repeat(np.arange(n, dtype=np.int64), k)
        heads = np.tile(np.arange(n, n + k, dtype=np.int64), n)
        int_cost = integer_costs(cost, n + k + 1).ravel()
        smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, np.ones(n * k, np.int64), int_cost)
        nodes = np.arange(n + k + 1, dtype=np.int64)
        supplies = np.concatenate([np.ones(n, np.int64), -sizes.lo, [0]])
        if not sizes.exact:
            slack = sizes.hi - sizes.lo
            smcf.add_arcs_with_capacity_and_unit_cost(
                np.arange(n, n + k, dtype=np.int64), np.full(k, sink, np.int64),
                slack, np.zeros(k, np.int64))
            supplies[sink] = -(n - int(sizes.lo.sum()))
        smcf.set_nodes_supplies(nodes, supplies)
        status = smcf.solve()
        if status != smcf.OPTIMAL:
            raise _status_error(smcf, status)
        flows = smcf.flows(np.arange(n * k)).reshape(n, k)
        labels = flows.argmax(axis=1)
        labels, rounds = polish(cost, labels, sizes)
        return assignment_from_labels(cost, labels, self.name, polish_rounds=rounds)


def _status_error(smcf: object, status: object) -> Exception:
    names = ["NOT_SOLVED", "OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNBALANCED", "BAD_RESULT",
             "BAD_COST_RANGE", "BAD_CAPACITY_RANGE"]
    name = next((s for s in names if getattr(smcf, s, None) == status), str(status))
    if name in ("INFEASIBLE", "UNBALANCED"):
        return InfeasibleError(f"OR-Tools min-cost flow status {name}: the sizes cannot be met")
    return SolverError(f"OR-Tools min-cost flow failed with status {name}")
