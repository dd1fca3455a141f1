"""What the workers run on one row block of the data: plain numpy functions of the block.

Every function takes the block's points ``X`` (m, d), weights ``w`` (m,) or None and the broadcast
centers, and returns small summaries (O(k d) plus the candidate lists) or per-point labels that
stay on the worker. Costs are `fsclust.assign.costs.SquaredEuclidean` of the block, the same
function the in-memory fit uses, so both see the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fsclust.assign.costs import PARALLEL_MIN_CELLS, SquaredEuclidean, by_products, row_norms_sq
from fsclust.distributed.balance import GapCounts, gap_edges
from fsclust.distributed.kernels import bin_table, scan_rows
from fsclust.distributed.lists import Lists, merge, point_lists

__all__ = [
    "Summary",
    "apply_moves",
    "block_costs",
    "certify_block",
    "merge_lists",
    "merge_summaries",
    "nearest_block",
    "refill_block",
    "regrets",
    "scan_block",
    "warm_up",
]

_CHUNK_CELLS = 2**17   # costs per chunk of a pass (1 MB: BLAS products of 1,310 rows at k = 100)


def block_costs(X: np.ndarray, w: np.ndarray | None, centers: np.ndarray,
                out: np.ndarray | None = None) -> np.ndarray:
    """Costs (m, k) of a block: ``w_i |x_i - c_j|^2``, into ``out`` (m, k) if given."""
    return SquaredEuclidean(w).matrix(np.asarray(X, dtype=np.float64), centers, out=out)


@dataclass(frozen=True, eq=False)
class Summary:
    """What one pass brings back from a set of blocks (merged up a tree).

    Attributes
    ----------
    counts : ndarray of shape (k,), int64
        Points per cluster under the broadcast prices (the *base* labels).
    sums : ndarray of shape (k, d)
        Weighted coordinate sums per base cluster.
    mass : ndarray of shape (k,)
        Weight per base cluster.
    objective : float
        Sum of the costs of the base labels.
    changed : int
        Points whose base label differs from the previous step's final label.
    top : float
        Largest cost magnitude seen.
    lists : Lists
    gaps : GapCounts or None
        Gap histograms of the pairs (`fsclust.distributed.kernels.scan_rows`), when asked.
    """

    counts: np.ndarray
    sums: np.ndarray
    mass: np.ndarray
    objective: float
    changed: int
    top: float
    lists: Lists
    gaps: GapCounts | None = None


def regrets(reduced: np.ndarray) -> np.ndarray:
    """Second-best minus best entry of every row (m,) of ``reduced`` (m, k) (inf for one column)."""
    if reduced.shape[1] < 2:
        return np.full(reduced.shape[0], np.inf)
    two = np.partition(reduced, 1, axis=1)
    return two[:, 1] - two[:, 0]


def _chunk_rows(k: int) -> int:
    """Rows per chunk of a pass: ~512 KB of costs, which stay in cache while `scan_rows` sweeps them."""
    return max(64, _CHUNK_CELLS // max(k, 1))


def scan_block(X: np.ndarray, w: np.ndarray | None, prev: np.ndarray | None, start: int,
               centers: np.ndarray, prices: np.ndarray, rho: np.ndarray,
               limit: np.ndarray, edges: np.ndarray | None = None,
               stride: int = 1) -> tuple[np.ndarray, Summary]:
    """One block of a pass: base labels (m,) = argmin of ``C - prices`` (first index on ties),
    and the block's `Summary` (with gap histograms over the bins ``edges`` when given, of every
    ``stride``-th row).

    The costs are made and swept chunk by chunk (`scan_rows`; for ``d > 4`` one BLAS product per
    chunk, which the sweep finishes into the costs of `block_costs` row by row); only the rows of
    the points some list may take (a gap below its pair's ``rho``) are kept for `point_lists`."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    m, (k, d) = X.shape[0], centers.shape
    weight = np.zeros(0) if w is None else np.ascontiguousarray(w, dtype=np.float64)
    labels, own, near = np.empty(m, np.int64), np.empty(m), np.empty(m, bool)
    bins = np.zeros(1) if edges is None else np.asarray(edges, dtype=np.float64)
    table = np.zeros(1, np.int64) if edges is None else bin_table(bins)
    hist = np.zeros((k, k, max(bins.shape[0] - 1, 1)), np.int32)
    sums, mass = np.zeros((k, d)), np.zeros(k)
    prices, rho = np.asarray(prices, dtype=np.float64), np.ascontiguousarray(rho, dtype=np.float64)
    top, rows, kept = 0.0, [], []
    rows_per = _chunk_rows(k) // stride * stride       # chunks start on a counted row
    buffer = np.empty((min(m, rows_per), k))          # one buffer: a fresh 1 MB array per chunk
    products = by_products(d)                         # costs by one BLAS product, finished by the sweep
    x_sq, c_sq = (row_norms_sq(X), row_norms_sq(centers)) if products else (np.zeros(0), np.zeros(0))
    for at in range(0, m, rows_per):                  # costs its page faults, 3x the BLAS product
        part = slice(at, min(at + rows_per, m))
        wp = weight[part] if weight.size else weight
        cost = buffer[:part.stop - at]
        if products:
            np.matmul(X[part], centers.T, out=cost)
        else:
            block_costs(X[part], wp if wp.size else None, centers, cost)
        top = max(top, scan_rows(cost, x_sq[part], c_sq, X[part], wp, prices, rho, bins, table, stride,
                                 labels[part], own[part], near[part], hist, sums, mass))
        if near[part].any():
            hit = np.flatnonzero(near[part])
            rows.append(at + hit)
            kept.append(cost[hit])
    at = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    cost = np.concatenate(kept) if kept else np.zeros((0, k))
    before = np.full(m, -1, np.int64) if prev is None else np.asarray(prev, np.int64)
    lists = point_lists(cost, cost - prices, labels[at], start + at, rho, limit, X[at],
                        None if w is None else weight[at], before[at])
    return labels, Summary(
        np.bincount(labels, minlength=k).astype(np.int64), sums, mass, float(own.sum()),
        int((labels != before).sum()), top, lists, None if edges is None else GapCounts.of(hist, stride))


def warm_up(d: int, k: int) -> None:
    """Import the pass's modules and load (or compile) its numba kernels in this process: a fit
    sends it to every worker at its start, so that the first pass does not wait for them while
    the client solves its sample (0.3-0.5 s a worker from the numba cache, more on a new
    install). Runs one `scan_block` of zeros (n, d) with k clusters and gap histograms."""
    rows = max(2, PARALLEL_MIN_CELLS // max(k, 1) + 1)    # the costs' kernel of a full block
    scan_block(np.zeros((rows, d)), None, None, 0, np.zeros((k, d)), np.zeros(k), np.zeros((k, k)),
               np.ones(k, np.int64), gap_edges(1.0))


def refill_block(X: np.ndarray, w: np.ndarray | None, base: np.ndarray, prev: np.ndarray | None,
                 start: int, centers: np.ndarray, prices: np.ndarray, rows: np.ndarray,
                 rho: np.ndarray, limit: np.ndarray) -> Lists:
    """The lists of the rows ``p`` with ``rows[p]`` (k,) True from the block's members of ``p``
    (their base labels ``base`` (m,)), with the rows' new ``rho`` and ``limit``."""
    at = np.flatnonzero(rows[base])
    sub = np.asarray(X, dtype=np.float64)[at]
    weight = None if w is None else np.asarray(w)[at]
    cost = block_costs(sub, weight, centers)
    before = np.full(at.size, -1, np.int64) if prev is None else np.asarray(prev, np.int64)[at]
    return point_lists(cost, cost - prices, base[at], start + at, rho, limit, sub, weight, before)


def merge_summaries(parts: Sequence[Summary], limit: np.ndarray) -> Summary:
    """The `Summary` of the union of disjoint blocks (sums added in the given order)."""
    return Summary(sum(p.counts for p in parts), sum(p.sums for p in parts),
                   sum(p.mass for p in parts), float(sum(p.objective for p in parts)),
                   int(sum(p.changed for p in parts)), max(p.top for p in parts),
                   merge([p.lists for p in parts], limit),
                   None if parts[0].gaps is None else GapCounts.add([p.gaps for p in parts]))


def merge_lists(parts: Sequence[Lists], limit: np.ndarray) -> Lists:
    """`fsclust.distributed.lists.merge` as a tree-reduction task."""
    return merge(parts, limit)


def apply_moves(base: np.ndarray, at: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Final labels of a block: ``base`` (m,) with ``base[at] = labels`` (block-local ``at``)."""
    out = np.array(base, dtype=np.int64, copy=True)
    out[at] = labels
    return out


def nearest_block(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Nearest center of every point of a block (m,)."""
    return block_costs(X, None, centers).argmin(axis=1)


def certify_block(X: np.ndarray, w: np.ndarray | None, labels: np.ndarray, centers: np.ndarray,
                  prices: np.ndarray) -> np.ndarray:
    """``[max_i (C[i, a_i] - p[a_i]) - min_j (C[i, j] - p[j]), max |C|, sum_i C[i, a_i]]`` of a
    block: the price certificate of `fsclust.assign.certificate.certify_prices`, blockwise."""
    cost = block_costs(X, w, centers)
    rows = np.arange(cost.shape[0])
    reduced = cost - prices
    own = cost[rows, labels]
    gap = (own - prices[labels] - reduced.min(axis=1)).max(initial=0.0)
    return np.array([gap, np.abs(cost).max(initial=0.0), own.sum()])
