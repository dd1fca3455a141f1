r"""Exact backend: the linear program of constrained k-means (Bradley, Bennett & Demiriz 2000).

.. math::

    \min_T \sum_{i,h} T_{ih} C_{ih} \quad\text{s.t.}\quad \sum_h T_{ih} = 1,\;
    \tau^{min}_h \le \sum_i T_{ih} \le \tau^{max}_h,\; 0 \le T_{ih} \le 1.

The constraint matrix is totally unimodular, so a vertex solution (dual simplex of HiGHS, via
`scipy.optimize.linprog`) is integral. The solution is checked to be integral before it is
rounded, and polished to the exact float64 optimum (HiGHS works with tolerances).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from fsclust.assign.base import Assignment, Capabilities, assignment_from_labels
from fsclust.assign.certificate import polish
from fsclust.errors import InfeasibleError, SolverError
from fsclust.problem.sizes import Sizes

__all__ = ["LPSolver"]

_INTEGRALITY_TOL = 1e-6


class LPSolver:
    """scipy HiGHS dual simplex on the n*k-variable LP; min sizes and max sizes."""

    name = "lp"
    library = "scipy"
    capabilities = Capabilities(exact_sizes=True, bounds=True)

    def is_available(self) -> bool:
        return importlib.util.find_spec("scipy") is not None

    def solve(self, cost: np.ndarray, sizes: Sizes, *,
              warm_start: np.ndarray | None = None) -> Assignment:
        from scipy.optimize import linprog
        from scipy.sparse import csr_array, vstack

        n, k = cost.shape
        shifted = cost - cost.min(axis=1, keepdims=True)
        top = float(shifted.max(initial=0.0))
        objective = (shifted / top if top > 0 else shifted).ravel()
        var = np.arange(n * k)
        one_each = csr_array((np.ones(n * k), (var // k, var)), shape=(n, n * k))
        per_cluster = csr_array((np.ones(n * k), (var % k, var)), shape=(k, n * k))
        if sizes.exact:
            a_eq, b_eq = vstack([one_each, per_cluster]), np.concatenate([np.ones(n), sizes.lo])
            a_ub = b_ub = None
        else:
            a_eq, b_eq = one_each, np.ones(n)
            a_ub = vstack([per_cluster, -per_cluster])
            b_ub = np.concatenate([sizes.hi, -sizes.lo]).astype(np.float64)
        res = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, 1),
                      method="highs-ds")
        if res.status == 2:
            raise InfeasibleError(f"HiGHS reports the LP infeasible: {res.message}")
        if res.status != 0:
            raise SolverError(f"HiGHS failed with status {res.status}: {res.message}")
        x = res.x.reshape(n, k)
        deviation = np.abs(x - np.rint(x))
        if deviation.max() > _INTEGRALITY_TOL:
            i = int(deviation.max(axis=1).argmax())
            raise SolverError(
                f"the LP solution is not integral (point {i} is split: {np.round(x[i], 6)}); "
                "expected a vertex solution")
        labels, rounds = polish(cost, x.argmax(axis=1), sizes)
        return assignment_from_labels(cost, labels, self.name, polish_rounds=rounds)
