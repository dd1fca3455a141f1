"""The ``"lp-round"`` heuristic for weight capacities: LP relaxation, rounding, repair, improvement.

1. Solve the LP relaxation (HiGHS, via `scipy.optimize.linprog`); its value is a lower bound.
   A vertex solution has at most n + k non-zeros, so at most k points are split.
2. Round every point to its largest fraction.
3. Repair: while some cluster breaks a bound, apply the single move (or else the swap out of a
   violating cluster) that lowers the total violation at the smallest cost increase.
4. Improve: apply the best cost-decreasing feasible single move, or else the best exchange of
   two points (among each cluster pair's 16 most eager members), until none is left (capped).

All load arithmetic is in the exact integers of `IntegerProblem`, so a repaired labelling meets
the float bounds. Assumes validated input.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from fsclust.errors import InfeasibleError, SolverError

if TYPE_CHECKING:
    from fsclust.assign.capacity.integer import IntegerProblem

__all__ = ["lp_relaxation", "lp_round", "relative_gap"]


def relative_gap(found: float, bound: float) -> float:
    """``(found - bound) / |found|`` (0 when they are equal)."""
    return 0.0 if found <= bound else (found - bound) / max(abs(found), 1e-300)


def lp_relaxation(cost: np.ndarray, ip: IntegerProblem, time_limit: float) -> tuple[np.ndarray, float]:
    """Fractional assignment (n, k) and its cost (a lower bound on every feasible labelling)."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_array, vstack

    n, k = cost.shape
    row_min = cost.min(axis=1, keepdims=True)
    shifted = cost - row_min
    top = float(shifted.max(initial=0.0)) or 1.0
    var = np.arange(n * k)
    one_each = csr_array((np.ones(n * k), (var // k, var)), shape=(n, n * k))
    unit = float(max(ip.w_up.max(), 1))
    capped = np.flatnonzero(ip.hi >= 0)
    rows_up = csr_array((np.repeat(ip.w_up / unit, k), (var % k, var)), shape=(k, n * k))[capped]
    rows_down = csr_array((np.repeat(ip.w_down / unit, k), (var % k, var)), shape=(k, n * k))
    a_ub = vstack([rows_up, -rows_down])
    b_ub = np.concatenate([ip.hi[capped] / unit, -ip.lo / unit])
    res = linprog((shifted / top).ravel(), A_ub=a_ub, b_ub=b_ub, A_eq=one_each, b_eq=np.ones(n),
                  bounds=(0, 1), method="highs", options={"time_limit": time_limit})
    if res.status == 2:
        raise InfeasibleError("the LP relaxation is infeasible, so no assignment meets the "
                              f"total-weight bounds ({res.message})")
    if res.status != 0:
        raise SolverError(f"HiGHS stopped with status {res.status}: {res.message}")
    return res.x.reshape(n, k), float(res.fun * top + row_min.sum())


def _violation(up: Any, down: Any, lo: Any, hi: Any) -> np.ndarray:
    """How far integer loads break ``down >= lo`` and ``up <= hi`` (``hi < 0``: no cap)."""
    over = np.where(hi >= 0, np.maximum(up - hi, 0), 0)
    return over + np.maximum(lo - down, 0)


def _move_table(labels: np.ndarray, ip: IntegerProblem, k: int) -> np.ndarray:
    """Change (n, k) of the total violation when point i moves to cluster b (0 on the diagonal)."""
    up, down = ip.loads(labels, k)
    viol = _violation(up, down, ip.lo, ip.hi)
    n = labels.shape[0]
    leave = _violation(up[labels] - ip.w_up, down[labels] - ip.w_down, ip.lo[labels], ip.hi[labels])
    enter = _violation(up[None, :] + ip.w_up[:, None], down[None, :] + ip.w_down[:, None],
                       ip.lo, ip.hi)
    table = (leave - viol[labels])[:, None] + enter - viol[None, :]
    table[np.arange(n), labels] = 0
    return table


def _delta(cost: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return cost - cost[np.arange(cost.shape[0]), labels][:, None]


def _best_move(cost: np.ndarray, labels: np.ndarray, ip: IntegerProblem,
               improving_only: bool) -> tuple[int, int] | None:
    table = _move_table(labels, ip, cost.shape[1])
    delta = _delta(cost, labels)
    if improving_only:
        allowed = (table <= 0) & (delta < -1e-12 * max(1.0, float(np.abs(cost).max())))
    else:
        allowed = table < 0
    if not allowed.any():
        return None
    score = np.where(allowed, delta, np.inf)
    i, b = np.unravel_index(int(score.argmin()), score.shape)
    return int(i), int(b)


def _best_swap(cost: np.ndarray, labels: np.ndarray, ip: IntegerProblem) -> tuple[int, int] | None:
    k = cost.shape[1]
    up, down = ip.loads(labels, k)
    viol = _violation(up, down, ip.lo, ip.hi)
    best: tuple[float, int, int] | None = None
    for i in np.flatnonzero(viol[labels] > 0):
        a, others = labels[i], np.flatnonzero(labels != labels[i])
        b = labels[others]
        d_up, d_down = ip.w_up[others] - ip.w_up[i], ip.w_down[others] - ip.w_down[i]
        sub_a = _violation(up[a] + d_up, down[a] + d_down, ip.lo[a], ip.hi[a])
        sub_b = _violation(up[b] - d_up, down[b] - d_down, ip.lo[b], ip.hi[b])
        change = sub_a - viol[a] + sub_b - viol[b]
        gain = cost[i, b] + cost[others, a] - cost[i, a] - cost[others, b]
        score = np.where(change < 0, gain, np.inf)
        if score.size and np.isfinite(score.min()) and (best is None or score.min() < best[0]):
            best = (float(score.min()), int(i), int(others[score.argmin()]))
    return None if best is None else (best[1], best[2])


def _exchange(labels: np.ndarray, pair: tuple[int, int] | None) -> bool:
    """Swap the labels of the two points of ``pair`` in place; False when ``pair`` is None."""
    if pair is None:
        return False
    i, other = pair
    labels[i], labels[other] = labels[other], labels[i]
    return True


def _repair(cost: np.ndarray, labels: np.ndarray, ip: IntegerProblem) -> np.ndarray:
    k = cost.shape[1]
    for _ in range(cost.shape[0] + 10 * k):
        if ip.feasible(labels, k):
            return labels
        move = _best_move(cost, labels, ip, improving_only=False)
        if move is not None:
            labels[move[0]] = move[1]
            continue
        if not _exchange(labels, _best_swap(cost, labels, ip)):
            break
    if not ip.feasible(labels, k):
        raise SolverError("the lp-round heuristic could not repair its rounding into a labelling "
                          "that meets the total-weight bounds; try capacity_method='cpsat'")
    return labels


def _swap_ok(ip: IntegerProblem, up: np.ndarray, down: np.ndarray, j: int, d_up: np.ndarray,
             d_down: np.ndarray) -> np.ndarray:
    """Whether cluster j stays within its bounds after its loads change by ``d_up``/``d_down``."""
    ok = down[j] + d_down >= ip.lo[j]
    return ok & (up[j] + d_up <= ip.hi[j]) if ip.hi[j] >= 0 else ok


def _improving_swap(cost: np.ndarray, labels: np.ndarray, ip: IntegerProblem,
                    shortlist: int = 16) -> tuple[int, int] | None:
    """Best feasible cost-decreasing exchange of two points of different clusters, searched
    among the ``shortlist`` members of each cluster that most want to go to the other."""
    k = cost.shape[1]
    up, down = ip.loads(labels, k)
    delta = _delta(cost, labels)
    best: tuple[float, int, int] | None = None
    members = [np.flatnonzero(labels == j) for j in range(k)]
    for a, b in itertools.combinations(range(k), 2):
        side_a = members[a][np.argsort(delta[members[a], b])[:shortlist]]
        side_b = members[b][np.argsort(delta[members[b], a])[:shortlist]]
        gain = delta[side_a, b][:, None] + delta[side_b, a][None, :]
        d_up = ip.w_up[side_b][None, :] - ip.w_up[side_a][:, None]        # change of a's load
        d_down = ip.w_down[side_b][None, :] - ip.w_down[side_a][:, None]
        ok = _swap_ok(ip, up, down, a, d_up, d_down) & _swap_ok(ip, up, down, b, -d_up, -d_down)
        gain = np.where(ok, gain, np.inf)
        if gain.size and gain.min() < -1e-12 * max(1.0, float(np.abs(cost).max())):
            r, c = np.unravel_index(int(gain.argmin()), gain.shape)
            if best is None or gain[r, c] < best[0]:
                best = (float(gain[r, c]), int(side_a[r]), int(side_b[c]))
    return None if best is None else (best[1], best[2])


def _improve(cost: np.ndarray, labels: np.ndarray, ip: IntegerProblem, max_steps: int) -> int:
    """Apply improving single moves, and exchanges when no move improves; returns the count."""
    for steps in range(max_steps):
        move = _best_move(cost, labels, ip, improving_only=True)
        if move is not None:
            labels[move[0]] = move[1]
            continue
        if not _exchange(labels, _improving_swap(cost, labels, ip)):
            return steps
    return max_steps


def lp_round(cost: np.ndarray, ip: IntegerProblem, *, time_limit: float,
             seed: int = 0) -> tuple[np.ndarray, str, dict[str, Any]]:
    """Labels (n,), status ``"HEURISTIC"`` and info (``lp_bound``, ``gap``, ``split_points``).

    Deterministic (``seed`` is accepted for a uniform method signature and not used)."""
    fractional, bound = lp_relaxation(cost, ip, time_limit)
    labels = fractional.argmax(axis=1).astype(np.int64)
    split = int((fractional.max(axis=1) < 1 - 1e-9).sum())
    labels = _repair(cost, labels, ip)
    moves = _improve(cost, labels, ip, max_steps=20 * cost.shape[1] + 100)
    found = float(cost[np.arange(cost.shape[0]), labels].sum())
    return labels, "HEURISTIC", {"lp_bound": bound, "gap": relative_gap(found, bound),
                                 "split_points": split, "improving_moves": moves}
