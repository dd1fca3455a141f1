"""Fixed-size k-means on dask arrays: the engine's loop and restarts with a distributed step.

The loop is `fsclust.engine.core.alternate` (and its restarts `run_restarts`), unchanged: only the
parts differ. The cost part hands the centers on, the assignment part runs
`fsclust.distributed.step.assignment_step` (the previous step's prices, or new ones when the
client's sample shows them far off: `_Assigner._prices`), and the update part divides the sums
the step brought back. Initial centers come from a random sample of the rows (k-means++ on it by
default), so the client only ever holds the sample, the (k, d) centers and the candidate lists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import dask
import dask.array as da
import numpy as np

from fsclust._validation import as_int, as_rng, fail
from fsclust.assign.base import Assignment
from fsclust.assign.costs import PointCosts
from fsclust.assign.dual import DualSolver
from fsclust.distributed.blocks import (
    block_costs,
    certify_block,
    nearest_block,
    regrets,
    warm_up,
)
from fsclust.distributed.data import DaskData
from fsclust.distributed.step import Step, assignment_step, count_excess
from fsclust.engine.core import Parts, Restarts, run_restarts
from fsclust.engine.driver import result_from_restarts
from fsclust.engine.result import SolveResult
from fsclust.models.init import resolve_init
from fsclust.models.update import means_from_sums
from fsclust.problem.sizes import Sizes, scaled_sizes

__all__ = ["Sample", "StepLabels", "Tuning", "assign_points", "certify", "draw_sample",
           "fit_kmeans", "nearest"]

_SAMPLE = 65_536          # rows of the client-side sample (init and first prices)
_MAX_LISTED = 200_000     # at most this many points listed by a first pass (d + 4 numbers each)
_WARM_SHARE = 0.02        # keep warm prices while they leave at most this share of points to move
_ROWS = 8192              # sample rows per block of costs on the client
_CAP = 0.9                # gap histograms up to this quantile of the sample's regrets (room for big moves)


@dataclass(frozen=True)
class Tuning:
    """How many points the passes list (None: automatic; tests set small values).

    Attributes
    ----------
    boundary : int or None
        Target number of listed points of a pass.
    sample : int
        Rows of the client-side sample.
    """

    boundary: int | None = None
    sample: int = _SAMPLE


@dataclass(frozen=True, eq=False)
class Sample:
    """Random rows of the data held by the client: ``X`` (m, d), ``w`` (m,) or None."""

    X: np.ndarray
    w: np.ndarray | None


def draw_sample(data: DaskData, m: int, rng: np.random.Generator) -> Sample:
    """``min(m, n)`` distinct random rows (in index order)."""
    rows = np.sort(rng.choice(data.n, size=min(m, data.n), replace=False))
    parts = [data.X[rows]] + ([] if data.weight is None else [data.weight[rows]])
    got = dask.compute(*parts)
    w = None if data.weight is None else np.ascontiguousarray(got[1], dtype=np.float64)
    return Sample(np.ascontiguousarray(got[0], dtype=np.float64), w)


@dataclass(eq=False)
class StepLabels:
    """The labels of a distributed step, as the engine loop sees them.

    ``array`` is the dask array of labels; the loop only asks for ``size`` and for how many labels
    changed (``labels != previous``, then ``.sum()``), which the step counted during its pass, and
    the update reads the cluster sums the step brought back.
    """

    array: da.Array
    step: Step

    @property
    def size(self) -> int:
        return int(self.array.shape[0])

    def __ne__(self, other: object) -> _Changed:  # type: ignore[override]
        return _Changed(self.step.moved)


@dataclass(frozen=True)
class _Changed:
    moved: int

    def sum(self) -> int:
        return self.moved


class _Assigner:
    """The cost and assignment parts of one fit; remembers the previous step of the current run."""

    def __init__(self, data: DaskData, sample: Sample, tuning: Tuning) -> None:
        self.data, self.sample, self.tuning = data, sample, tuning
        self.last: Step | None = None
        self.centers: np.ndarray | None = None   # the centers of ``last``
        self.labels: da.Array | None = None
        self.runs: list[list[dict[str, Any]]] = []     # step infos of every run so far
        self.target = 0                    # points the current step's passes aim to list

    def cost(self, data: Any, centers: np.ndarray) -> np.ndarray:
        return centers                     # the workers compute the costs

    def _view(self, centers: np.ndarray, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Labels (m,) and `regrets` (m,) of the sample's reduced costs ``C - prices``, and their
        largest magnitude, computed in blocks of `_ROWS` rows: the client never holds the sample's
        (m, k) cost matrix."""
        X, w = self.sample.X, self.sample.w
        labels, regret, top = np.empty(X.shape[0], np.int64), np.empty(X.shape[0]), 0.0
        for at in range(0, X.shape[0], _ROWS):
            rows = slice(at, at + _ROWS)
            reduced = block_costs(X[rows], None if w is None else w[rows], centers) - prices
            labels[rows], regret[rows] = reduced.argmin(axis=1), regrets(reduced)
            top = max(top, float(np.abs(reduced).max(initial=0.0)))
        return labels, regret, top

    def _prices(self, centers: np.ndarray,
                warm: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, int, float | None, bool, float]:
        """Prices for a step, its boundary (k,), the number of points it aims to list, the cap of
        its gap histograms (a high quantile of the sample's regrets; None when the sample is all
        the data), whether the prices are new, and (warm prices) the points the sample's counts
        moved since the last step, scaled to n (0 without a last step).

        The warm prices are kept unless, on the client's sample, they would leave more than 2 % of
        the points (and well over the sampling noise) to move; then new prices come from the exact
        solve of the sample (under the sizes scaled to it; its costs on demand, `PointCosts`). The
        boundary lists about eight times the points expected to move (with warm prices the previous
        step's moves, or the sample's net count changes since that step if more (its own shift: the
        sample's bias, ~0.8 n sqrt(k / m) points over or under the sizes, cancels); with new ones
        ``sqrt(n k) / 2``; Newton passes correct the prices when the pass finds more)."""
        (m, k), n = (self.sample.X.shape[0], centers.shape[0]), self.data.n
        sizes = scaled_sizes(self.data.sizes, n, m)
        noise = 0.5 * n * np.sqrt(k / m) if m < n else 0.0
        view = None if warm is None else self._view(centers, warm)
        counts = None if view is None else np.bincount(view[0], minlength=k)
        excess = np.inf if counts is None else count_excess(counts, sizes) * n / m
        before = self._before(warm, k)
        fresh, shift = excess > max(_WARM_SHARE * n, 2 * noise), 0.0
        if fresh:
            cost = PointCosts(self.sample.X, centers, self.sample.w, checked=True)
            prices = DualSolver().solve(cost, self._sample_sizes(sizes, before), warm_start=warm).prices
            expected = 0.0 if m == n else 0.5 * np.sqrt(n * k)
            view = self._view(centers, prices)
        else:                              # the sample's own shift since the last step, else its excess
            shift = excess - noise if before is None else 0.5 * np.abs(counts - before).sum() * n / m
            prices, expected = warm, max(self.last.info["moves"], shift)
        self.target = self.tuning.boundary or int(min(max(128 * k, 8 * expected), _MAX_LISTED))
        labels, regret, top = view
        loose = regret[(regret > 0) & np.isfinite(regret)]
        cap = float(np.quantile(loose, _CAP)) if loose.size and m < n else None
        drift = 0.0 if fresh or before is None else shift
        return prices, self._boundary(labels, regret, top, sizes), self.target, cap, fresh, drift

    def _before(self, warm: np.ndarray | None, k: int) -> np.ndarray | None:
        """The sample's counts (k,) under the last step's centers and prices (None on a first step)."""
        if warm is None or self.last is None:
            return None
        return np.bincount(self._view(self.centers, self.last.prices)[0], minlength=k)

    def _sample_sizes(self, sizes: Sizes, before: np.ndarray | None) -> Sizes:
        """Sizes of the sample's solve: ``sizes`` (scaled to it), or, after a step of this run with
        exact sizes, the sample's counts under that step's centers and prices (``before``): the
        full counts met the sizes there, so these counts carry the sample's own bias per cluster
        (which changes little with the centers) and the solve's prices miss the sizes by less."""
        if before is None or not self.data.sizes.exact or (before == 0).any():
            return sizes
        return Sizes.from_counts(before)

    def _boundary(self, labels: np.ndarray, regret: np.ndarray, top: float, sizes: Sizes) -> np.ndarray:
        """Boundary (k,) of a pass that lists about ``self.target`` points, from the sample's labels
        (m,), `regrets` (m,) and largest reduced cost ``top`` (`_view`): a quantile of the
        (positive) regrets, and in a cluster the sample finds over- or under-full beyond its noise,
        four times that excess."""
        m, k, n = labels.shape[0], sizes.n_clusters, self.data.n
        loose = regret[(regret > 0) & np.isfinite(regret)]   # ~k sample points tied; inf with k = 1
        rho = np.full(k, float(np.quantile(loose, min(1.0, self.target / n))) if loose.size else 0.0)
        if self.tuning.boundary is None and m < n:
            counts = np.bincount(labels, minlength=k)
            off = np.maximum(counts - sizes.hi, 0) + np.maximum(sizes.lo - counts, 0) - 2 * np.sqrt(counts)
            for p in np.flatnonzero((off > 0) & (counts > 0)):
                share = min(1.0, 4 * off[p] / counts[p])
                rho[p] = max(rho[p], float(np.quantile(regret[labels == p], share)))
        tiny = 1e-12 * max(top, 1e-300)
        return np.where(rho > 0, rho, tiny)

    def assign(self, centers: np.ndarray, warm: np.ndarray | None) -> Assignment:
        if warm is None or self.last is None:
            self.labels = None
            self.runs.append([])
        begin = time.perf_counter()
        prices, rho, target, cap, fresh, drift = self._prices(centers, warm)
        step = assignment_step(self.data, centers, prices, self.labels, rho, 4 * target // len(rho), cap,
                               fresh, drift)
        self.last, self.labels, self.centers = step, step.labels, centers
        info = {**step.info, "seconds": time.perf_counter() - begin}
        self.runs[-1].append(info)
        return Assignment(StepLabels(step.labels, step), step.cost, step.counts, "dual",  # type: ignore[arg-type]
                          "OPTIMAL", step.prices, info)


def _update(data: Any, labels: StepLabels, centers: np.ndarray) -> np.ndarray:
    return means_from_sums(labels.step.sums, labels.step.mass, centers)


def fit_kmeans(data: DaskData, *, init: Any = "k-means++", n_init: int = 10, max_iter: int = 300,
               tol: float = 1e-6, random_state: Any = None, progress: Any = None,
               tuning: Tuning | None = None) -> SolveResult:
    """Fixed-size k-means of validated dask data (see `fsclust.FixedSizeKMeans.fit`).

    Returns
    -------
    SolveResult
        ``labels`` is a dask array chunked like the rows of ``data.X``; the rest is numpy.
    """
    as_int(n_init, "n_init", minimum=1)
    as_int(max_iter, "max_iter", minimum=1)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise fail("tol", "a float >= 0", tol)
    tuning = tuning or Tuning()
    rng = as_rng(random_state)     # the restarts draw their seeds from it as in memory; the sample
    sample = draw_sample(data, tuning.sample, np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0]))
    k = data.sizes.n_clusters
    _warm_workers(data)
    assigner = _Assigner(data, sample, tuning)
    seed = resolve_init(init, k, data.d, sample.w, scaled_sizes(data.sizes, data.n, sample.X.shape[0]))
    parts = Parts(cost=assigner.cost, update=_update, init=lambda _data, r: seed(sample.X, r),
                  assign=assigner.assign)
    start = time.perf_counter()
    restarts = run_restarts(data, parts, n_init=n_init, max_iter=max_iter, tol=float(tol), rng=rng,
                            progress=progress)
    run, steps = restarts.run, assigner.runs[restarts.best]
    run = replace(run, labels=run.labels.array if isinstance(run.labels, StepLabels) else run.labels,
                  history=[{**entry, **info} for entry, info in zip(run.history, steps, strict=False)])
    return result_from_restarts(Restarts(restarts.best, run, restarts.objectives), n_points=data.n,
                                solver="dual", max_iter=max_iter, seconds=time.perf_counter() - start)


def _warm_workers(data: DaskData) -> None:
    """Send `fsclust.distributed.blocks.warm_up` to every worker of the active dask.distributed
    client, not waiting for it (nothing without a client: the local scheduler runs in this
    process)."""
    try:
        from distributed import fire_and_forget, get_client

        client = get_client()
    except (ImportError, ValueError):
        return
    fire_and_forget([client.submit(warm_up, data.d, data.sizes.n_clusters, pure=False, workers=[address])
                     for address in client.scheduler_info()["workers"]])


def assign_points(data: DaskData, centers: np.ndarray, *, tuning: Tuning | None = None,
                  random_state: Any = 0) -> Step:
    """One optimal assignment of the dask points to fixed ``centers`` (k, d) under ``data.sizes``."""
    tuning = tuning or Tuning()
    sample = draw_sample(data, tuning.sample, as_rng(random_state))
    assigner = _Assigner(data, sample, tuning)
    assigner.assign(np.asarray(centers, dtype=np.float64), None)
    return assigner.last


def nearest(X: da.Array, centers: np.ndarray) -> da.Array:
    """Nearest center of every row of ``X`` (n,), chunked like its rows."""
    return X.map_blocks(nearest_block, centers, drop_axis=1, dtype=np.int64)


def certify(data: DaskData, labels: da.Array, centers: np.ndarray,
            prices: np.ndarray) -> tuple[float, float, float]:
    """``(gap, max |C|, total cost)`` of ``labels`` under ``prices`` over all points (one pass):
    the labels are optimal for their counts when ``gap`` is float noise."""
    parts = [dask.delayed(certify_block, pure=True)(x, w, lab, centers, prices)
             for (x, w, _), lab in zip(data.blocks(), labels.to_delayed(optimize_graph=False).tolist(),
                                       strict=True)]
    rows = np.array(dask.compute(*parts))
    return float(rows[:, 0].max()), float(rows[:, 1].max()), float(rows[:, 2].sum())
