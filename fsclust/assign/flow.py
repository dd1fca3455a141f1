r"""Primary backend: the assignment as a min-cost flow, solved by OR-Tools ``SimpleMinCostFlow``.

Network: every point is a node with supply 1, joined to every cluster node by an arc of
capacity 1 and cost ``C[i, j]``. Cluster ``j`` demands ``size_min_j`` units; with bounds a sink
absorbs the remaining ``n - sum(size_min)`` units through arcs ``j -> sink`` of capacity
``size_max_j - size_min_j``. Integral capacities make the optimal flow integral.

OR-Tools needs int64 costs: `fsclust.assign._integer.integer_costs` shifts them by their row
minima (free: each point is assigned once) and scales them by the largest factor for which
``4 * (max cost + 1) * (nodes + 1)`` fits in int64 (`flow_limit`: the cost-scaling algorithm
multiplies costs by ``nodes + 1``; OR-Tools keeps its own margin). The rounded solution is then
polished to the exact float64 optimum by cycle cancelling (`certificate.polish`).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from fsclust.assign._integer import flow_limit, integer_costs
from fsclust.assign.base import Assignment, Capabilities, assignment_from_labels
from fsclust.assign.certificate import polish
from fsclust.errors import InfeasibleError, SolverError
from fsclust.problem.sizes import Sizes

__all__ = ["FlowSolver"]


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
        int_cost = integer_costs(cost, flow_limit(n + k + 1)).values.ravel()
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
