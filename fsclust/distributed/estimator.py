"""`FixedSizeKMeans` on dask arrays: fit, predict, transform and score (called lazily by
`fsclust.estimators` when ``X`` is a ``dask.array.Array``)."""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np

from fsclust._validation import fail
from fsclust.assign import DEFAULT_SOLVER
from fsclust.assign.costs import squared_distances
from fsclust.distributed.data import DaskData, as_dask_points, prepare
from fsclust.distributed.fit import assign_points, fit_kmeans, nearest
from fsclust.engine.result import SolveResult
from fsclust.models.predict import CapacityLedger, check_mode, proportional_bounds, remaining_bounds
from fsclust.problem.sizes import Sizes

__all__ = ["DASK_SOLVERS", "fit", "predict", "score", "transform"]

DASK_SOLVERS = (DEFAULT_SOLVER, "auto", "dual")   # the step is the k-node dual whichever is named


def _check(model: Any) -> None:
    """Raise `ValidationError` for options the dask route does not have."""
    if not isinstance(model.solver, str) or model.solver not in DASK_SOLVERS:
        raise fail("solver", f"one of {list(DASK_SOLVERS)} with a dask array (its assignment step is "
                   "the distributed k-node dual)", model.solver)
    if model.size_unit != "count":
        raise fail("size_unit", "'count' with a dask array", model.size_unit)
    if model.local_search is not None:
        raise fail("local_search", "None with a dask array", model.local_search)


def fit(model: Any, X: da.Array, sample_weight: Any = None,
        progress: Any = None) -> tuple[SolveResult, DaskData]:
    """Fit the estimator's parameters on dask ``X``; returns the result and the validated data."""
    _check(model)
    data = prepare(X, sample_weight=sample_weight, n_clusters=model._n_clusters(), sizes=model.sizes,
                   size_min=model.size_min, size_max=model.size_max)
    result = fit_kmeans(data, init=model.init, n_init=model.n_init, max_iter=model.max_iter,
                        tol=model.tol, random_state=model.random_state, progress=progress)
    return result, data


def _points(X: da.Array, d: int) -> da.Array:
    X = as_dask_points(X)
    if X.shape[1] != d:
        raise fail("X", f"an array with {d} columns (as in fit)", f"{X.shape[1]} columns")
    return X


def predict(centers: np.ndarray, X: da.Array, capacity: str, ledger: CapacityLedger) -> da.Array:
    """Labels (m,) of dask ``X`` under a ``capacity`` mode, chunked like its rows."""
    check_mode(capacity)
    X = _points(X, centers.shape[1])
    if capacity == "nearest":
        return nearest(X, centers)
    bounds = proportional_bounds if capacity == "proportional" else remaining_bounds
    lo, hi = bounds(ledger, int(X.shape[0]))
    step = assign_points(DaskData(X, None, Sizes(lo, hi)), centers)
    if capacity == "remaining":
        ledger.left = ledger.left - step.counts
    return step.labels


def _distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return squared_distances(X, centers)


def transform(centers: np.ndarray, X: da.Array) -> da.Array:
    """Euclidean distances (m, k) of dask ``X`` to the centers, chunked like its rows."""
    X = _points(X, centers.shape[1])
    return da.sqrt(X.map_blocks(_distances, centers, chunks=(X.chunks[0], (centers.shape[0],)),
                                dtype=np.float64))


def score(centers: np.ndarray, X: da.Array) -> float:
    """Opposite of the SSE of dask ``X`` to its nearest centers."""
    X = _points(X, centers.shape[1])
    costs = X.map_blocks(_distances, centers, chunks=(X.chunks[0], (centers.shape[0],)), dtype=np.float64)
    return -float(costs.min(axis=1).sum().compute())
