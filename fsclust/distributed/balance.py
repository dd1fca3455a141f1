r"""Cheap dual ascent on the prices of a distributed step: pair histograms and a Newton step.

A pass at prices ``u`` labels every point by ``argmin_j C_ij - u_j``. A member ``i`` of ``p``
moves to ``l`` when the prices change by ``delta`` with ``delta_l - delta_p`` above its *gap*
``g_il = (C_il - u_l) - (C_ip - u_p) >= 0``. So per cluster pair the histogram of the gaps below
a cap (``k x k x B`` counts, `fsclust.distributed.kernels.scan_rows`, summed over the blocks)
predicts the counts at any nearby prices:

.. math:: N_p(\delta) \approx N_p - \sum_l F_{pl}(\delta_l - \delta_p) + \sum_l F_{lp}(\delta_p - \delta_l),

with ``F_pl(t)`` the members of ``p`` whose gap to ``l`` is below ``t`` (linear within a bin).
The client solves ``N(delta) = sizes`` on this model by damped Newton steps (its Jacobian is the
graph Laplacian of the pair densities, as in semi-discrete optimal transport) and the next pass
measures the true counts: a few passes take the points over or under the sizes from the sampling
noise of the first prices to a small fraction, without listing any point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fsclust.problem.sizes import Sizes

__all__ = ["GapCounts", "gap_edges", "nearest_gap", "newton_prices", "newton_reach"]

_BINS = 32            # geometric edges of the gap bins (each sqrt(2) above the last), and as many linear
_ITERATIONS = 150     # L-BFGS-B iterations per client step (each O(k^2) on the histograms)


def gap_edges(cap: float, bins: int = _BINS) -> np.ndarray:
    """Bin edges (at most 2 bins + 1,): 0, ``cap * 2**(-j / 2)`` for ``j < bins`` and ``cap * j / bins``
    for ``0 < j <= bins``, sorted.

    The geometric edges resolve the small moves near 0; the linear ones the large moves of
    clusters far from the others (up to the cap), where the counts grow fastest with the gap and a
    bin that is linear within would overcount (half-octave bins alone: ~2x the excess after the
    second Newton step)."""
    geometric = cap * 2.0 ** (np.arange(-(bins - 1), 1) / 2.0)
    return np.unique(np.r_[0.0, geometric, cap * np.arange(1, bins + 1) / bins])


@dataclass(frozen=True, eq=False)
class GapCounts:
    """Gap histograms (k, k, B) of every ``stride``-th point, kept sparse: a pass over a row block
    finds gaps below the cap in a few of the k^2 pairs (11 % of the cells at n = 1e5, k = 100 in
    the benchmark's first step), so its 2.3 MB of counts travel as ~1 MB.

    Attributes
    ----------
    shape : tuple of int
        ``(k, k, B)``.
    cells : ndarray of shape (c,), int64
        Sorted flat indices of the non-zero cells.
    counts : ndarray of shape (c,), int64
    stride : int
        Every ``stride``-th point was counted (`dense` scales the counts back up).
    """

    shape: tuple[int, int, int]
    cells: np.ndarray
    counts: np.ndarray
    stride: int = 1

    @classmethod
    def of(cls, hist: np.ndarray, stride: int = 1) -> GapCounts:
        """The non-zero cells of a dense histogram ``hist`` (k, k, B)."""
        cells = np.flatnonzero(hist)
        return cls(hist.shape, cells, hist.reshape(-1)[cells].astype(np.int64), stride)

    @classmethod
    def add(cls, parts: list[GapCounts]) -> GapCounts:
        """The sum of histograms of disjoint sets of points, counted with the same stride (added
        densely: a sort of the parts' cells, or ``np.add.at``, takes 5-10x longer)."""
        total = np.zeros(int(np.prod(parts[0].shape)), np.int64)
        for part in parts:
            total[part.cells] += part.counts
        return cls.of(total.reshape(parts[0].shape), parts[0].stride)

    def dense(self) -> np.ndarray:
        """The histograms (k, k, B) as float64 counts of all points (each counted one stands for
        ``stride``)."""
        out = np.zeros(int(np.prod(self.shape)))
        out[self.cells] = self.counts * float(self.stride)
        return out.reshape(self.shape)


@dataclass(eq=False)
class _Model:
    """The counts model of a pass: gap histograms ``hist`` (k, k, B), bin ``edges`` (B + 1,), the
    pass's ``counts`` (k,) and the target counts ``target`` (k,)."""

    hist: np.ndarray
    edges: np.ndarray
    counts: np.ndarray
    target: np.ndarray
    def __post_init__(self) -> None:
        hist, width = self.hist, np.diff(self.edges)
        self.cum = np.concatenate([np.zeros((*hist.shape[:2], 1)), np.cumsum(hist, axis=2)], axis=2)
        self.area = np.concatenate([np.zeros((*hist.shape[:2], 1)),
                                    np.cumsum(width * (self.cum[:, :, :-1] + hist / 2), axis=2)], axis=2)
        self.moved = np.zeros(hist.shape[:2])   # (k, k) points of p predicted to move to l (last potential)

    def potential(self, delta: np.ndarray) -> tuple[float, np.ndarray]:
        """``Psi(delta) = (counts - target) . delta + sum_pl G_pl(delta_l - delta_p)`` with ``G_pl``
        the integral of ``F_pl``: convex, its gradient is the predicted counts minus the target
        (the pair terms: `fsclust.distributed.kernels.model_potential`)."""
        from fsclust.distributed.kernels import model_potential  # numba: the client's only

        pairs = model_potential(self.hist, self.cum, self.area, self.edges, delta, self.moved)
        pred = self.counts - self.moved.sum(axis=1) + self.moved.sum(axis=0)
        return float((self.counts - self.target) @ delta + pairs), pred - self.target


def newton_reach(edges: np.ndarray) -> float:
    """The largest price change of a Newton step over the bins ``edges``: half the cap, so that
    every pair's relative move stays within its histogram (past it the model moves nothing more,
    and its steps run off to the bound)."""
    return float(edges[-1] / 2)


def newton_prices(hist: np.ndarray, edges: np.ndarray, counts: np.ndarray, sizes: Sizes,
                  prices: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Prices (k,) whose predicted counts meet the sizes, the points the model leaves over or
    under them, and the points (k, k) of ``p`` it moves to ``l``.

    The model's counts are the gradient of a convex potential (`_Model.potential`), minimised by
    L-BFGS-B with every price change within `newton_reach` (where the histograms hold).

    Parameters
    ----------
    hist : ndarray of shape (k, k, B)
        Gap histograms of a pass at ``prices`` (`fsclust.distributed.kernels.scan_rows`, summed).
    edges : ndarray of shape (B + 1,)
    counts : ndarray of shape (k,)
        The pass's counts.
    sizes : Sizes
    prices : ndarray of shape (k,)
    """
    from scipy.optimize import minimize  # the client's only: workers import this module too

    model = _Model(hist.astype(np.float64), edges, counts.astype(np.float64),
                   counts + nearest_gap(sizes, counts.astype(np.float64)))
    half = newton_reach(edges)
    found = minimize(model.potential, np.zeros(prices.shape[0]), jac=True, method="L-BFGS-B",
                     bounds=[(-half, half)] * prices.shape[0],
                     options={"maxiter": _ITERATIONS, "gtol": 1e-12 * half, "ftol": 1e-10})
    miss = model.potential(found.x)[1]
    return prices + found.x, int(np.ceil(np.abs(miss).sum() / 2)), model.moved


def nearest_gap(sizes: Sizes, counts: np.ndarray) -> np.ndarray:
    """What ``counts`` (k,) miss to the nearest counts within the bounds (positive: too few)."""
    target = np.clip(counts, sizes.lo, sizes.hi).astype(np.float64)
    diff = counts.sum() - target.sum()
    room = (sizes.hi - target) if diff > 0 else (target - sizes.lo)
    if diff and room.sum() > 0:
        target += diff * room / room.sum()
    return target - counts
