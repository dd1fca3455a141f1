"""The estimators: `FixedSizeKMeans` and `FixedSizeKMedoids` on one base class."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from fsclust._validation import as_float_matrix, fail
from fsclust.assign import DEFAULT_SOLVER, AssignmentSolver
from fsclust.assign.costs import squared_distances
from fsclust.distributed import is_dask_array
from fsclust.engine.driver import medoid_problem, solve, solve_medoid_problem
from fsclust.engine.result import SolveResult
from fsclust.errors import ValidationError
from fsclust.models.predict import PREDICT_MODES, CapacityLedger, fitted_upper, predict_labels
from fsclust.problem.problem import Problem

__all__ = ["PREDICT_MODES", "FixedSizeKMeans", "FixedSizeKMedoids"]


class _FixedSizeEstimator:
    """What both estimators share: the parameter protocol, the fitted attributes, ``predict``
    under capacity modes and ``score``. Subclasses build the `Problem`, run the driver and give
    the cost of new points (`_predict_cost`)."""

    # scikit-learn parameter protocol ---------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        params = inspect.signature(cls.__init__).parameters
        return [name for name in params if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters, as scikit-learn's ``BaseEstimator.get_params``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> _FixedSizeEstimator:
        """Set constructor parameters; unknown names raise `ValidationError`."""
        for name, value in params.items():
            if name not in self._param_names():
                raise ValidationError(f"Invalid parameter {name!r} for {type(self).__name__}; "
                                      f"valid parameters are {self._param_names()}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        shown = [f"{k}={v!r}" for k, v in self.get_params().items()
                 if not _same(v, defaults[k].default)]
        return f"{type(self).__name__}({', '.join(shown)})"

    # fitting -------------------------------------------------------------------------------
    def _store(self, result: SolveResult, n_features: int, hi: np.ndarray | None) -> None:
        """Fitted attributes; ``hi`` (k,): the validated upper sizes (None for total-weight sizes)."""
        self.result_ = result
        self.labels_ = result.labels
        self.cluster_centers_ = result.centers
        self.inertia_ = result.objective
        self.mse_ = result.mse
        self.n_iter_ = result.n_iter
        self.sizes_ = result.counts
        self.n_features_in_ = n_features
        upper = None if hi is None else fitted_upper(hi, self.size_max)
        self._ledger = CapacityLedger(result.counts.copy(), upper)

    @property
    def remaining_capacity_(self) -> np.ndarray | None:
        """Places left per cluster (k,) for ``predict(X, capacity="remaining")`` (None when the
        sizes are total weights)."""
        left = self._ledger.left
        return None if left is None else left.copy()

    def reset_capacity(self, include_fit: bool = True) -> _FixedSizeEstimator:
        """Undo the ``capacity="remaining"`` predictions: the capacity left becomes the fitted
        ``size_max`` minus the fitted sizes (``include_fit=True``) or the whole fitted
        ``size_max`` (``include_fit=False``, e.g. to place a new population of the same size)."""
        self._check_fitted()
        self._ledger.reset(include_fit)
        return self

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit and return ``labels_`` (n,)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    # using a fitted model ------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "cluster_centers_"):
            raise ValidationError(f"This {type(self).__name__} instance is not fitted yet; "
                                  "call fit first")

    def _check_X(self, X: Any) -> np.ndarray:
        self._check_fitted()
        X = as_float_matrix(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise fail("X", f"an array with {self.n_features_in_} columns (as in fit)",
                       f"{X.shape[1]} columns")
        return X

    def fit_transform(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def predict(self, X: Any, *, capacity: str = "nearest") -> np.ndarray:
        """Cluster labels for new points ``X`` (m, d).

        Parameters
        ----------
        capacity : {"nearest", "proportional", "remaining"}, default "nearest"
            ``"nearest"``: each point to its nearest center, no size constraint.
            ``"proportional"``: an optimal assignment of the whole batch in which cluster j gets
            between ``floor(f_j m)`` and ``ceil(f_j m)`` points, ``f_j`` being its fitted share
            (so any batch size, even 1, is feasible).
            ``"remaining"``: an optimal assignment into the capacity left
            (`remaining_capacity_`: fitted ``size_max``, or exact size, minus the points placed
            by ``fit`` and earlier ``"remaining"`` calls), which it then consumes;
            `reset_capacity` restores it. Raises `InfeasibleError` when the batch does not fit.

        Returns
        -------
        ndarray of shape (m,)

        Raises
        ------
        ValidationError
            Unknown mode, wrong number of columns, or an unfitted model.
        InfeasibleError
            ``"remaining"`` with more points than places left.
        """
        if is_dask_array(X):
            self._check_fitted()
            from fsclust.distributed import estimator

            return estimator.predict(self.cluster_centers_, X, capacity, self._ledger)
        return predict_labels(self._predict_cost(X), capacity, self._ledger)

    def score(self, X: Any, y: Any = None) -> float:
        """Opposite of the SSE of ``X`` to its nearest centers (larger is better)."""
        if is_dask_array(X):
            self._check_fitted()
            from fsclust.distributed import estimator

            return estimator.score(self.cluster_centers_, X)
        return -float(self._predict_cost(X).min(axis=1).sum())

    def _predict_cost(self, X: Any) -> np.ndarray:
        """Costs (m, k) of new points ``X`` to the fitted clusters."""
        raise NotImplementedError


class FixedSizeKMeans(_FixedSizeEstimator):
    """K-means whose clusters have prescribed sizes (or size bounds).

    Every assignment step is an exact optimal assignment under the sizes (min-cost flow by
    default); the update step moves centers to cluster means. The best of ``n_init`` restarts
    is kept.

    Parameters
    ----------
    n_clusters : int, optional
        Number of clusters; inferred from ``sizes`` or array bounds when omitted. Alone it means
        balanced sizes (``n // k`` or ``n // k + 1``).
    sizes : array-like of shape (k,), optional
        Exact sizes (ints summing to n) or fractions summing to 1 (largest-remainder rounding).
    size_min, size_max : int or array-like of shape (k,), optional
        Per-cluster bounds instead of exact sizes.
    solver : str or AssignmentSolver, default "flow"
    init : {"k-means++", "random"}, ndarray of shape (k, d) or callable, default "k-means++"
    n_init : int, default 10
    max_iter : int, default 300
    tol : float, default 1e-6
        Relative objective decrease below which the iterations stop.
    random_state : None, int or numpy.random.Generator
    n_jobs : None or int, default None
        Worker threads for the restarts (``-1`` = all cores); results do not depend on it.
    local_search : {None, "exchange", "random_swap"}, default None
        Size-preserving local search applied to every restart (see `fsclust.solve`).
    local_search_budget : int, optional
        Exchange sweeps / random-swap trials per restart.
    local_search_seconds : float, optional
        Wall-clock limit of the local search per restart.
    size_unit : {"count", "weight"}, default "count"
        ``"count"``: sizes and bounds count points (``sample_weight`` only weights the objective
        and the means). ``"weight"``: ``sizes``/``size_min``/``size_max`` bound every cluster's
        total ``sample_weight`` (floats allowed); the assignment step is then NP-hard, solved by
        CP-SAT for small problems and by the LP-rounding heuristic otherwise (``solver`` picks
        ``"auto"``, ``"cpsat"`` or ``"lp-round"``; see `fsclust.assign.capacity.methods`).

    Attributes
    ----------
    labels_ : ndarray of shape (n,)
    cluster_centers_ : ndarray of shape (k, d)
    inertia_ : float
        Sum of (weighted) squared distances to the assigned centers (SSE).
    mse_ : float
        ``inertia_ / n``.
    n_iter_ : int
    sizes_ : ndarray of shape (k,)
        Points per cluster.
    result_ : SolveResult
    n_features_in_ : int
    remaining_capacity_ : ndarray of shape (k,) or None
        Places left for ``predict(X, capacity="remaining")``; see `reset_capacity`.

    Examples
    --------
    >>> import numpy as np
    >>> from fsclust import FixedSizeKMeans
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [9.0, 9.0], [9.0, 8.0], [8.0, 9.0]])
    >>> model = FixedSizeKMeans(sizes=[2, 4], n_init=2, random_state=0).fit(X)
    >>> sorted(model.sizes_.tolist())
    [2, 4]
    """

    def __init__(self, n_clusters: int | None = None, *, sizes: Any = None, size_min: Any = None,
                 size_max: Any = None, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
                 init: Any = "k-means++", n_init: int = 10, max_iter: int = 300,
                 tol: float = 1e-6, random_state: Any = None, n_jobs: int | None = None,
                 local_search: str | None = None, local_search_budget: int | None = None,
                 local_search_seconds: float | None = None, size_unit: str = "count") -> None:
        self.n_clusters = n_clusters
        self.sizes = sizes
        self.size_min = size_min
        self.size_max = size_max
        self.solver = solver
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.local_search = local_search
        self.local_search_budget = local_search_budget
        self.local_search_seconds = local_search_seconds
        self.size_unit = size_unit

    # fitting -------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> FixedSizeKMeans:
        """Cluster ``X`` (n, d) under the sizes; ``sample_weight`` (n,) weights the objective
        and the means (sizes count points, or total weight with ``size_unit="weight"``).

        With a ``dask.array.Array`` ``X`` (and ``sample_weight`` a dask array or array-like) the fit
        runs on the active ``dask.distributed`` client, or dask's local scheduler
        (`fsclust.distributed`): the same exact steps, and ``labels_`` is a dask array chunked like
        the rows of ``X``. ``solver`` must then be the default, ``"auto"`` or ``"dual"``.
        """
        if is_dask_array(X):
            from fsclust.distributed import estimator

            result, data = estimator.fit(self, X, sample_weight)
            self._store(result, data.d, data.sizes.hi)
            return self
        problem = Problem.create(X, n_clusters=self.n_clusters, sizes=self.sizes,
                                 size_min=self.size_min, size_max=self.size_max,
                                 sample_weight=sample_weight, size_unit=self.size_unit)
        result = solve(problem, solver=self.solver, init=self.init, n_init=self.n_init,
                       max_iter=self.max_iter, tol=self.tol, random_state=self.random_state,
                       n_jobs=self.n_jobs, local_search=self.local_search,
                       local_search_budget=self.local_search_budget,
                       local_search_seconds=self.local_search_seconds)
        self._store(result, problem.X.shape[1],
                    None if problem.weight_bounds is not None else problem.sizes.hi)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distances of ``X`` (m, d) to every center: shape (m, k) (a dask array for a
        dask ``X``)."""
        if is_dask_array(X):
            self._check_fitted()
            from fsclust.distributed import estimator

            return estimator.transform(self.cluster_centers_, X)
        return np.sqrt(squared_distances(self._check_X(X), self.cluster_centers_))

    def _predict_cost(self, X: Any) -> np.ndarray:
        """Costs (m, k) of new points ``X`` to the fitted clusters (squared distances)."""
        return squared_distances(self._check_X(X), self.cluster_centers_)


class FixedSizeKMedoids(_FixedSizeEstimator):
    """Fixed-size k-medoids on a precomputed dissimilarity matrix (``metric="precomputed"``).

    ``fit(X)`` takes the (n, n) matrix; ``predict(X)`` / ``transform(X)`` take the (m, n)
    dissimilarities of new points to the *training* points. Size parameters, ``size_unit``,
    ``sample_weight`` and the ``predict`` capacity modes are those of `FixedSizeKMeans`.

    Parameters
    ----------
    n_clusters, sizes, size_min, size_max, solver, n_init, max_iter, tol, random_state, n_jobs, size_unit
        As for `FixedSizeKMeans` (k-medoids has no local search).
    init : {"k-medoids++", "random"} or array of k distinct point indices

    Attributes
    ----------
    medoid_indices_ : ndarray of shape (k,)
        Training-point index of every cluster's medoid.
    cluster_centers_ : None
        There are no coordinates (as scikit-learn-extra's ``KMedoids`` with a precomputed metric).
    labels_, inertia_, mse_, n_iter_, sizes_, result_, n_features_in_
        As for `FixedSizeKMeans` (``inertia_`` is the weighted sum of dissimilarities).

    Examples
    --------
    >>> import numpy as np
    >>> from fsclust import FixedSizeKMedoids
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> model = FixedSizeKMedoids(sizes=[2, 4], random_state=0).fit(np.abs(x[:, None] - x))
    >>> sorted(model.sizes_.tolist())
    [2, 4]
    """

    def __init__(self, n_clusters: int | None = None, *, sizes: Any = None, size_min: Any = None,
                 size_max: Any = None, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
                 init: Any = "k-medoids++", n_init: int = 10, max_iter: int = 300,
                 tol: float = 1e-6, random_state: Any = None, n_jobs: int | None = None,
                 size_unit: str = "count") -> None:
        self.n_clusters = n_clusters
        self.sizes = sizes
        self.size_min = size_min
        self.size_max = size_max
        self.solver = solver
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.size_unit = size_unit

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> FixedSizeKMedoids:
        """Cluster the points of the (n, n) dissimilarity matrix ``X``."""
        if is_dask_array(X):
            raise fail("X", "an in-memory matrix (dask arrays are for FixedSizeKMeans)", "a dask array")
        problem = medoid_problem(X, n_clusters=self.n_clusters, sizes=self.sizes,
                                 size_min=self.size_min, size_max=self.size_max,
                                 sample_weight=sample_weight, size_unit=self.size_unit)
        result = solve_medoid_problem(problem, solver=self.solver, init=self.init,
                                      n_init=self.n_init, max_iter=self.max_iter, tol=self.tol,
                                      random_state=self.random_state, n_jobs=self.n_jobs)
        self._store(result, problem.X.shape[1],
                    None if problem.weight_bounds is not None else problem.sizes.hi)
        self.medoid_indices_ = result.centers
        self.cluster_centers_ = None
        return self

    def _predict_cost(self, X: Any) -> np.ndarray:
        """Dissimilarities (m, k) of new points to the medoids, from ``X`` (m, n_train)."""
        return self._check_X(X)[:, self.medoid_indices_]

    def transform(self, X: Any) -> np.ndarray:
        """Dissimilarities (m, k) of new points to every medoid, from ``X`` (m, n_train)."""
        return self._predict_cost(X)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a is b or a == b)
    except (ValueError, TypeError):
        return False
