"""Fixed-size k-medoids on precomputed dissimilarities: `solve_medoids` and `FixedSizeKMedoids`.

The steps are in `fsclust.medoids` (which also says when to prefer MDS + k-means); the loop,
restarts and assignment backends are the same as for k-means.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ._validation import as_rng
from .assign import DEFAULT_SOLVER, AssignmentSolver
from .capacity import CapacityMethod
from .engine import Parts, Run, run_restarts
from .estimator import FixedSizeKMeans
from .kmeans import _check_options, assignment_step, resolve_backend, result_from_runs
from .medoids import check_dissimilarities, medoid_cost, medoid_init, medoid_update
from .problem import Problem
from .result import SolveResult

__all__ = ["FixedSizeKMedoids", "medoid_parts", "medoid_problem", "solve_medoid_problem",
           "solve_medoids"]


def medoid_parts(problem: Problem, solver: AssignmentSolver | CapacityMethod, init: Any) -> Parts:
    """Engine parts for fixed-size k-medoids; ``problem.X`` is the validated (n, n) matrix."""
    weight = problem.sample_weight
    return Parts(
        cost=lambda D, medoids: medoid_cost(D, medoids, weight),
        update=lambda D, labels, medoids: medoid_update(D, labels, medoids, weight),
        init=medoid_init(init, problem.n_points, problem.n_clusters, weight),
        assign=assignment_step(problem, solver),
    )


def solve_medoids(dissimilarity: Any, *, n_clusters: int | None = None, sizes: Any = None,
                  size_min: Any = None, size_max: Any = None, sample_weight: Any = None,
                  size_unit: str = "count", solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
                  init: Any = "k-medoids++", n_init: int = 10, max_iter: int = 300,
                  tol: float = 1e-6, random_state: Any = None,
                  progress: Callable[[int, Run], None] | None = None) -> SolveResult:
    r"""Fixed-size k-medoids: minimise ``sum_i w_i D[i, m_{a_i}]`` under the cluster sizes.

    Parameters
    ----------
    dissimilarity : array-like of shape (n, n)
        Finite, non-negative, zero diagonal; ``D[i, j]`` is the cost of serving point i from
        medoid j (need not be symmetric).
    n_clusters, sizes, size_min, size_max, sample_weight, size_unit
        As for `Problem.create` (per-cluster bounds as arrays of shape (k,)).
    solver : str or AssignmentSolver, default "flow"
    init : {"k-medoids++", "random"} or array of k distinct point indices
    n_init, max_iter, tol, random_state, progress
        As for `fsclust.solve`.

    Returns
    -------
    SolveResult
        ``centers`` holds the medoid indices, shape (k,), int64.

    Raises
    ------
    ValidationError
        A malformed matrix (the message names the offending entry), bad sizes or options.
    InfeasibleError
        Sizes (or total-weight bounds) that no labelling meets.
    SolverError
        A backend failure.

    Examples
    --------
    >>> import numpy as np
    >>> from fsclust.kmedoids import solve_medoids
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> result = solve_medoids(np.abs(x[:, None] - x[None, :]), sizes=[3, 3], random_state=0)
    >>> sorted(result.centers.tolist()), result.objective
    ([1, 4], 4.0)
    """
    problem = medoid_problem(dissimilarity, n_clusters=n_clusters, sizes=sizes,
                             size_min=size_min, size_max=size_max, sample_weight=sample_weight,
                             size_unit=size_unit, param="dissimilarity")
    return solve_medoid_problem(problem, solver=solver, init=init, n_init=n_init,
                                max_iter=max_iter, tol=tol, random_state=random_state,
                                progress=progress)


def medoid_problem(dissimilarity: Any, *, param: str = "X", **sizes: Any) -> Problem:
    """Validate the (n, n) matrix (errors name ``param``) and the sizes into a `Problem`."""
    D = check_dissimilarities(dissimilarity, param)
    return Problem.create(D, **sizes)


def solve_medoid_problem(problem: Problem, *, solver: str | AssignmentSolver | None = DEFAULT_SOLVER,
                         init: Any = "k-medoids++", n_init: int = 10, max_iter: int = 300,
                         tol: float = 1e-6, random_state: Any = None,
                         progress: Callable[[int, Run], None] | None = None) -> SolveResult:
    """`solve_medoids` on a `Problem` from `medoid_problem`."""
    _check_options(n_init, max_iter, tol)
    backend = resolve_backend(problem, solver)
    parts = medoid_parts(problem, backend, init)
    start = time.perf_counter()
    best, runs = run_restarts(problem.X, parts, n_init=n_init, max_iter=max_iter, tol=float(tol),
                              rng=as_rng(random_state), progress=progress)
    return result_from_runs(runs, best, n_points=problem.n_points, solver=backend.name,
                            max_iter=max_iter, seconds=time.perf_counter() - start)


class FixedSizeKMedoids(FixedSizeKMeans):
    """Fixed-size k-medoids on a precomputed dissimilarity matrix (``metric="precomputed"``).

    ``fit(X)`` takes the (n, n) matrix; ``predict(X)`` / ``transform(X)`` take the (m, n)
    dissimilarities of new points to the *training* points. Size parameters, ``size_unit``,
    ``sample_weight`` and the ``predict`` capacity modes are those of `FixedSizeKMeans`.

    Parameters
    ----------
    n_clusters, sizes, size_min, size_max, solver, n_init, max_iter, tol, random_state, size_unit
        As for `FixedSizeKMeans`.
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
                 tol: float = 1e-6, random_state: Any = None, size_unit: str = "count") -> None:
        super().__init__(n_clusters, sizes=sizes, size_min=size_min, size_max=size_max,
                         solver=solver, init=init, n_init=n_init, max_iter=max_iter, tol=tol,
                         random_state=random_state, size_unit=size_unit)

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> FixedSizeKMedoids:
        """Cluster the points of the (n, n) dissimilarity matrix ``X``."""
        problem = medoid_problem(X, n_clusters=self.n_clusters, sizes=self.sizes,
                                 size_min=self.size_min, size_max=self.size_max,
                                 sample_weight=sample_weight, size_unit=self.size_unit)
        result = solve_medoid_problem(problem, solver=self.solver, init=self.init,
                                      n_init=self.n_init, max_iter=self.max_iter, tol=self.tol,
                                      random_state=self.random_state)
        self._store(result, problem)
        self.medoid_indices_ = result.centers
        self.cluster_centers_ = None
        return self

    def _predict_cost(self, X: Any) -> np.ndarray:
        """Dissimilarities (m, k) of new points to the medoids, from ``X`` (m, n_train)."""
        return self._check_X(X)[:, self.medoid_indices_]

    def transform(self, X: Any) -> np.ndarray:
        """Dissimilarities (m, k) of new points to every medoid, from ``X`` (m, n_train)."""
        return self._predict_cost(X)
