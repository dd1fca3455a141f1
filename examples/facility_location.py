"""Capacitated facility location with `fsclust.assign` as the inner, exact assignment step.

Which facilities to open is decided by a local search (close / open / swap one site); for each
candidate set of open sites, the best way to serve every customer within the capacities is one
exact size-bounded assignment (``size_min=0``, ``size_max=capacity``), solved by fsclust's
min-cost flow. Order as in the OR-Tools samples: data -> problem -> solve -> check status -> report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import fsclust


@dataclass(frozen=True)
class Data:
    customers: np.ndarray      # (n, 2) locations, one unit of demand each
    sites: np.ndarray          # (m, 2) candidate facility locations
    capacity: np.ndarray       # (m,) customers a site can serve
    opening_cost: np.ndarray   # (m,)


def create_data(seed: int = 0) -> Data:
    """60 customers in three towns, 8 candidate sites."""
    rng = np.random.default_rng(seed)
    towns = np.array([[2.0, 2.0], [8.0, 3.0], [5.0, 8.0]])
    customers = np.concatenate([town + rng.normal(scale=1.0, size=(20, 2)) for town in towns])
    sites = rng.uniform(0.0, 10.0, size=(8, 2))
    return Data(customers, sites, rng.integers(12, 30, size=8), rng.uniform(5.0, 15.0, size=8))


def evaluate(data: Data, open_sites: list[int]) -> tuple[float, fsclust.Assignment | None]:
    """Opening cost plus the optimal capacitated service cost (inf when capacity is short)."""
    if not open_sites or data.capacity[open_sites].sum() < len(data.customers):
        return np.inf, None
    distance = np.linalg.norm(data.customers[:, None, :] - data.sites[None, open_sites, :], axis=2)
    step = fsclust.assign(distance, size_min=0, size_max=data.capacity[open_sites])
    return float(data.opening_cost[open_sites].sum()) + step.cost, step


def neighbours(open_sites: list[int], m: int) -> list[list[int]]:
    """Every set reachable by closing, opening or swapping one site."""
    closed = [j for j in range(m) if j not in open_sites]
    out = [[j for j in open_sites if j != c] for c in open_sites]
    out += [sorted([*open_sites, o]) for o in closed]
    out += [sorted([o if j == c else j for j in open_sites]) for c in open_sites for o in closed]
    return out


def solve(data: Data) -> tuple[list[int], float, fsclust.Assignment | None]:
    """First-improvement local search over open sites, starting from all sites open."""
    current = list(range(len(data.sites)))
    best, step = evaluate(data, current)
    improved = True
    while improved:
        improved = False
        for candidate in neighbours(current, len(data.sites)):
            total, candidate_step = evaluate(data, candidate)
            if total < best - 1e-9:
                current, best, step, improved = candidate, total, candidate_step, True
                break
    return current, best, step


def main() -> None:
    data = create_data()                                   # data
    open_sites, total, step = solve(data)                  # problem + solve
    if step is None:                                       # check status
        print("no feasible plan: total capacity is below the number of customers")
        return
    print(f"open sites {open_sites}, total cost {total:.3f} (status {step.status})")   # report
    for column, site in enumerate(open_sites):
        print(f"  site {site}: serves {int(step.counts[column])} of {int(data.capacity[site])} "
              f"capacity, opening cost {data.opening_cost[site]:.2f}")


if __name__ == "__main__":
    main()
