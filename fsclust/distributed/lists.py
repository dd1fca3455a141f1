"""Candidate moves of the distributed assignment step: per cluster pair, the cheapest members to move.

For points labelled ``p`` (their argmin of ``C[i] - u`` under the broadcast prices ``u``) the list
of the pair ``(p, l)`` holds the members with the smallest keys ``C[i, l] - C[i, p]`` (the cost of
moving ``i`` from ``p`` to ``l``; independent of the prices). Its *threshold* ``tau[p, l]`` bounds
every unlisted member: a member of ``p`` with key ``< tau[p, l]`` is in the list. Two causes cap a
list, so the threshold is the smaller of

* the pair's boundary ``rho[p, l]``: only members whose reduced key ``key - (u[l] - u[p])`` is
  below it are listed, so ``tau >= rho[p, l] + u[l] - u[p]``;
* the row's length ``limit[p]``: the key of the first member dropped (kept sparsely as
  ``over_pair``, ``over_key``).

Lists of disjoint row blocks merge by keeping the ``limit`` smallest keys per pair (`merge`), so a
tree of merges turns the workers' lists into the lists of the whole data. Listed points travel
with their coordinates and weights (the table ``ids``, ``base``, ``prev``, ``x``, ``w``): ``d + 4``
numbers each, from which the client recomputes their costs to move them and corrects the sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Lists", "merge", "point_lists", "thresholds"]


@dataclass(frozen=True, eq=False)
class Lists:
    """Candidate lists over some points (a row block, or the whole data after merging).

    Attributes
    ----------
    k : int
    pair, key, point : ndarray of shape (e,)
        One entry per listed move: pair ``p * k + l``, key ``C[i, l] - C[i, p]`` and global point
        index ``i``; sorted by pair, then key, then point.
    over_pair, over_key : ndarray of shape (o,)
        Pairs whose list was cut at ``limit`` entries, and the first key left out.
    ids : ndarray of shape (s,), int64
        Sorted global indices of the listed points; the rows of the table below.
    base, prev : ndarray of shape (s,), int64
        Label under the broadcast prices, and the previous step's final label (-1 if none).
    x : ndarray of shape (s, d)
    w : ndarray of shape (s,) or None
    """

    k: int
    pair: np.ndarray
    key: np.ndarray
    point: np.ndarray
    over_pair: np.ndarray
    over_key: np.ndarray
    ids: np.ndarray
    base: np.ndarray
    prev: np.ndarray
    x: np.ndarray
    w: np.ndarray | None

    @property
    def n_points(self) -> int:
        return int(self.ids.shape[0])

    def rows(self, keep: np.ndarray) -> Lists:
        """The lists of the rows ``p`` with ``keep[p]`` (k,) True, and the points they list."""
        sel = keep[self.pair // self.k]
        over = keep[self.over_pair // self.k]
        return _pruned(self, self.pair[sel], self.key[sel], self.point[sel],
                       self.over_pair[over], self.over_key[over])


def _pruned(lists: Lists, pair: np.ndarray, key: np.ndarray, point: np.ndarray,
            over_pair: np.ndarray, over_key: np.ndarray) -> Lists:
    """``lists`` with new entries; the table keeps only the points still listed."""
    keep = np.isin(lists.ids, point)
    return Lists(lists.k, pair, key, point, over_pair, over_key, lists.ids[keep], lists.base[keep],
                 lists.prev[keep], lists.x[keep],
                 None if lists.w is None else lists.w[keep])


def _truncate(k: int, pair: np.ndarray, key: np.ndarray, point: np.ndarray, limit: np.ndarray,
              over_pair: np.ndarray, over_key: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keep the ``limit[p]`` smallest keys of every pair; the first key dropped of a pair, and the
    given ``over`` bounds, become that pair's bound (one per pair, the smallest), and entries at
    or above a pair's bound are dropped too."""
    order = np.lexsort((point, key, pair))
    pair, key, point = pair[order], key[order], point[order]
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]]) if pair.size else np.zeros(0, np.int64)
    rank = np.arange(pair.size) - np.repeat(starts, np.diff(np.r_[starts, pair.size]))
    cut = limit[pair // k]
    over_pair = np.r_[over_pair, pair[rank == cut]].astype(np.int64)
    over_key = np.r_[over_key, key[rank == cut]]
    if over_pair.size:
        over_pair, inverse = np.unique(over_pair, return_inverse=True)
        bound = np.full(over_pair.size, np.inf)
        np.minimum.at(bound, inverse, over_key)
        over_key = bound
    keep = rank < cut
    if over_pair.size:
        at = np.searchsorted(over_pair, pair)
        hit = (at < over_pair.size) & (over_pair[np.minimum(at, over_pair.size - 1)] == pair)
        keep &= ~hit | (key < over_key[np.minimum(at, over_pair.size - 1)])
    return pair[keep], key[keep], point[keep], over_pair, over_key


def _row_entries(cost: np.ndarray, reduced: np.ndarray, labels: np.ndarray, p: int, rho: np.ndarray,
                 limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries ``(row, l, key)`` of the members of ``p`` with reduced key below ``rho[l]``, at most
    ``limit + 1`` per pair plus ties (enough for `_truncate` to find the first key it cuts)."""
    rows = np.flatnonzero(labels == p)
    gap = reduced[rows] - reduced[rows, p][:, None]
    gap[:, p] = np.inf
    near = gap < rho[None, :]
    if rows.size > limit + 1:             # drop what cannot be among a pair's limit + 1 smallest
        keys = np.where(near, cost[rows] - cost[rows, p][:, None], np.inf)
        cut = np.partition(keys, limit, axis=0)[limit]
        near &= keys <= cut[None, :]
    at, to = np.nonzero(near)
    return rows[at], to, cost[rows[at], to] - cost[rows[at], p]


def point_lists(cost: np.ndarray, reduced: np.ndarray, labels: np.ndarray, ids: np.ndarray,
                rho: np.ndarray, limit: np.ndarray, x: np.ndarray, w: np.ndarray | None,
                prev: np.ndarray) -> Lists:
    """The lists of some points of one row block.

    Parameters
    ----------
    cost : ndarray of shape (m, k)
    reduced : ndarray of shape (m, k)
        ``cost - u``; ``labels`` are row argmins of it.
    labels : ndarray of shape (m,)
    ids : ndarray of shape (m,)
        Global (sorted) indices of the rows.
    rho : ndarray of shape (k, k)
        Boundary of every pair's list.
    limit : ndarray of shape (k,)
        Length of every row's lists.
    x : ndarray of shape (m, d)
    w : ndarray of shape (m,) or None
    prev : ndarray of shape (m,)

    Returns
    -------
    Lists
    """
    k = cost.shape[1]
    found = [_row_entries(cost, reduced, labels, p, rho[p], int(limit[p])) for p in np.unique(labels)]
    at, to, key = (np.concatenate([f[i] for f in found]) if found else np.zeros(0, np.int64)
                   for i in range(3))
    own = labels[at]
    empty = np.zeros(0, np.int64)
    pair, key, point, over_pair, over_key = _truncate(k, own * k + to, key, ids[at], limit,
                                                      empty, np.zeros(0))
    table = Lists(k, pair, key, point, over_pair, over_key, ids, labels, prev, x, w)
    return _pruned(table, pair, key, point, over_pair, over_key)


def merge(parts: Sequence[Lists], limit: np.ndarray) -> Lists:
    """The lists of the union of the points of ``parts`` (the ``limit[p]`` best per pair).

    A point listed by several parts (a refill of rows already listed) appears once in the table.
    """
    first = parts[0]
    cat = [np.concatenate([getattr(p, name) for p in parts])
           for name in ("pair", "key", "point", "over_pair", "over_key")]
    pair, key, point, over_pair, over_key = _truncate(first.k, *cat[:3], limit, *cat[3:])
    ids, at = np.unique(np.concatenate([p.ids for p in parts]), return_index=True)
    table = Lists(first.k, pair, key, point, over_pair, over_key, ids,
                  *(np.concatenate([getattr(p, name) for p in parts])[at]
                    for name in ("base", "prev", "x")),
                  None if first.w is None else np.concatenate([p.w for p in parts])[at])
    return _pruned(table, pair, key, point, over_pair, over_key)


def thresholds(lists: Lists, rho: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Dense thresholds ``tau`` (k, k): ``min(rho[p, l] + u[l] - u[p], first key cut)``; the
    diagonal is inf."""
    with np.errstate(invalid="ignore"):
        tau = rho + prices[None, :] - prices[:, None]
    tau[np.isnan(tau)] = np.inf
    flat = tau.reshape(-1)
    flat[lists.over_pair] = np.minimum(flat[lists.over_pair], lists.over_key)
    np.fill_diagonal(tau, np.inf)
    return tau
