"""`Problem`: the data and size constraints of a fixed-size clustering problem (no solver here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fsclust._validation import as_float_matrix, as_weights
from fsclust.problem.links import Links, check_feasible, make_links
from fsclust.problem.sizes import Sizes, resolve_sizes
from fsclust.problem.weights import WeightBounds, weight_mode

__all__ = ["Problem"]


@dataclass(frozen=True, eq=False)
class Problem:
    """Points to cluster and the sizes the clusters must have.

    Build it with `Problem.create`, which validates; the fields are then trusted everywhere.

    Attributes
    ----------
    X : ndarray of shape (n, d)
    sizes : Sizes
    sample_weight : ndarray of shape (n,) or None
    links : Links or None
        Hard must-link / cannot-link constraints (None when there are none).
    weight_bounds : WeightBounds or None
        With ``size_unit="weight"``: bounds on every cluster's total weight (`fsclust.problem.weights`);
        ``sizes`` then only says 0..n points per cluster.
    """

    X: np.ndarray
    sizes: Sizes
    sample_weight: np.ndarray | None = None
    links: Links | None = None
    weight_bounds: WeightBounds | None = None

    @property
    def n_points(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_clusters(self) -> int:
        return self.sizes.n_clusters

    @classmethod
    def create(cls, X: Any, *, n_clusters: int | None = None, sizes: Any = None,
               size_min: Any = None, size_max: Any = None,
               sample_weight: Any = None, must_link: Any = None, cannot_link: Any = None,
               point_names: Any = None, size_unit: str = "count") -> Problem:
        """Validate the inputs and build a `Problem`.

        Parameters
        ----------
        X : array-like of shape (n, d)
        n_clusters : int, optional
        sizes : array-like of shape (k,), optional
            Exact sizes or fractions (see `resolve_sizes`).
        size_min, size_max : int or array-like of shape (k,), optional
        sample_weight : array-like of shape (n,), optional
        must_link, cannot_link : list of list of int, optional
            Hard constraints by point index (see `constraints.make_links`): every must-link
            group shares a cluster; the points of a cannot-link list are in different clusters.
        point_names : list of str, optional
            Names used in constraint error messages.
        size_unit : {"count", "weight"}, default "count"
            What ``sizes``/``size_min``/``size_max`` measure: numbers of points, or total
            ``sample_weight`` per cluster (NP-hard assignment; see `fsclust.assign.capacity.methods`).

        Raises
        ------
        ValidationError, InfeasibleError
        """
        X = as_float_matrix(X, "X")
        by_weight = weight_mode(X.shape[0], sample_weight, size_unit=size_unit,
                                n_clusters=n_clusters, sizes=sizes, size_min=size_min,
                                size_max=size_max, has_links=bool(must_link or cannot_link))
        if by_weight[2] is not None:
            return cls(X, by_weight[0], by_weight[1], weight_bounds=by_weight[2])
        resolved = resolve_sizes(X.shape[0], n_clusters=n_clusters, sizes=sizes,
                                 size_min=size_min, size_max=size_max)
        weight = None if sample_weight is None else as_weights(sample_weight, X.shape[0])
        links = None
        if must_link or cannot_link:
            links = make_links(X.shape[0], must_link, cannot_link, names=point_names)
            check_feasible(links, resolved)
        return cls(X, resolved, weight, links)
