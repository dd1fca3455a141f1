"""PNG plot of a clustering: points coloured by cluster, with each cluster's convex hull.

matplotlib is the optional ``plot`` extra; it is imported lazily, with the Agg backend, and a
missing install is reported as a `ValidationError` with the ``pip install`` hint.
Coordinates: the first two columns of the clustered data (the first two
MDS components for matrix input); data with more columns is projected on its first two principal
components; one-dimensional data is drawn as one row per cluster.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from fsclust.errors import ValidationError

__all__ = ["plot_axes", "render_png"]


def plot_axes(X: np.ndarray, features: Sequence[str], labels: np.ndarray
              ) -> tuple[np.ndarray, tuple[str, str]]:
    """Two plotting coordinates per point and the axis titles.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    features : sequence of str, length d
    labels : ndarray of shape (n,)

    Returns
    -------
    xy : ndarray of shape (n, 2)
    titles : (str, str)
    """
    if X.shape[1] == 1:
        return np.column_stack([X[:, 0], labels.astype(float)]), (features[0], "cluster")
    if X.shape[1] == 2 or features[0].startswith("mds"):
        return X[:, :2], (features[0], features[1])
    centered = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    return centered @ vt[:2].T, ("principal component 1", "principal component 2")


def _hull(ax: object, xy: np.ndarray, color: object) -> None:
    from scipy.spatial import ConvexHull, QhullError

    if xy.shape[0] < 3:
        if xy.shape[0] == 2:
            ax.plot(xy[:, 0], xy[:, 1], color=color, alpha=0.5)
        return
    try:
        hull = ConvexHull(xy)
    except QhullError:  # collinear points: draw their span instead
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        ax.plot(xy[order[[0, -1]], 0], xy[order[[0, -1]], 1], color=color, alpha=0.5)
        return
    ring = np.append(hull.vertices, hull.vertices[0])
    ax.fill(xy[ring, 0], xy[ring, 1], color=color, alpha=0.15)
    ax.plot(xy[ring, 0], xy[ring, 1], color=color, alpha=0.6)


def _annotate(ax: object, xy: np.ndarray, names: Sequence[str]) -> None:
    """Label points; points at the same spot share one comma-separated label."""
    spots: dict[tuple[float, float], list[str]] = {}
    scale = float(np.ptp(xy)) or 1.0
    for (x, y), name in zip(xy, names, strict=True):
        spots.setdefault((round(x / scale, 2), round(y / scale, 2)), []).append(name)
    for (x, y), group in spots.items():
        ax.annotate(", ".join(group), (x * scale, y * scale), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")


def render_png(X: np.ndarray, labels: np.ndarray, cluster_names: Sequence[str],
               features: Sequence[str], *, point_names: Sequence[str] | None = None,
               title: str = "") -> bytes:
    """Render the plot to PNG bytes (nothing is written to disk here).

    Raises
    ------
    ValidationError
        matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ValidationError("a plot was requested but matplotlib is not installed: "
                              "pip install 'fsclust[plot]'") from exc
    xy, (xt, yt) = plot_axes(X, features, labels)
    fig, ax = plt.subplots(figsize=(7, 6), dpi=100)
    colors = plt.get_cmap("tab10" if len(cluster_names) <= 10 else "tab20")
    for j, name in enumerate(cluster_names):
        members = labels == j
        color = colors(j % colors.N)
        ax.scatter(xy[members, 0], xy[members, 1], s=18, color=color, label=f"{name} ({members.sum()})")
        _hull(ax, xy[members], color)
    if point_names is not None and len(point_names) <= 60:
        _annotate(ax, xy, point_names)
    ax.set(xlabel=xt, ylabel=yt, title=title)
    if X.shape[1] == 1:
        ax.set_yticks(range(len(cluster_names)), list(cluster_names))
    ax.legend(fontsize=8, loc="best")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
