"""`FixedSizeKMeans`: fixed-size k-means as a scikit-learn-style estimator."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ._validation import as_float_matrix, fail
from .assign import DEFAULT_SOLVER, AssignmentSolver, assign
from .costs import squared_distances
from .errors import ValidationError
from .kmeans import solve
from .problem import Problem
from .result import SolveResult

__all__ = ["FixedSizeKMeans"]

PREDICT_MODES = ("nearest", "proportional")


class FixedSizeKMeans:
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
                 tol: float = 1e-6, random_state: Any = None) -> None:
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

    # scikit-learn parameter protocol ---------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        params = inspect.signature(cls.__init__).parameters
        return [name for name in params if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters, as scikit-learn's ``BaseEstimator.get_params``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> FixedSizeKMeans:
        """Set constructor parameters; unknown names raise `ValidationError`."""
        for name, value in params.items():
            if name not in self._param_names():
                raise ValidationError(f"Invalid parameter {name!r} for FixedSizeKMeans; "
                                      f"valid parameters are {self._param_names()}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        shown = [f"{k}={v!r}" for k, v in self.get_params().items()
                 if not _same(v, defaults[k].default)]
        return f"FixedSizeKMeans({', '.join(shown)})"

    # fitting -------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> FixedSizeKMeans:
        """Cluster ``X`` (n, d) under the sizes; ``sample_weight`` (n,) weights the objective
        and the means (sizes still count points)."""
        problem = Problem.create(X, n_clusters=self.n_clusters, sizes=self.sizes,
                                 size_min=self.size_min, size_max=self.size_max,
                                 sample_weight=sample_weight)
        result = solve(problem, solver=self.solver, init=self.init, n_init=self.n_init,
                       max_iter=self.max_iter, tol=self.tol, random_state=self.random_state)
        self._store(result, problem)
        return self

    def _store(self, result: SolveResult, problem: Problem) -> None:
        self.result_ = result
        self.labels_ = result.labels
        self.cluster_centers_ = result.centers
        self.inertia_ = result.objective
        self.mse_ = result.mse
        self.n_iter_ = result.n_iter
        self.sizes_ = result.counts
        self.n_features_in_ = problem.X.shape[1]

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit and return ``labels_`` (n,)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    # using a fitted model ------------------------------------------------------------------
    def _check_X(self, X: Any) -> np.ndarray:
        if not hasattr(self, "cluster_centers_"):
            raise ValidationError("This FixedSizeKMeans instance is not fitted yet; call fit first")
        X = as_float_matrix(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise fail("X", f"an array with {self.n_features_in_} columns (as in fit)",
                       f"{X.shape[1]} columns")
        return X

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distances of ``X`` (m, d) to every center: shape (m, k)."""
        return np.sqrt(squared_distances(self._check_X(X), self.cluster_centers_))

    def fit_transform(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def predict(self, X: Any, *, capacity: str = "nearest") -> np.ndarray:
        """Cluster labels for new points ``X`` (m, d).

        Parameters
        ----------
        capacity : {"nearest", "proportional"}, default "nearest"
            ``"nearest"``: each point to its nearest center, no size constraint.
            ``"proportional"``: an optimal assignment of the whole batch in which cluster j gets
            between ``floor(f_j m)`` and ``ceil(f_j m)`` points, ``f_j`` being its fitted share
            (so any batch size, even 1, is feasible).

        Returns
        -------
        ndarray of shape (m,)
        """
        X = self._check_X(X)
        cost = squared_distances(X, self.cluster_centers_)
        if capacity == "nearest":
            return cost.argmin(axis=1)
        if capacity == "proportional":
            share = self.sizes_ / self.sizes_.sum() * X.shape[0]
            low, high = np.floor(share + 1e-9), np.ceil(share - 1e-9)
            return assign(cost, size_min=low.astype(np.int64), size_max=high.astype(np.int64),
                          solver="flow").labels
        raise fail("capacity", f"one of {list(PREDICT_MODES)}", capacity)

    def score(self, X: Any, y: Any = None) -> float:
        """Opposite of the SSE of ``X`` to its nearest centers (larger is better)."""
        return -float(squared_distances(self._check_X(X), self.cluster_centers_).min(axis=1).sum())


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a is b or a == b)
    except (ValueError, TypeError):
        return False
