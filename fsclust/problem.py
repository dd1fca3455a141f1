"""`Problem`: the data and size constraints of a fixed-size clustering problem (no solver here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_float_matrix, as_weights
from .sizes import Sizes, resolve_sizes

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
    """

    X: np.ndarray
    sizes: Sizes
    sample_weight: np.ndarray | None = None

    @property
    def n_points(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_clusters(self) -> int:
        return self.sizes.n_clusters

    @classmethod
    def create(cls, X: Any, *, n_clusters: int | None = None, sizes: Any = None,
               size_min: Any = None, size_max: Any = None,
               sample_weight: Any = None) -> Problem:
        """Validate the inputs and build a `Problem`.

        Parameters
        ----------
        X : array-like of shape (n, d)
        n_clusters : int, optional
        sizes : array-like of shape (k,), optional
            Exact sizes or fractions (see `resolve_sizes`).
        size_min, size_max : int or array-like of shape (k,), optional
        sample_weight : array-like of shape (n,), optional

        Raises
        ------
        ValidationError, InfeasibleError
        """
        X = as_float_matrix(X, "X")
        resolved = resolve_sizes(X.shape[0], n_clusters=n_clusters, sizes=sizes,
                                 size_min=size_min, size_max=size_max)
        weight = None if sample_weight is None else as_weights(sample_weight, X.shape[0])
        return cls(X, resolved, weight)
