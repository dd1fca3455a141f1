"""The estimators: `FixedSizeKMeans` and `FixedSizeKMedoids` on one base class."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any, ClassVar, TypeVar

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils._param_validation import HasMethods, Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from fsclust._validation import as_weights, fail
from fsclust.assign import DEFAULT_SOLVER, AssignmentSolver
from fsclust.assign.costs import squared_distances
from fsclust.distributed import is_dask_array
from fsclust.engine.driver import medoid_problem, solve, solve_medoid_problem
from fsclust.engine.result import SolveResult
from fsclust.errors import FsclustError, ValidationError
from fsclust.models.predict import PREDICT_MODES, CapacityLedger, fitted_upper, predict_labels
from fsclust.problem.problem import Problem

__all__ = ["PREDICT_MODES", "FixedSizeKMeans", "FixedSizeKMedoids", "NotFittedError", "ParameterError"]

T = TypeVar("T")


class ParameterError(ValidationError, InvalidParameterError):
    """A constructor parameter breaks its constraint (scikit-learn's `InvalidParameterError`
    and fsclust's `ValidationError` at once)."""


class NotFittedError(ValidationError, SklearnNotFittedError):
    """A method that needs a fitted model was called before ``fit`` (scikit-learn's
    `NotFittedError` and fsclust's `ValidationError` at once)."""


def _keep_params(estimator: BaseEstimator, params: dict[str, Any]) -> None:
    """Store every constructor argument unchanged, as scikit-learn requires (``params`` is the
    constructor's ``locals()``)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def _check_fitted(estimator: BaseEstimator) -> None:
    try:
        check_is_fitted(estimator)
    except SklearnNotFittedError as exc:
        raise NotFittedError(str(exc)) from None


class _InputTypeError(ValidationError, TypeError):
    """Input of an unsupported type (e.g. a sparse matrix), as scikit-learn's TypeError."""


def _checked(check: Callable[[], T]) -> T:
    """Run a scikit-learn validation; its ValueError / TypeError leave as `ValidationError`."""
    try:
        return check()
    except FsclustError:
        raise
    except TypeError as exc:
        raise _InputTypeError(str(exc)) from None
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class _FixedSizeEstimator(ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin,
                          BaseEstimator):
    """What both estimators share, on scikit-learn's `BaseEstimator`: parameter validation, input
    validation (`validate_data`), the fitted attributes, ``predict`` under capacity modes,
    ``score`` and the feature-name protocol. Subclasses build the `Problem` (`_problem`), run
    the engine driver (`_solve`) and give the cost of new points (`_predict_cost`)."""

    _input_checks: ClassVar[dict[str, Any]] = {}       # extra `check_array` rules for ``X``
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_clusters": [Interval(Integral, 1, None, closed="left"), None],
        "sizes": ["array-like", None],
        "size_min": [Interval(Real, 0, None, closed="left"), "array-like", None],
        "size_max": [Interval(Real, 0, None, closed="left"), "array-like", None],
        "solver": [str, HasMethods(["solve", "is_available"]), None],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
        "n_jobs": [Integral, None],
        "size_unit": [StrOptions({"count", "weight"})],
        "capacity_method": [StrOptions({"auto", "cpsat", "lp-round"})],
        "verbose": ["verbose"],
    }

    def set_params(self, **params: Any) -> _FixedSizeEstimator:
        """Set parameters (scikit-learn's protocol); an unknown name is a `ValidationError`.

        Parameters
        ----------
        **params
            Parameter values by name.

        Returns
        -------
        self
        """
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        for name, value in params.items():
            if name not in names:
                raise fail(name, f"a parameter of {type(self).__name__} (one of {names})", value)
        return super().set_params(**params)

    def _validate_params(self) -> None:
        """scikit-learn's parameter validation; its errors are `ValidationError` too."""
        try:
            super()._validate_params()
        except InvalidParameterError as exc:
            raise ParameterError(str(exc)) from None

    # fitting -------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> _FixedSizeEstimator:
        """Cluster ``X`` under the sizes.

        Parameters
        ----------
        X : array-like of shape (n, d)
            The points (k-medoids: the (n, n) dissimilarity matrix).
        y : None
            Ignored (scikit-learn convention).
        sample_weight : array-like of shape (n,), optional
            Weights >= 0 (not all zero) of the objective and the means; with
            ``size_unit="weight"`` also what the sizes bound. A zero-weight point still takes
            a seat (it counts in the sizes); a cluster whose weights are all zero keeps its
            center.

        Returns
        -------
        self
        """
        self._validate_params()
        if is_dask_array(X):
            return self._fit_dask(X, sample_weight)
        X = self._validated(X, reset=True)
        weight = None if sample_weight is None else as_weights(sample_weight, X.shape[0])
        problem = self._problem(X.astype(np.float64, copy=False), weight)
        self._store(self._solve(problem), problem, X.dtype)
        return self

    def _n_clusters(self) -> int | None:
        """``n_clusters``; when None, 8 (as scikit-learn's KMeans) unless ``sizes`` or array
        bounds fix the number of clusters."""
        if self.n_clusters is not None:
            return int(self.n_clusters)
        arrays = (self.sizes, self.size_min, self.size_max)
        return None if any(np.ndim(a) == 1 for a in arrays if a is not None) else 8

    def _sizes(self, n: int) -> dict[str, Any]:
        """The size keywords of `Problem.create`, after checking there are enough points."""
        k = self._n_clusters()
        if k is not None and n < k:
            raise ValidationError(f"n_samples={n} should be >= n_clusters={k}.")
        return {"n_clusters": k, "sizes": self.sizes, "size_min": self.size_min,
                "size_max": self.size_max, "size_unit": self.size_unit}

    def _fit_dask(self, X: Any, sample_weight: Any) -> _FixedSizeEstimator:
        """The fit on a dask array (`fsclust.distributed`; only `FixedSizeKMeans` has one)."""
        raise fail("X", f"an in-memory array (dask arrays are for FixedSizeKMeans, not "
                   f"{type(self).__name__})", X, detail="a dask array")

    def _store(self, result: SolveResult, problem: Problem, dtype: np.dtype) -> None:
        hi = None if problem.weight_bounds is not None else problem.sizes.hi
        self._store_result(result, problem.n_clusters, hi, dtype)

    def _store_result(self, result: SolveResult, k: int, hi: np.ndarray | None,
                      dtype: np.dtype) -> None:
        """The fitted attributes and the capacity ledger; ``hi`` (k,): the upper sizes (None for
        total-weight sizes); centers in the dtype of ``X``."""
        self.result_ = result
        self.labels_ = result.labels
        self.cluster_centers_ = (result.centers.astype(dtype, copy=False)
                                 if result.centers.ndim == 2 else None)
        self.inertia_ = result.objective
        self.mse_ = result.mse
        self.n_iter_ = result.n_iter
        self.sizes_ = result.counts
        self._n_features_out = k
        upper = None if hi is None else fitted_upper(hi, self.size_max)
        self._ledger = CapacityLedger(result.counts.copy(), upper)

    @property
    def remaining_capacity_(self) -> np.ndarray | None:
        """Places left per cluster (k,) for ``predict(X, capacity="remaining")`` (None when the
        sizes are total weights)."""
        _check_fitted(self)
        left = self._ledger.left
        return None if left is None else left.copy()

    def reset_capacity(self, include_fit: bool = True) -> _FixedSizeEstimator:
        """Undo the ``capacity="remaining"`` predictions.

        Parameters
        ----------
        include_fit : bool, default True
            True: the capacity left becomes the fitted ``size_max`` minus the fitted sizes.
            False: the whole fitted ``size_max`` (e.g. to place a new population of the same
            size).

        Returns
        -------
        self
        """
        _check_fitted(self)
        self._ledger.reset(include_fit)
        return self

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit and return ``labels_``.

        Parameters
        ----------
        X, y, sample_weight
            As for `fit`.

        Returns
        -------
        ndarray of shape (n,)
        """
        return self.fit(X, sample_weight=sample_weight).labels_

    def fit_transform(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit, then `transform` ``X``.

        Parameters
        ----------
        X, y, sample_weight
            As for `fit`.

        Returns
        -------
        ndarray of shape (n, k)
        """
        return self.fit(X, sample_weight=sample_weight).transform(X)

    # using a fitted model ------------------------------------------------------------------
    def _validated(self, X: Any, *, reset: bool) -> np.ndarray:
        """`validate_data` (finite float64/float32, feature names and count), errors as
        `ValidationError`."""
        return _checked(lambda: validate_data(self, X, reset=reset, dtype=[np.float64, np.float32],
                                              **self._input_checks))

    def _check_X(self, X: Any) -> np.ndarray:
        _check_fitted(self)
        return self._validated(X, reset=False)

    def predict(self, X: Any, *, capacity: str = "nearest") -> np.ndarray:
        """Cluster labels for new points ``X`` (m, d).

        Parameters
        ----------
        X : array-like of shape (m, d)
            New points (k-medoids: their (m, n_train) dissimilarities to the training points).
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
        NotFittedError
            The model is not fitted (a subclass of scikit-learn's `NotFittedError` and of
            `ValidationError`).
        ValidationError
            Unknown mode, or ``X`` with other features than in ``fit``.
        InfeasibleError
            ``"remaining"`` with more points than places left.
        """
        if is_dask_array(X):
            from fsclust.distributed import estimator

            _check_fitted(self)
            return estimator.predict(self.cluster_centers_, X, capacity, self._ledger)
        return predict_labels(self._predict_cost(X), capacity, self._ledger)

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Opposite of the (weighted) objective of ``X`` at its nearest centers.

        Parameters
        ----------
        X : array-like of shape (m, d)
        y : None
            Ignored.
        sample_weight : array-like of shape (m,), optional

        Returns
        -------
        float
            ``-sum_i w_i min_j cost(x_i, j)`` (larger is better).
        """
        if is_dask_array(X) and sample_weight is None:
            from fsclust.distributed import estimator

            _check_fitted(self)
            return estimator.score(self.cluster_centers_, X)
        cost = self._predict_cost(X).min(axis=1)
        weight = None if sample_weight is None else as_weights(sample_weight, cost.shape[0])
        return -float(cost.sum() if weight is None else cost @ weight)

    def _predict_cost(self, X: Any) -> np.ndarray:
        """Costs (m, k) of new points ``X`` to the fitted clusters."""
        raise NotImplementedError

    def _problem(self, X: np.ndarray, sample_weight: np.ndarray | None) -> Problem:
        raise NotImplementedError

    def _solve(self, problem: Problem) -> SolveResult:
        raise NotImplementedError


class FixedSizeKMeans(_FixedSizeEstimator):
    """K-means whose clusters have prescribed sizes (or size bounds).

    Every assignment step is an exact optimal assignment under the sizes (min-cost flow by
    default); the update step moves centers to cluster means. The best of ``n_init`` restarts
    is kept.

    Parameters
    ----------
    n_clusters : int, optional
        Number of clusters. When None (the default) it is the length of ``sizes`` or of array
        bounds, and otherwise 8 (as scikit-learn's ``KMeans``). Alone it means balanced sizes
        (``n // k`` or ``n // k + 1``).
    sizes : array-like of shape (k,), optional
        Exact sizes (ints summing to n) or fractions summing to 1 (largest-remainder rounding).
    size_min, size_max : int or array-like of shape (k,), optional
        Per-cluster bounds instead of exact sizes.
    solver : str or AssignmentSolver, default "auto"
        Count-assignment backend: a name from `fsclust.solver_names` or ``"auto"``. With
        ``size_unit="weight"`` leave it at its default (or ``"auto"``): ``capacity_method``
        chooses the assignment method there, and any other value is a `ValidationError`.
    init : {"k-means++", "random", "size-aware"}, ndarray of shape (k, d) or callable, default "k-means++"
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
        the method ``capacity_method`` names.
    capacity_method : {"auto", "cpsat", "lp-round"}, default "auto"
        Assignment method for ``size_unit="weight"`` (`fsclust.assign.capacity.methods`):
        ``"cpsat"`` is exact (CP-SAT), ``"lp-round"`` an LP-rounding heuristic, ``"auto"`` the
        former when ``n * k <= 1000``. Must be ``"auto"`` with ``size_unit="count"``.
    verbose : int, default 0
        Print one line per iteration (iteration, objective, points moved, seconds) when > 0.

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
    feature_names_in_ : ndarray of shape (d,)
        Column names of ``X`` when it is a DataFrame with string column names.
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

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_FixedSizeEstimator._parameter_constraints,
        "init": [StrOptions({"k-means++", "random", "size-aware"}), "array-like", callable],
        "local_search": [StrOptions({"exchange", "random_swap"}), None],
        "local_search_budget": [Interval(Integral, 1, None, closed="left"), None],
        "local_search_seconds": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, n_clusters: int | None = None, *, sizes: Any = None, size_min: Any = None,
                 size_max: Any = None, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
                 init: Any = "k-means++", n_init: int = 10, max_iter: int = 300,
                 tol: float = 1e-6, random_state: Any = None, n_jobs: int | None = None,
                 local_search: str | None = None, local_search_budget: int | None = None,
                 local_search_seconds: float | None = None, size_unit: str = "count",
                 capacity_method: str = "auto", verbose: int = 0) -> None:
        _keep_params(self, locals())

    def _problem(self, X: np.ndarray, sample_weight: np.ndarray | None) -> Problem:
        return Problem.create(X, sample_weight=sample_weight, **self._sizes(X.shape[0]))

    def _fit_dask(self, X: Any, sample_weight: Any) -> FixedSizeKMeans:
        """With a ``dask.array.Array`` ``X`` (and ``sample_weight`` a dask array or array-like)
        the fit runs on the active ``dask.distributed`` client, or dask's local scheduler
        (`fsclust.distributed`): the same exact steps; ``labels_`` is a dask array chunked like
        the rows of ``X``."""
        from fsclust.distributed import estimator

        result, data = estimator.fit(self, X, sample_weight)
        self.n_features_in_ = data.d
        self._store_result(result, data.sizes.hi.shape[0], data.sizes.hi, result.centers.dtype)
        return self

    def _solve(self, problem: Problem) -> SolveResult:
        return solve(problem, solver=self.solver, capacity_method=self.capacity_method,
                     init=self.init, n_init=self.n_init, max_iter=self.max_iter, tol=self.tol,
                     random_state=self.random_state, n_jobs=self.n_jobs,
                     local_search=self.local_search,
                     local_search_budget=self.local_search_budget,
                     local_search_seconds=self.local_search_seconds,
                     verbose=self.verbose)

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distances of new points to every center.

        Parameters
        ----------
        X : array-like of shape (m, d)

        Returns
        -------
        ndarray of shape (m, k)
            In the dtype of the fitted centers (float32 stays float32).
        """
        if is_dask_array(X):
            from fsclust.distributed import estimator

            _check_fitted(self)
            return estimator.transform(self.cluster_centers_, X)
        X = self._check_X(X)
        distances = np.sqrt(squared_distances(X.astype(np.float64, copy=False),
                                              self.cluster_centers_.astype(np.float64)))
        return distances.astype(self.cluster_centers_.dtype, copy=False)

    def _predict_cost(self, X: Any) -> np.ndarray:
        """Costs (m, k) of new points ``X`` to the fitted clusters (squared distances)."""
        X = self._check_X(X).astype(np.float64, copy=False)
        return squared_distances(X, self.cluster_centers_.astype(np.float64))


class FixedSizeKMedoids(_FixedSizeEstimator):
    """Fixed-size k-medoids on a precomputed dissimilarity matrix (``metric="precomputed"``).

    ``fit(X)`` takes the (n, n) matrix; ``predict(X)`` / ``transform(X)`` take the (m, n)
    dissimilarities of new points to the *training* points. Size parameters, ``size_unit``,
    ``sample_weight`` and the ``predict`` capacity modes are those of `FixedSizeKMeans`.

    Parameters
    ----------
    n_clusters, sizes, size_min, size_max, solver, n_init, max_iter, tol, random_state, n_jobs
        As for `FixedSizeKMeans` (k-medoids has no local search).
    size_unit, capacity_method, verbose
        As for `FixedSizeKMeans`.
    init : {"k-medoids++", "random"} or array of k distinct point indices
    metric : {"precomputed"}, default "precomputed"
        ``X`` is the dissimilarity matrix itself (scikit-learn's convention for pairwise
        estimators; the ``pairwise`` tag is set).

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

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_FixedSizeEstimator._parameter_constraints,
        "init": [StrOptions({"k-medoids++", "random"}), "array-like"],
        "metric": [StrOptions({"precomputed"})],
    }
    _input_checks: ClassVar[dict[str, Any]] = {"ensure_non_negative": True}

    def __init__(self, n_clusters: int | None = None, *, sizes: Any = None, size_min: Any = None,
                 size_max: Any = None, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
                 init: Any = "k-medoids++", n_init: int = 10, max_iter: int = 300,
                 tol: float = 1e-6, random_state: Any = None, n_jobs: int | None = None,
                 size_unit: str = "count", capacity_method: str = "auto", verbose: int = 0,
                 metric: str = "precomputed") -> None:
        _keep_params(self, locals())

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> FixedSizeKMedoids:
        """Cluster the points of the (n, n) dissimilarity matrix ``X``.

        Parameters
        ----------
        X : array-like of shape (n, n)
            ``X[i, j]``: the cost of serving point i from medoid j (finite, >= 0, zero diagonal).
        y : None
            Ignored.
        sample_weight : array-like of shape (n,), optional
            As for `FixedSizeKMeans.fit`.

        Returns
        -------
        self
        """
        super().fit(X, sample_weight=sample_weight)
        self.medoid_indices_ = self.result_.centers
        return self

    def _problem(self, X: np.ndarray, sample_weight: np.ndarray | None) -> Problem:
        return medoid_problem(X, sample_weight=sample_weight, **self._sizes(X.shape[0]))

    def _solve(self, problem: Problem) -> SolveResult:
        return solve_medoid_problem(problem, solver=self.solver,
                                    capacity_method=self.capacity_method, init=self.init,
                                    n_init=self.n_init, max_iter=self.max_iter, tol=self.tol,
                                    random_state=self.random_state, n_jobs=self.n_jobs,
                                    verbose=self.verbose)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = True
        tags.input_tags.positive_only = True      # dissimilarities are >= 0
        return tags

    def _predict_cost(self, X: Any) -> np.ndarray:
        """Dissimilarities (m, k) of new points to the medoids, from ``X`` (m, n_train)."""
        return self._check_X(X).astype(np.float64, copy=False)[:, self.medoid_indices_]

    def transform(self, X: Any) -> np.ndarray:
        """Dissimilarities of new points to every medoid.

        Parameters
        ----------
        X : array-like of shape (m, n_train)
            Dissimilarities of the new points to the training points.

        Returns
        -------
        ndarray of shape (m, k)
        """
        return self._predict_cost(X)

