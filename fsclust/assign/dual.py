r"""Exact k-node dual backend: successive shortest paths on the cluster graph, with prices.

The assignment LP has a dual with one price :math:`u_j` per cluster,

.. math:: \max_u \sum_i \min_j (C_{ij} - u_j) + \sum_j s_j u_j ,

and an assignment is optimal when every point sits at an argmin of ``C[i] - u`` and the counts
are the sizes. This backend keeps the first condition invariant and drives the counts to the
sizes by successive shortest paths on the k-node cluster graph (arc ``p -> l`` costs the cheapest
move of one member of ``p`` to ``l``, read from per-pair candidate lists), so each step is a
Dijkstra on k nodes instead of a search over ``n * k`` arcs. Size bounds add a dummy node that
absorbs ``n - sum(size_min)`` points (zero-cost arcs ``j -> D`` up to ``size_max_j - size_min_j``).

Prices come from a random subsample solved recursively (multiscale cold start), or from the
caller's ``warm_start`` (the previous k-means iteration's prices; dropped when more points would
have to move than `_warm_limit` allows). Every solve ends with the O(nk) price certificate
(`certificate.certify_prices`, which also sums the assigned costs); a failure raises
`CertificateError`. Costs stay float64: a dense (n, k) matrix, or `fsclust.assign.costs.PointCosts`
evaluated on demand (capability ``on_demand``), which needs no (n, k) memory at all.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np

from fsclust._validation import fail
from fsclust.assign.base import Assignment, Capabilities, assignment_from_labels
from fsclust.assign.certificate import certify_prices
from fsclust.assign.costs import PointCosts
from fsclust.errors import SolverError
from fsclust.problem.sizes import Sizes, scaled_sizes

__all__ = ["DualSolver"]

_WARM_LIMIT = 0.15        # drop warm prices when more than this fraction of points must move,
_WARM_SQRT = 20.0         # or more than this many times sqrt(n) points (see `_warm_limit`)
_WARM_LIMIT_FEW = 0.02    # the fraction for fewer than _WIDEN_MIN_K clusters
_COARSEN = 8              # subsample factor of the multiscale cold start (`_coarsen`)
_COARSEN_CHEAP = 4        # ... where costs are cheap to evaluate (on demand, d <= 4)
_AUTO_MIN_CELLS = 100_000  # "auto" prefers this backend from n * k cells on (bench_auto.py)
_SEED = 20240917          # fixed subsample seed: solves are deterministic
_WIDEN = 4                # boundary regret growth factor when the shortest paths outgrow it
_MAX_WIDEN = 3            # then rows that the lists cannot answer are rebuilt one by one
_WIDEN_MIN_K = 32         # fewer clusters: rebuild rows one by one at once (at most k, each cheap)


def _candidates(n: int, k: int) -> int:
    """Candidates per list: ``T = min(128, 3200 / k)``, times ``n / (2500 k)`` for clusters of more
    than 5,000 points, at least 4 and at most ``2**22 / k**2`` (64 MB of lists).

    Lists are filled in random order of pairs, so the (k, k, T) arrays should stay in cache;
    fewer candidates run out sooner, and an exhausted row is rebuilt from all ``n / k`` members of
    its cluster. Measured (whole fits, 15 iterations, CPU ms per iteration, 128 or the 64 MB cap ->
    ``3200 / k``): n = 1e4, d = 2, k = 100: 24.5 -> 18.7; d = 32: 125 -> 93; n = 1e5, d = 32,
    k = 100: 484 -> 423; n = 5e4, d = 32, k = 50: 176 -> 151; n = 2e4, d = 32, k = 300: 651 -> 455;
    but k = 10: 32 candidates cost 2x against 128. With 10,000 points a cluster the rebuilds
    dominate (one solve of a fit at n = 1e6, k = 100, T = 32 -> 128: d = 2 1.03 -> 0.52 s, member
    rows read to rebuild 1.03 n -> 0.04 n; d = 32 7.6 -> 5.6-6.3 s, 2.16 n -> 0.2 n), while at
    1,000 a cluster T = 128 is still 15 % slower (n = 1e5, k = 100, d = 2 and 32).
    """
    base = max(1, 3200 // max(k, 1)) * max(1, n // (2500 * max(k, 1)))
    return int(max(4, min(128, base, 2**22 // max(k * k, 1))))


def _boundary_size(n: int, excess: int, k: int) -> int:
    """Points in the first boundary: ``max(min(256 k, n / 8), 64 k, 32 E)``, at most ``n / 2``.

    A wide boundary costs one scan of its rows, and more entries in the lists the wider its regret
    (at the largest regret, lists of every pair fill up: several argmin passes); a narrow one
    makes the shortest paths outgrow the lists. The solve then widens the boundary's regret
    ``_WIDEN`` times and starts its lists again, which costs far less than rebuilding the
    exhausted rows from all members of their clusters.
    """
    return min(n // 2, max(min(256 * k, n // 8), 64 * k, 32 * excess))


def _boundary(regret: np.ndarray, m: int) -> float:
    """Regret below which points enter the candidate lists: the ``m``-th smallest (inf when
    ``m >= n`` or when that is 0: ties everywhere, so list every pair's best)."""
    if m >= regret.shape[0]:
        return np.inf
    rho = float(np.partition(regret, m)[m])
    return rho if rho > 0 else np.inf


def _warm_limit(n: int, k: int) -> float:
    """Points that may have to move from warm prices: ``min(15 % of n, 20 sqrt(n))``, and 2 % of
    n for fewer than ``_WIDEN_MIN_K`` clusters (the cold ladder is cheap: n = 1e5, k = 10, 2.2 %
    moving: 0.08 s warm, 0.03 s cold).

    The cold ladder leaves about ``10 sqrt(n)`` moves at its top level (k = 100; n = 1e5: 3 %,
    1e6: 1.2 %), and a move costs more from far warm prices (their lists exhaust). Measured
    (d = 32, k = 100): at n = 1e5 warm prices win up to ~10 % moving points (0.94 s vs 1.19 s
    cold), at n = 1e6 they lose from 2.5 % on (20 s vs 13 s).
    """
    if k < _WIDEN_MIN_K:
        return _WARM_LIMIT_FEW * n
    return min(_WARM_LIMIT * n, _WARM_SQRT * np.sqrt(n))


class _Kernel:
    """One call of the numba kernels on a C-contiguous cost matrix or a `PointCosts` view."""

    def __init__(self, cost: np.ndarray | PointCosts, sizes: Sizes) -> None:
        from fsclust.assign._kernels import dual as _dual_kernels

        self.k = _dual_kernels
        on_demand = isinstance(cost, PointCosts)
        self.cost = cost.view() if on_demand else cost
        self.argmin = _dual_kernels.argmin_points if on_demand else _dual_kernels.argmin_rows
        n, k = cost.shape
        self.lo, self.cap = sizes.lo, sizes.hi - sizes.lo
        self.dummy = not sizes.exact
        self.shape = n, k
        self.labels = np.empty(n, np.int64)
        self.regret = np.empty(n)
        self.links = (np.empty(k, np.int64), np.empty(n, np.int64), np.empty(n, np.int64))
        self.f = np.zeros(k, np.int64)
        self.seconds = {"pass": 0.0, "paths": 0.0}

    def start(self, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Argmin labels under ``prices`` (K,); returns (prices copy, excess (K,))."""
        begin = time.perf_counter()
        u = prices.copy()
        self.scale = self.argmin(self.cost, u, self.labels, self.regret)
        counts = self.k.link_members(self.labels, self.shape[1], *self.links)
        excess = self.k.initial_excess(counts, u, self.lo, self.cap, self.f, self.dummy)
        self.seconds["pass"] += time.perf_counter() - begin
        return u, excess

    def finish(self, u: np.ndarray, excess: np.ndarray) -> dict[str, int]:
        """Successive shortest paths to zero excess; updates labels and ``u`` in place.

        Returns what they did: ``rounds`` (shortest-path searches), ``moves`` (points moved),
        ``widened`` (boundary widenings), ``scanned`` (rows read to fill the candidate lists),
        ``rebuilt`` (member rows read to rebuild exhausted rows of lists) and ``settled`` (nodes
        settled by the searches, each relaxing up to k arcs).
        """
        begin = time.perf_counter()
        stats = self._paths(u, excess)
        self.seconds["paths"] += time.perf_counter() - begin
        return stats

    def _paths(self, u: np.ndarray, excess: np.ndarray) -> dict[str, int]:
        n, k = self.shape
        total = int(excess[excess > 0].sum())
        if total == 0:
            return {"rounds": 0, "moves": 0, "widened": 0, "scanned": 0, "rebuilt": 0, "settled": 0}
        u0, a0 = u.copy(), self.labels.copy()
        state = self.k.new_state(self.cost, self.labels, u, excess, self.cap, self.f, self.links,
                                 _candidates(n, k))
        rho, rounds, moves, widened = _boundary(self.regret, _boundary_size(n, total, k)), 0, 0, 0
        while True:
            rows = (np.flatnonzero((self.regret < rho) | (self.labels != a0)) if np.isfinite(rho)
                    else np.arange(n))
            done, step, status = self.k.successive_shortest_paths(
                state, rho, rows, u0, 1e-13 * max(self.scale, 1e-300), n + k + 10 - rounds,
                bool(np.isfinite(rho)) and widened < _MAX_WIDEN and k >= _WIDEN_MIN_K)
            rounds, moves = rounds + done, moves + step
            if status != -3:
                break
            rho, widened = rho * _WIDEN, widened + 1
        if status == -2:     # validated sizes are always feasible: a numerical failure
            raise SolverError("the dual solver found no path to meet the sizes, which validated "
                              "sizes always allow: the costs are not finite or span too wide a "
                              "range (see docs/reliability.md)")
        if status < 0:
            raise SolverError(f"the dual solver did not finish within {n + k + 10} rounds")
        scanned, rebuilt, settled = (int(v) for v in state.stats)
        return {"rounds": int(rounds), "moves": int(moves), "widened": widened, "scanned": scanned,
                "rebuilt": rebuilt, "settled": settled}


def _node_prices(prices: np.ndarray, dummy: bool) -> np.ndarray:
    """Cluster prices (k,) -> node prices (K,) with the dummy node at price 0."""
    return np.append(prices, 0.0) if dummy else prices.astype(np.float64, copy=True)


def _cluster_prices(u: np.ndarray, k: int) -> np.ndarray:
    """Node prices (K,) -> cluster prices (k,), dummy price subtracted (or mean for exact sizes)."""
    return u[:k] - (u[k] if u.shape[0] > k else u.mean())


def _coarsen(cost: np.ndarray | PointCosts) -> int:
    """Subsample factor of the cold-start ladder: 8, or 4 for costs on demand in d <= 4.

    A finer ladder solves more and larger subsamples and leaves fewer moves to the full problem
    (its subsample's prices are closer). Where a cost is a few flops, the moves are the expensive
    part. Measured (cold first solve of a fit, 8 -> 4): d = 2, n = 1e5, k = 1000: 9.4 -> 6.5 s;
    d = 2, n = 1e6, k = 100: 3.0 -> 1.9 s; d = 2, n = 1e4, k = 100: 53 ms both; but with dense or
    d = 32 on-demand costs 0-13 % slower (n = 1e5, k = 100, d = 32 and 128; n = 1e6, k = 100 and
    n = 1e5, k = 1000, d = 32), where the subsamples' costs are the expensive part.
    """
    cheap = isinstance(cost, PointCosts) and cost.X.shape[1] <= 4
    return _COARSEN_CHEAP if cheap else _COARSEN


def _cold_prices(cost: np.ndarray | PointCosts, sizes: Sizes, rng: np.random.Generator,
                 start: np.ndarray | None = None) -> np.ndarray:
    """Node prices from the optimum of a random ``n / 8`` (`_coarsen`) subsample, solved
    recursively from the node prices ``start`` (K,) on the smallest subsample (zero when None)."""
    n, k = cost.shape
    dummy = not sizes.exact
    m = n // _coarsen(cost)
    if m < max(512, 4 * k):
        return np.zeros(k + dummy) if start is None else start
    rows = np.sort(rng.choice(n, size=m, replace=False))
    sub = cost.take(rows) if isinstance(cost, PointCosts) else cost[rows]
    sub_sizes = scaled_sizes(sizes, n, m)
    kernel = _Kernel(sub, sub_sizes)
    u, excess = kernel.start(_cold_prices(sub, sub_sizes, rng, start))
    kernel.finish(u, excess)
    return u


def _check_warm(warm_start: object, k: int) -> np.ndarray:
    prices = np.asarray(warm_start, dtype=np.float64)
    if prices.shape != (k,) or not np.isfinite(prices).all():
        raise fail("warm_start", f"a finite array of shape ({k},)", warm_start)
    return prices


class DualSolver:
    """Successive shortest paths on the k-node cluster graph, with prices and warm starts."""

    name = "dual"
    library = "numba"
    capabilities = Capabilities(exact_sizes=True, bounds=True, warm_start=True, on_demand=True)
    warm_limit: float | None = None  # moving fraction that drops warm prices; None: `_warm_limit`

    def is_available(self) -> bool:
        return importlib.util.find_spec("numba") is not None

    def auto_preference(self, n: int, sizes: Sizes) -> bool:
        """Preferred by ``solver="auto"`` once the problem has ``n * k >= 100_000`` cells (the
        crossover measured by ``benchmarks/bench_auto.py``)."""
        return n * sizes.n_clusters >= _AUTO_MIN_CELLS

    def solve(self, cost: np.ndarray | PointCosts, sizes: Sizes, *,
              warm_start: np.ndarray | None = None) -> Assignment:
        """Optimal assignment with prices; see the module docstring. Assumes validated input.

        The result's ``info`` has ``warm_started``, ``seconds``, the work counts of
        `_Kernel.finish` and ``split``: seconds in the argmin passes (``pass``), the cold-start
        ladder (``ladder``), the shortest paths (``paths``) and the certificate (``certify``).
        """
        begin = time.perf_counter()
        if not isinstance(cost, PointCosts):
            cost = np.ascontiguousarray(cost, dtype=np.float64)
        n, k = cost.shape
        kernel = _Kernel(cost, sizes)
        warm = None if warm_start is None else _node_prices(_check_warm(warm_start, k), kernel.dummy)
        used_warm = warm is not None
        if used_warm:
            u, excess = kernel.start(warm)
            limit = _warm_limit(n, k) if self.warm_limit is None else self.warm_limit * n
            used_warm = bool(excess[excess > 0].sum() <= limit)
        ladder = 0.0
        if not used_warm:
            if warm is not None and np.ptp(warm) > 2.0 * kernel.scale:
                warm = None      # a spread beyond the costs' range: no information (round-off only)
            ladder = time.perf_counter()
            cold = _cold_prices(cost, sizes, np.random.default_rng(_SEED), warm)
            ladder = time.perf_counter() - ladder
            u, excess = kernel.start(cold)
        stats = kernel.finish(u, excess)
        prices = _cluster_prices(u, k)
        certify = time.perf_counter()
        total = certify_prices(cost, kernel.labels, prices, sizes)
        split = {**kernel.seconds, "ladder": ladder, "certify": time.perf_counter() - certify}
        info = {"warm_started": used_warm, "seconds": time.perf_counter() - begin, **stats,
                "split": split}
        if isinstance(cost, np.ndarray):     # the numpy sum, bit for bit as every other backend
            return assignment_from_labels(cost, kernel.labels, self.name, prices=prices, **info)
        counts = np.bincount(kernel.labels, minlength=k).astype(np.int64)
        return Assignment(kernel.labels, total, counts, self.name, "OPTIMAL", prices, info)
