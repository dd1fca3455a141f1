r"""Classical (Torgerson) multidimensional scaling: embed a distance matrix in Euclidean space.

With :math:`D^{(2)}` the squared distances and :math:`J = I - \frac{1}{n} 1 1^T`, the Gram matrix
:math:`B = -\frac{1}{2} J D^{(2)} J` is eigendecomposed; the embedding is
:math:`X = V_m \Lambda_m^{1/2}` for the ``m`` largest (positive) eigenvalues. When the distances
are Euclidean, all non-zero eigenvalues are positive and the embedding reproduces them exactly;
otherwise the negative eigenvalues measure how far they are from Euclidean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fsclust._validation import MAX_TOTAL, fail

__all__ = ["MDSResult", "check_mds_scale", "classical_mds", "max_mds_distance", "pairwise_distances"]


@dataclass(frozen=True, eq=False)
class MDSResult:
    """A classical MDS embedding and how faithful it is.

    Attributes
    ----------
    X : ndarray of shape (n, m)
        Coordinates; columns ordered by decreasing eigenvalue (first two = the main plot axes).
    eigenvalues : ndarray of shape (n,)
        All eigenvalues of the double-centred Gram matrix, in decreasing order.
    stress : float
        Kruskal's stress-1, ``sqrt(sum (d - d_hat)^2 / sum d^2)`` over pairs (0 = exact).
    lost_variance : float
        Share of the eigenvalue mass ``sum |lambda|`` that the kept components do not carry.
    """

    X: np.ndarray
    eigenvalues: np.ndarray
    stress: float
    lost_variance: float

    @property
    def n_components(self) -> int:
        return int(self.X.shape[1])

    def describe(self) -> str:
        """One line for reports."""
        negative = int((self.eigenvalues < -self._tol()).sum())
        return (f"classical MDS: {self.n_components} dimension(s), stress {self.stress:.4f}, "
                f"lost variance {100 * self.lost_variance:.2f}%, {negative} negative eigenvalue(s)")

    def _tol(self) -> float:
        return 1e-9 * max(float(np.abs(self.eigenvalues).max(initial=0.0)), 1e-300)


def pairwise_distances(X: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``X`` (n, d) -> (n, n), exactly symmetric."""
    sq = np.einsum("ij,ij->i", X, X)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (X @ X.T), 0.0)
    d = np.sqrt(d2)
    d = (d + d.T) / 2.0
    np.fill_diagonal(d, 0.0)
    return d


def max_mds_distance(n: int) -> float:
    """Largest distance `classical_mds` accepts for n points: ``sqrt(MAX_TOTAL / 4) / n``
    (5e149 / n). Squared and summed over n points it stays finite, and so do the embedding's
    squared norms (at most ``n / 2`` times the largest squared distance) and k-means on it."""
    return float(np.sqrt(MAX_TOTAL / 4.0)) / max(n, 1)


def check_mds_scale(distances: np.ndarray, param: str = "distances") -> None:
    """Raise `ValidationError` when an entry of ``distances`` (n, n) exceeds `max_mds_distance`."""
    n = distances.shape[0]
    top = float(np.abs(distances).max(initial=0.0))
    if not top <= max_mds_distance(n):
        i, j = np.unravel_index(int(np.abs(distances).argmax()), distances.shape)
        raise fail(param, f"distances <= {max_mds_distance(n):.3g} (5e149 / n for n={n}: classical "
                   "MDS squares and sums them in float64)", top,
                   detail=f"{top:.3g} at [{i}, {j}]")


def classical_mds(distances: np.ndarray, n_components: int | None = None) -> MDSResult:
    """Embed a symmetric distance matrix by classical MDS.

    Parameters
    ----------
    distances : ndarray of shape (n, n)
        Symmetric, non-negative, zero diagonal (validated by the caller).
    n_components : int, optional
        Dimensions to keep; default: every positive eigenvalue (at least one dimension). Must not
        exceed the number of positive eigenvalues.

    Returns
    -------
    MDSResult

    Raises
    ------
    ValidationError
        ``n_components`` below 1 or above the number of positive eigenvalues, or distances
        above `max_mds_distance` (their squares would overflow).

    Notes
    -----
    The matrix is scaled by a power of two (exact) before squaring, so tiny distances do not
    underflow; the embedding and eigenvalues are reported in the original units.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.0, 3.0, 5.0], [3.0, 0.0, 4.0], [5.0, 4.0, 0.0]])
    >>> emb = classical_mds(d)
    >>> emb.n_components, round(emb.stress, 12)
    (2, 0.0)
    """
    n = distances.shape[0]
    check_mds_scale(distances)
    top = float(np.abs(distances).max(initial=0.0))
    unit = float(2.0 ** np.frexp(top)[1]) if top > 0 else 1.0     # exact power-of-two scale
    d2 = (distances.astype(np.float64) / unit) ** 2
    center = np.eye(n) - np.full((n, n), 1.0 / n)
    gram = -0.5 * center @ d2 @ center
    values, vectors = np.linalg.eigh((gram + gram.T) / 2.0)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    tol = 1e-9 * max(float(np.abs(values).max(initial=0.0)), 1e-300)
    positive = int((values > tol).sum())
    if n_components is None:
        m = max(positive, 1)
    elif not 1 <= n_components <= max(positive, 1):
        raise fail("n_components", f"an int in [1, {max(positive, 1)}] (the positive eigenvalues)",
                   n_components)
    else:
        m = n_components
    X = vectors[:, :m] * np.sqrt(np.maximum(values[:m], 0.0)) * unit
    return MDSResult(X, values * unit**2, _stress(distances, X), _lost(values, m))


def _stress(distances: np.ndarray, X: np.ndarray) -> float:
    upper = np.triu_indices(distances.shape[0], k=1)
    d, fit = distances[upper], pairwise_distances(X)[upper]
    total = float((d**2).sum())
    return float(np.sqrt(((d - fit) ** 2).sum() / total)) if total > 0 else 0.0


def _lost(values: np.ndarray, m: int) -> float:
    mass = float(np.abs(values).sum())
    kept = float(np.maximum(values[:m], 0.0).sum())
    return max(0.0, 1.0 - kept / mass) if mass > 0 else 0.0
