r"""The exact assignment step on dask data: one blockwise pass, a tree reduction, a k-node solve.

For centers ``c`` and prices ``u`` (the previous step's, or a sample's), every worker labels its
block by ``argmin_j C_ij - u_j`` (the *base* labels, kept on the worker) and returns counts,
per-cluster sums and, per cluster pair, the cheapest moves with their thresholds
(`fsclust.distributed.lists`). The client then solves the assignment problem restricted to the
listed points, with the sizes left over by the others (the *frozen* points, which keep their base
labels), by the in-memory ``dual`` solver warm-started from ``u``. The result is optimal for the
whole data when its prices ``p`` also price the frozen points (no frozen member of ``p`` would
rather be in ``l``):

.. math:: p_l - p_p \le \tau_{pl} \quad \text{for every pair } (p, l) \text{ with frozen members,}

and, with size bounds, the dummy-node conditions hold with the full counts. That is the O(k^2)
certificate: the thresholds were computed in the O(nk) pass. The solve sees them as one phantom
point per pair (`_phantoms`), so its prices keep to them where it can. When the certificate
fails (a list ran out, so its threshold is too low), the rows concerned are listed again, longer
and each pair as wide as it needs (`fsclust.distributed.blocks.refill_block`, which reads only
the members of those rows), and the restricted problem is solved again. Each round lists more
points, so the loop ends, with an optimal assignment, at the latest when nothing is frozen.

With new prices (a cold step), the passes also bring the gap histograms of the pairs and, while
their counts are far from the sizes, the client takes Newton steps on them before it relies on
the lists (`_Pass.balance`, `fsclust.distributed.balance`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dask
import dask.array as da
import numpy as np

from fsclust.assign.costs import PointCosts
from fsclust.assign.dual import DualSolver
from fsclust.distributed.balance import gap_edges, newton_prices, newton_reach
from fsclust.distributed.blocks import (
    Summary,
    apply_moves,
    block_costs,
    merge_lists,
    merge_summaries,
    refill_block,
    scan_block,
)
from fsclust.distributed.data import DaskData, tree_reduce
from fsclust.distributed.lists import Lists, merge, thresholds
from fsclust.errors import SolverError
from fsclust.problem.sizes import Sizes

__all__ = ["Step", "assignment_step", "count_excess", "list_limit"]

_GROW = 2             # a refilled row is listed this much wider than the reduced key it lacked
_DENSE_CELLS = 5_000_000    # listed points x k up to which the client solves on a dense matrix (40 MB)
_ROWS = 8192          # listed points per block of costs on the client
_MAX_ROUNDS = 60      # refill rounds before giving up (each one grows the lists)
_MAX_BALANCES = 10    # passes at Newton prices before the lists must do (`_Pass.balance`; their
                      # refills take 0.5 s a round and may take many where a Newton step stalled)
_MAX_RESCANS = 3      # passes at a restricted solve's prices; then the short rows are refilled
_REFILL_RUN = 3       # refill rounds in a row before a rescan at the solve's prices: each round's solve
                      # can drift its prices past another row's threshold (one row a round, 54 rounds
                      # and no certificate at 4e6 x 16, k = 100 with the histograms' cap at 0.8)
_REACH = 1.0          # after a Newton step, pairs are listed this many times as wide as it moved them
_SETTLE = 256         # ... or when at most 1/256 of the listed points are over or under the sizes
_FIRST_STRIDE = 4     # the first pass at new prices counts the gap histograms of every 4th point,
_MAX_STRIDE = 8       # later passes of every 1st to 8th (`_stride`), so that the Newton step
_COUNTED = 2048       # still sees about this many of the points it moves
_STALL = 4            # a Newton step whose model leaves 1/4 of the excess (prices at the cap) doubles it
_MAX_WIDENED = 2      # ... at most twice a step at the same prices, when its step would not help
_WARM_OFF = 8         # warm prices whose pass is off the sizes by 1/8 of its listed points: count histograms
_LAST = 32            # a Newton step from a pass this close (points per cluster) lists its pairs as
                      # wide as it moves them: the next pass may be the last (a step takes the excess
                      # down 3-7x; the points within a price move grow with the excess, not with n)
_COVER = 2.0          # lists do when this many times the moves the model predicts are within them
_QUIET = 2.5          # a listing pass after a Newton step from this close (points per cluster), or from
                      # a drifted warm pass, counts no histograms: 21 of 21 and 13 of 15 such passes
                      # were the last in 18 benchmark fits (the rest followed a stalled model), and
                      # every point's histograms make a pass ~2x dearer (~0.4 s at 4e6 x 16, k = 100)
_DRIFT = 5            # warm prices whose sample drifted this many points per cluster: count histograms
                      # in the first pass (+30 % on it; a pass that lands far counts them again, ~1.1 s
                      # at 4e6 x 16, k = 100; the benchmark's third step drifts ~10 a cluster, the
                      # fourth ~2)


def list_limit(k: int) -> int:
    """Entries per candidate list: 256, fewer from k = 128 on (the (k, k) lists stay ~4M entries)."""
    return int(max(16, min(256, (2**22) // max(k * k, 1))))


@dataclass(eq=False)
class Step:
    """One exact assignment step on dask data.

    Attributes
    ----------
    labels : dask.array.Array of shape (n,), int64
        Chunked like the rows of ``X``; computed by the workers from their base labels and the
        moves.
    cost : float
        Sum of the assigned costs.
    counts : ndarray of shape (k,), int64
    sums : ndarray of shape (k, d)
        Weighted coordinate sums of the clusters (for the mean update).
    mass : ndarray of shape (k,)
    prices : ndarray of shape (k,)
        Cluster prices that certify the assignment (warm start of the next step).
    moved : int
        Points whose label differs from the previous step's labels (n on the first step).
    info : dict
        ``passes`` (scans and refills), ``balances`` (Newton passes), ``candidates`` (listed
        points), ``moves`` (points moved by the client), ``excess`` (points over or under the
        sizes under the last pass's prices).
    """

    labels: da.Array
    cost: float
    counts: np.ndarray
    sums: np.ndarray
    mass: np.ndarray
    prices: np.ndarray
    moved: int
    info: dict[str, Any] = field(default_factory=dict)


class _Short(Exception):
    """The restricted problem does not certify: list the rows ``rows`` (k,) again."""

    def __init__(self, rows: np.ndarray, need: np.ndarray | None = None,
                 prices: np.ndarray | None = None, past: np.ndarray | None = None) -> None:
        super().__init__("candidate lists too short")
        self.rows = rows
        self.need = np.zeros((rows.shape[0],) * 2) if need is None else need
        self.prices = prices              # the restricted solve's prices, when it got that far
        self.past = past                  # how far past its threshold each pair's prices went


@dataclass
class _Pass:
    """The broadcast state of one step and what its pass left on the workers."""

    data: DaskData
    centers: np.ndarray
    prices: np.ndarray
    prev: da.Array | None
    rho: np.ndarray
    limit: np.ndarray
    edges: np.ndarray | None = None     # gap histogram bins (None: no balancing)
    stride: int = 0                      # the next pass counts the gap histograms of every stride-th
                                         # point (0: none)
    listing: bool = True                 # whether the next pass lists points (else it only counts)
    listed: bool = True                  # whether the last pass did
    widened: int = 0                     # passes that counted wider histograms at the same prices
    warm: bool = False                   # whether the last pass was a drifted warm step's first
    base: da.Array | None = None
    passes: int = 0                      # scans and refills so far
    balances: int = 0
    rescans: int = 0

    def _previous(self) -> list[Any]:
        """The previous labels' row blocks (None each on a first step)."""
        if self.prev is None:
            return [None] * len(self.data.row_chunks)
        return self.prev.to_delayed(optimize_graph=False).tolist()

    def _bases(self) -> list[Any]:
        return self.base.to_delayed(optimize_graph=False).tolist()

    def scan(self) -> Summary:
        """The pass: base labels (persisted on the workers) and the merged summary (its lists
        empty unless ``listing``)."""
        c, u, rho, limit, edges = _shared(self.centers, self.prices,
                                          self.rho if self.listing else np.full_like(self.rho, -np.inf),
                                          self.limit, self.edges if self.stride else None)
        prev = self._previous()
        self.listed = self.listing
        outs = [dask.delayed(scan_block, nout=2, pure=True)(x, w, p, start, c, u, rho, limit, edges,
                                                            max(self.stride, 1))
                for (x, w, start), p in zip(self.data.blocks(), prev, strict=True)]
        outs = dask.persist(*outs)        # one run of every block task, kept until both halves exist
        self.passes += 1
        self.base = self.data.rows_array([o[0] for o in outs]).persist()
        return tree_reduce([o[1] for o in outs], merge_summaries, self.limit).compute()

    def refill(self, rows: np.ndarray) -> Lists:
        """Lists of the rows ``rows`` (k,) from their members, with the current rho and limit."""
        c, u, on, rho, limit = _shared(self.centers, self.prices, rows, self.rho, self.limit)
        prev = self._previous()
        parts = [dask.delayed(refill_block, pure=True)(x, w, b, p, start, c, u, on, rho, limit)
                 for (x, w, start), b, p in zip(self.data.blocks(), self._bases(), prev, strict=True)]
        self.passes += 1
        return tree_reduce(parts, merge_lists, self.limit).compute()

    def balance(self, total: Summary) -> Summary:
        """New passes at the Newton prices of the last pass's gap histograms
        (`fsclust.distributed.balance.newton_prices`) until the lists of the last one (``total``)
        cover the price moves the model still predicts (every pair that the model moves points
        along is listed at least `_COVER` times as wide as its predicted move), or its counts are
        near the sizes (at most 1/`_SETTLE` of the listed points, and of 64 k, over or under them).
        A pass after a Newton step from a pass within `_LAST` k points of the sizes lists every pair
        `_REACH` times as wide as the step moves it (at least the first boundary; farther passes
        list nothing: they are not the last, and lists cost them ~10-30 %; nor does a pass after a
        step that took a cluster's price to the model's bound, `newton_reach`); at most
        `_MAX_BALANCES` passes a step, and the last one lists. After a pass at warm prices that
        lands far from the sizes (`_unsettled`), a pass at the same prices counts the histograms
        first. A listing pass after a step from within `_QUIET` k points of the sizes, or after the
        first step of a drifted warm step, counts no histograms: it is nearly always the last (when
        it is not, it is judged as a warm pass: the solve and its refills, or a recount). When the
        model itself cannot meet the sizes within the cap (a cluster whose points
        are all farther), the next pass counts gaps up to twice the cap; at the same prices when
        the model's step would leave as many points off as there are; after a step on them that
        pins no cluster at its bound, the first cap again."""
        base, cap = self.rho.copy(), (np.inf if self.edges is None else self.edges[-1])
        while self.edges is not None and self.balances < _MAX_BALANCES and self._unsettled(total):
            excess = count_excess(total.counts, self.data.sizes)
            self.stride = _stride(excess)
            if total.gaps is None:           # warm prices far off: count the histograms (same prices)
                self.listing = False
                total = self.scan()
                continue
            prices, left, moved = newton_prices(total.gaps.dense(), self.edges, total.counts,
                                                self.data.sizes, self.prices)
            pinned = bool((np.abs(prices - self.prices) >= 0.999 * newton_reach(self.edges)).any())
            if _STALL * left > excess:       # the model's moves stop at the cap: twice the cap
                self.edges = gap_edges(2 * self.edges[-1])
                if left >= excess and self.widened < _MAX_WIDENED:   # and its step is no better:
                    self.listing, self.stride = False, 1      # count the wider histograms here
                    self.widened += 1
                    total = self.scan()
                    continue
            elif self.edges[-1] > cap and not pinned:    # the wider cap did its step: back to the
                self.edges = gap_edges(cap)              # first (a doubled cap counts ~4x the gaps)
            step = prices - self.prices
            lift = step[None, :] - step[:, None]
            if self.listed and (_COVER * lift[moved >= 1] <= self.rho[moved >= 1]).all():
                break
            self.listing = excess <= _LAST * self.data.sizes.n_clusters and not pinned
            if self.listing:
                self.rho = np.maximum(base, _REACH * np.maximum(lift, 0.0))
            if self.listing and (excess <= _QUIET * self.data.sizes.n_clusters or self.warm):
                self.stride = 0              # a pass after this step is the last (but for a stall)
            self.warm = False
            self.prices = prices
            self.balances += 1
            total = self.scan()
        self.stride = 0                      # the solve's rescans need no histograms
        if not self.listed:                  # the lists at the last prices, for the solve
            self.listing = True
            total = self.scan()
        return total

    def _unsettled(self, total: Summary) -> bool:
        """Whether the counts of the last pass are too far from the sizes to rely on its lists:
        over or under them by more than 1/`_SETTLE` of the listed points (and of 64 k); a pass
        without histograms (warm prices) only when by more than 1/`_WARM_OFF` of them."""
        share = _SETTLE if total.gaps is not None else _WARM_OFF
        return share * count_excess(total.counts, self.data.sizes) > max(total.lists.n_points,
                                                                         64 * total.counts.shape[0])

    def labels(self, moved: np.ndarray, to: np.ndarray) -> da.Array:
        """Final labels: the base labels with ``moved`` (sorted global indices) set to ``to``,
        persisted on the workers (every pass of the next step reads them; unpersisted, each pass
        and refill would apply the moves again)."""
        starts = self.data.starts
        cut = np.searchsorted(moved, np.r_[starts, self.data.n])
        parts = [dask.delayed(apply_moves, pure=True)(b, moved[cut[i]:cut[i + 1]] - starts[i],
                                                      to[cut[i]:cut[i + 1]])
                 for i, b in enumerate(self._bases())]
        return self.data.rows_array(parts).persist()

    def rescan(self, short: _Short, top: float) -> Summary:
        """A new pass around the restricted solve's prices; the short rows are listed twice as
        wide, or twice as wide as their prices went past their thresholds, but at most four times
        as wide (or as 1e-3 ``top``, the largest cost, from a tiny boundary): lists at the better
        prices can stay short, and further rounds widen them again."""
        self.prices, self.rescans = short.prices.astype(np.float64), self.rescans + 1
        cap = _GROW**2 * np.maximum(self.rho, 1e-3 * top)
        wider = np.minimum(np.maximum(self.rho * _GROW, _GROW * short.past), cap)
        self.rho = np.where(short.rows[:, None], wider, self.rho)
        return self.scan()

    def grow(self, short: _Short, top: float) -> None:
        """List the rows ``short.rows`` longer and wider: at least twice as wide and as long, and
        wide enough for the reduced key each row was short of (all members once wide enough)."""
        rows = short.rows
        wider = np.maximum(self.rho[rows] * 2, short.need[rows] * _GROW)
        wider = np.maximum(wider, 1e-3 * top)            # from a zero or tiny boundary: fast
        self.rho[rows] = np.where(wider > 4 * top, np.inf, wider)
        self.limit[rows] = np.minimum(self.limit[rows] * 2, self.data.n)


def _shared(*arrays: np.ndarray | None) -> list[Any]:
    """Each array as one dask key that every block task of a pass refers to: sent to each worker
    once (an array passed as it is would be copied into every task: 40 copies of the 80 KB pair
    boundaries a pass at k = 100, each hashed and shipped through the scheduler)."""
    return [None if a is None else dask.delayed(a) for a in arrays]


def _stride(excess: int) -> int:
    """Every how many points a pass after one ``excess`` points off the sizes counts the gap
    histograms: the largest power of 2 up to `_MAX_STRIDE` that still counts `_COUNTED` of the
    points the Newton step moves (about the excess). The histograms only shape the Newton model;
    counting every point far from the sizes makes a pass ~40 % dearer for no better step (but a
    model of every 8th point near the sizes takes a step a third as far: 2,644 -> 1,572 where
    every point's took it to 156)."""
    return int(min(_MAX_STRIDE, 2 ** max(0, int(np.log2(max(excess, 1) / _COUNTED)))))


def _first_stride(cap: float | None, fresh: bool, drift: float, k: int) -> int:
    """Every how many points a step's first pass counts the gap histograms (0: none): every
    `_FIRST_STRIDE`-th at new prices, as `_stride` says at warm prices that drifted `_DRIFT`
    points a cluster or more, none otherwise or without a cap."""
    if cap is None:
        return 0
    if fresh:
        return _FIRST_STRIDE
    return _stride(drift) if drift >= _DRIFT * k else 0


def _pair_boundary(rho: np.ndarray, k: int) -> np.ndarray:
    """The boundary (k, k) of every pair from a row boundary (k,) or a pair boundary."""
    rho = np.asarray(rho, dtype=np.float64)
    return np.array(np.broadcast_to(rho[:, None] if rho.ndim == 1 else rho, (k, k)))


def count_excess(counts: np.ndarray, sizes: Sizes) -> int:
    """Points over or under the sizes in ``counts`` (k,)."""
    return int(np.maximum(counts - sizes.hi, 0).sum() + np.maximum(sizes.lo - counts, 0).sum())


def _reduced_sizes(sizes: Sizes, frozen: np.ndarray, listed: int) -> Sizes:
    """Sizes of the listed points given the frozen counts (k,); raises `_Short` when infeasible."""
    if sizes.exact:
        need = sizes.lo - frozen
        if (need < 0).any():
            raise _Short(need < 0)
        return Sizes.from_counts(need)
    lo, hi = np.maximum(sizes.lo - frozen, 0), sizes.hi - frozen
    if (hi < 0).any():
        raise _Short(hi < 0)
    if lo.sum() > listed:
        raise _Short(frozen > sizes.lo)
    return Sizes(lo, hi)


def _bound_prices(prices: np.ndarray, counts: np.ndarray, sizes: Sizes, reduced_exact: bool,
                  tol: float) -> np.ndarray:
    """Prices (relative to the dummy node) that also meet the bound conditions of the full counts:
    ``count > lo`` needs ``p <= 0`` and ``count < hi`` needs ``p >= 0``. A cluster with nothing
    listed may sit above 0 with frozen points beyond ``lo``: its price drops to 0 (which only its
    own frozen members can feel, and the threshold check then sees)."""
    above, below = counts > sizes.lo, counts < sizes.hi
    if reduced_exact:                     # the solver's prices are defined up to a shift
        low = np.max(-prices[below], initial=-np.inf)
        high = np.min(-prices[above], initial=np.inf)
        if low > high + tol:
            raise _Short(np.ones(prices.shape[0], bool))
        prices = prices + float(np.clip(0.0, low, high))
    prices = np.where(above & (prices > tol), 0.0, prices)
    if (below & (prices < -tol)).any():
        raise _Short(below & (prices < -tol))
    return prices


def _listed_costs(lists: Lists, centers: np.ndarray, ghost: np.ndarray) -> np.ndarray | PointCosts:
    """Costs of the listed points: the workers' function on a dense matrix with the phantom rows
    ``ghost`` (f, k) below them, filled in place by blocks of `_ROWS` points; or (many points, no
    phantoms) on demand, so the client never holds more than `_DENSE_CELLS` of them."""
    s, k = lists.n_points, centers.shape[0]
    if s * k > _DENSE_CELLS:
        return PointCosts(lists.x, centers, lists.w, checked=True)
    out = np.empty((s + ghost.shape[0], k))
    for at in range(0, s, _ROWS):
        rows = slice(at, min(at + _ROWS, s))
        block_costs(lists.x[rows], None if lists.w is None else lists.w[rows], centers, out=out[rows])
    out[s:] = ghost
    return out


def _phantoms(tau: np.ndarray, frozen: np.ndarray, top: float) -> tuple[np.ndarray, np.ndarray]:
    """One *phantom* point per pair ``(p, l)`` with frozen members of ``p`` (at most ``frozen[p]``
    a row, the smallest thresholds first): a member of ``p`` that could move to ``l`` at the key
    ``tau[p, l]`` and nowhere else. Returns its row ``p`` (f,) and cost rows (f, k).

    In the restricted solve a phantom that stays in ``p`` forces ``p_l - p_p <= tau[p, l]``, the
    certificate of the pair; one that moves marks a pair whose list must grow."""
    k = tau.shape[0]
    finite = np.isfinite(tau) & (frozen[:, None] > 0)
    order = np.argsort(np.where(finite, tau, np.inf), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(k)[None, :], axis=1)
    src, dst = np.nonzero(finite & (rank < frozen[:, None]))
    big = 4.0 * (top + float(np.abs(tau[src, dst]).max(initial=0.0)))
    rows = np.full((src.size, k), big)
    rows[np.arange(src.size), src] = 0.0
    rows[np.arange(src.size), dst] = tau[src, dst]
    return src, rows


def _solve_listed(lists: Lists, counts: np.ndarray, sizes: Sizes, centers: np.ndarray, warm: np.ndarray,
                  rho: np.ndarray, tol: float, top: float) -> tuple[np.ndarray, np.ndarray]:
    """Optimal labels of the listed points (s,) and certifying prices (k,), or `_Short`.

    With a dense cost matrix, the phantoms of `_phantoms` join the listed points, so that the
    solve's prices respect the thresholds of the frozen points wherever it can."""
    k, s = lists.k, lists.n_points
    frozen = counts - np.bincount(lists.base, minlength=k)
    tau = thresholds(lists, rho, warm)
    src, ghost = (_phantoms(tau, frozen, top) if s and s * k <= _DENSE_CELLS
                  else (np.zeros(0, np.int64), np.zeros((0, k))))
    cost = _listed_costs(lists, centers, ghost)
    held = frozen - np.bincount(src, minlength=k)
    reduced = _reduced_sizes(sizes, held, s + src.size)
    if s:
        solver = DualSolver()
        solver.warm_limit = np.inf        # the frozen points are priced by the warm start
        result = solver.solve(cost, reduced, warm_start=warm)
        labels, prices = result.labels[:s], result.prices
        moved = np.bincount(src[result.labels[s:] != src], minlength=k) > 0   # their lists are short
    else:
        labels, prices, moved = np.zeros(0, np.int64), warm.copy(), np.zeros(k, bool)
    if not sizes.exact and not moved.any():
        full = frozen + np.bincount(labels, minlength=k)
        prices = _bound_prices(prices, full, sizes, reduced.exact, tol)
    lift = prices[None, :] - prices[:, None]
    bad = (((lift - tau) > tol).any(axis=1) & (frozen > 0)) | moved
    if bad.any():                        # how far past the warm prices each pair must be listed
        with np.errstate(invalid="ignore"):
            over = np.where((lift - tau) > tol, lift - tau, 0.0)
            need = np.where(over > 0, lift - (warm[None, :] - warm[:, None]), 0.0)
        raise _Short(bad, np.nan_to_num(need, posinf=np.inf), prices, np.nan_to_num(over, posinf=np.inf))
    return labels, prices


def _attempt(lists: Lists, counts: np.ndarray, sizes: Sizes, state: _Pass, tol: float,
             top: float) -> tuple[np.ndarray, np.ndarray] | _Short:
    """`_solve_listed` at the pass's state, or its `_Short` without its traceback (whose frames
    would keep the solve's cost matrix alive through the next pass or refill)."""
    try:
        return _solve_listed(lists, counts, sizes, state.centers, state.prices, state.rho, tol, top)
    except _Short as short:
        return short.with_traceback(None)


def assignment_step(data: DaskData, centers: np.ndarray, prices: np.ndarray, prev: da.Array | None,
                    rho: np.ndarray, limit: int | None = None, cap: float | None = None,
                    fresh: bool = True, drift: float = 0.0) -> Step:
    """An optimal assignment of the dask points to ``centers`` (k, d) under ``data.sizes``.

    Parameters
    ----------
    data : DaskData
    centers : ndarray of shape (k, d)
    prices : ndarray of shape (k,)
        Warm-start prices (any finite values are correct; close ones make one pass enough).
    prev : dask.array.Array of shape (n,) or None
        The previous step's labels (for ``moved``).
    rho : ndarray of shape (k,) or (k, k)
        Initial boundary of every row (or pair): members whose reduced key is below it are
        listed.
    limit : int, optional
        Initial length of every list (at least `list_limit`): the fit passes four times its
        share of the points expected to move.
    cap : float, optional
        Largest gap of the passes' gap histograms: with it, a pass whose counts are too far from
        the sizes for its lists is followed by passes at Newton prices (`_Pass.balance`).
    fresh : bool, default True
        Whether ``prices`` are new (the first pass counts the gap histograms at once); with warm
        prices a pass counts them only after one that lands far from the sizes (`_Pass._unsettled`),
        or at once when ``drift`` is large.
    drift : float, default 0
        Net points the client's sample saw move between clusters since the last step, under the
        warm prices (half the change of its counts, scaled to n): from `_DRIFT` per cluster on,
        the first pass counts the gap histograms too (a pass that lands far without them is
        followed by one at the same prices that counts them).

    Raises
    ------
    SolverError
        The lists did not certify after many refill rounds (not expected).
    """
    k = data.sizes.n_clusters
    stride = _first_stride(cap, fresh, drift, k)
    state = _Pass(data, np.ascontiguousarray(centers, dtype=np.float64), prices.astype(np.float64),
                  prev, _pair_boundary(rho, k),
                  np.full(k, max(list_limit(k), limit or 0), np.int64),
                  None if cap is None else gap_edges(cap), stride,
                  listing=not fresh or cap is None,     # the first pass at new prices is never the last
                  warm=not fresh and stride > 0)
    total = state.balance(state.scan())
    lists, tol, run = total.lists, 1e-11 * max(total.top, 1e-300), 0
    while isinstance(short := _attempt(lists, total.counts, data.sizes, state, tol, total.top), _Short):
        if state.passes > _MAX_ROUNDS:
            raise SolverError(f"the distributed dual step did not certify within {_MAX_ROUNDS} "
                              "refills") from None
        if (short.prices is not None and (4 * short.rows.sum() > k or run >= _REFILL_RUN)
                and state.rescans < _MAX_RESCANS):  # many rows short, or short again and again:
            total = state.rescan(short, total.top)   # a new pass at the better prices
            lists, run = total.lists, 0
        else:
            state.grow(short, total.top)
            lists = merge([lists.rows(~short.rows), state.refill(short.rows)], state.limit)
            run += 1
    labels, final = short
    return _finish(state, total, lists, labels, final, {"passes": state.passes, "balances": state.balances,
                                                       "candidates": lists.n_points})


def _finish(state: _Pass, total: Summary, lists: Lists, labels: np.ndarray, prices: np.ndarray,
            info: dict[str, Any]) -> Step:
    """Apply the client's moves to the pass totals and to the labels."""
    k = lists.k
    moved = np.flatnonzero(labels != lists.base)
    src, dst = lists.base[moved], labels[moved]
    counts = total.counts + np.bincount(dst, minlength=k) - np.bincount(src, minlength=k)
    w = np.ones(moved.size) if lists.w is None else lists.w[moved]
    sums, mass = total.sums.copy(), total.mass.copy()
    np.add.at(sums, dst, lists.x[moved] * w[:, None])
    np.subtract.at(sums, src, lists.x[moved] * w[:, None])
    np.add.at(mass, dst, w)
    np.subtract.at(mass, src, w)
    own = block_costs(lists.x[moved], None if lists.w is None else lists.w[moved], state.centers)
    cost = total.objective + float((own[np.arange(moved.size), dst] - own[np.arange(moved.size), src]).sum())
    prev = lists.prev[moved]
    changed = total.changed + int((dst != prev).sum() - (src != prev).sum())
    info = {**info, "moves": int(moved.size), "excess": count_excess(total.counts, state.data.sizes)}
    return Step(state.labels(lists.ids[moved], dst), cost, counts, sums, mass, prices, changed,
                info)
