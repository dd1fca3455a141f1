"""Assignment under total-weight capacities (``size_unit="weight"``): exact CP-SAT for small
problems, LP relaxation + rounding for large ones (`methods`; the ``capacity_method`` parameter),
on one integer model (`integer`)."""

from __future__ import annotations

from fsclust.assign.capacity.methods import (
    AUTO_EXACT_LIMIT,
    CAPACITY_METHODS,
    CapacityMethod,
    assign_capacity,
    resolve_method,
    solve_capacity,
)

__all__ = ["AUTO_EXACT_LIMIT", "CAPACITY_METHODS", "CapacityMethod", "assign_capacity",
           "resolve_method", "solve_capacity"]
