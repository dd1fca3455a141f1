"""PNG plot of a clustering: points coloured by cluster inside each cluster's convex hull, the
centers (k-means) or medoids (k-medoids) marked, each cluster's size in the legend, and point
names placed so that no two overlap.

What is drawn (`PlotView`): one-dimensional data as one row per cluster; two-dimensional data
as is; wider data on its first two principal components; an MDS embedding (or, for k-medoids,
the dissimilarity matrix) on its first two classical MDS dimensions. Projected axes name the
dimension and its share of the variance, and a note says how much of the variance the picture
does not show.

matplotlib is the optional ``plot`` extra: it is imported lazily, with the Agg backend;
`plot_available` says whether it is installed (`render_png` raises `ValidationError` if not).
The geometry (`view_points`, `view_embedding`, `legend_labels`, `place_labels`) needs no
matplotlib.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fsclust.errors import ValidationError

__all__ = ["PlotView", "legend_labels", "place_labels", "plot_available", "render_png",
           "view_embedding", "view_points"]

_DPI = 100
_LABEL_LIMIT = 60          # point names are drawn for at most this many points


@dataclass(frozen=True, eq=False)
class PlotView:
    """What a plot shows, in its two plotting coordinates.

    Attributes
    ----------
    xy : ndarray of shape (n, 2)
        The points.
    titles : (str, str)
        Axis titles.
    note : str or None
        What the projection leaves out (``"2 of 5 dimensions shown; 12% of the variance is not
        shown"``).
    centers : ndarray of shape (k, 2) or None
        The cluster centers, projected like the points (k-means).
    rows : bool
        One-dimensional data: the second coordinate is the cluster index.
    """

    xy: np.ndarray
    titles: tuple[str, str]
    note: str | None = None
    centers: np.ndarray | None = None
    rows: bool = False


def _percent(share: float) -> str:
    """``0.623 -> "62%"``; a share that rounds to 0 but is not 0 (beyond round-off) reads
    ``"<1%"``."""
    return "<1%" if 1e-9 < share < 0.005 else f"{100 * share:.0f}%"


def _variance_view(xy: np.ndarray, shares: np.ndarray, total: int, name: str,
                   centers: np.ndarray | None) -> PlotView:
    """A projected view: titles with each shown dimension's variance share, and the note."""
    shown = xy.shape[1]
    titles = [f"{name} {j + 1} ({_percent(float(shares[j]))} of variance)" for j in range(shown)]
    hidden = max(0.0, 1.0 - float(shares[:shown].sum()))
    note = (f"{shown} of {total} dimension{'s' if total != 1 else ''} shown; {_percent(hidden)} "
            "of the variance is not shown")
    return PlotView(xy, (titles[0], titles[1]), note, centers)


def _rows(x: np.ndarray, labels: np.ndarray, title: str, centers: np.ndarray | None,
          note: str | None = None) -> PlotView:
    """One-dimensional data: x along the axis, one row per cluster."""
    xy = np.column_stack([x, labels.astype(float)])
    at = None if centers is None else np.column_stack([centers, np.arange(centers.shape[0], dtype=float)])
    return PlotView(xy, (title, "cluster"), note, at, rows=True)


def view_points(X: np.ndarray, features: Sequence[str], labels: np.ndarray,
                centers: np.ndarray | None = None) -> PlotView:
    """The view of points in feature space: 1-D as rows, 2-D as is, wider on two principal
    components.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    features : sequence of str, length d
    labels : ndarray of shape (n,)
    centers : ndarray of shape (k, d), optional
        Cluster centers in the same space; projected like the points.

    Returns
    -------
    PlotView

    Examples
    --------
    >>> X = np.array([[0.0, 0, 0], [2, 0, 0], [0, 1, 0], [2, 1, 0.1]])
    >>> view = view_points(X, ["a", "b", "c"], np.array([0, 1, 0, 1]))
    >>> view.titles
    ('principal component 1 (80% of variance)', 'principal component 2 (20% of variance)')
    >>> view.note
    '2 of 3 dimensions shown; <1% of the variance is not shown'
    """
    if X.shape[1] == 1:
        return _rows(X[:, 0], labels, features[0], None if centers is None else centers[:, 0])
    if X.shape[1] == 2:
        return PlotView(X, (features[0], features[1]), None, centers)
    mean = X.mean(axis=0)
    _, singular, vt = np.linalg.svd(X - mean, full_matrices=False)
    power = singular**2
    shares = power / power.sum() if power.sum() > 0 else np.zeros_like(power)
    at = None if centers is None else (centers - mean) @ vt[:2].T
    return _variance_view((X - mean) @ vt[:2].T, shares, X.shape[1], "principal component", at)


def view_embedding(coords: np.ndarray, eigenvalues: np.ndarray, labels: np.ndarray,
                   centers: np.ndarray | None = None) -> PlotView:
    """The view of a classical MDS embedding on its first two dimensions.

    Parameters
    ----------
    coords : ndarray of shape (n, m)
        The embedding (`fsclust.pairwise.mds.MDSResult.X`), columns by decreasing eigenvalue.
    eigenvalues : ndarray of shape (n,)
        All eigenvalues of the MDS; a dimension's share of the variance is its eigenvalue over
        the sum of their absolute values (as `MDSResult.lost_variance` counts).
    labels : ndarray of shape (n,)
    centers : ndarray of shape (k, m), optional
        Cluster centers in the embedding (k-means on the embedding).

    Returns
    -------
    PlotView
        Titles ``"MDS dimension 1 (62% of variance)"``; the note ``"2 of 5 dimensions shown;
        12% of the variance is not shown"`` (the m embedding dimensions; the variance not shown
        includes what the embedding itself loses).
    """
    mass = float(np.abs(eigenvalues).sum())
    shares = np.maximum(eigenvalues, 0.0) / mass if mass > 0 else np.zeros_like(eigenvalues)
    m = coords.shape[1]
    if m == 1:
        hidden = _percent(max(0.0, 1.0 - float(shares[0])))
        return _rows(coords[:, 0], labels, f"MDS dimension 1 ({_percent(float(shares[0]))} of variance)",
                     None if centers is None else centers[:, 0],
                     f"1 of 1 dimension shown; {hidden} of the variance is not shown")
    return _variance_view(coords[:, :2], shares, m, "MDS dimension",
                          None if centers is None else centers[:, :2])


def legend_labels(cluster_names: Sequence[str], labels: np.ndarray, *,
                  weight: np.ndarray | None = None, unit: str | None = None) -> list[str]:
    """Legend entries with each cluster's size in the unit that bounds it.

    Parameters
    ----------
    cluster_names : sequence of str, length k
    labels : ndarray of shape (n,)
    weight : ndarray of shape (n,), optional
        Give it when the sizes bound total weights (``size_unit: weight``): the entry is then the
        cluster's total weight.
    unit : str, optional
        Name of the weight (the weight column's name); default ``"weight"``.

    Returns
    -------
    list of str, length k

    Examples
    --------
    >>> legend_labels(["A", "B"], np.array([0, 0, 1]))
    ['A (2 points)', 'B (1 point)']
    >>> legend_labels(["Team 1"], np.array([0, 0]), weight=np.array([40.0, 39.5]), unit="hours")
    ['Team 1 (79.5 hours)']
    """
    out = []
    for j, name in enumerate(cluster_names):
        members = labels == j
        if weight is None:
            count = int(members.sum())
            out.append(f"{name} ({count} point{'s' if count != 1 else ''})")
        else:
            out.append(f"{name} ({float(weight[members].sum()):.6g} {unit or 'weight'})")
    return out


def _ring(anchor: np.ndarray, size: np.ndarray, distance: float, steps: int) -> np.ndarray:
    """Candidate boxes ``(x0, y0, x1, y1)`` of ``size`` around ``anchor``, at ``distance`` from it
    along x or y: centres on the rectangle of half-sizes ``size / 2 + distance``, ``steps``
    positions per half side, right and upper positions first."""
    half = size / 2.0 + distance
    t = np.linspace(1.0, -1.0, 2 * steps + 1)
    sides = [np.column_stack([np.ones_like(t), t]), np.column_stack([t, np.ones_like(t)]),
             np.column_stack([-np.ones_like(t), t]), np.column_stack([t, -np.ones_like(t)])]
    unit = np.unique(np.concatenate(sides), axis=0)
    unit = unit[np.argsort(np.hypot(unit[:, 0] - 1, unit[:, 1] - 1), kind="stable")]
    centres = anchor + unit * half
    return np.hstack([centres - size / 2.0, centres + size / 2.0])


def _overlap(boxes: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """Total overlap area of each candidate box (c, 4) with the placed boxes (p, 4)."""
    if placed.size == 0:
        return np.zeros(boxes.shape[0])
    w = np.minimum(boxes[:, None, 2], placed[None, :, 2]) - np.maximum(boxes[:, None, 0], placed[None, :, 0])
    h = np.minimum(boxes[:, None, 3], placed[None, :, 3]) - np.maximum(boxes[:, None, 1], placed[None, :, 1])
    return (np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1)


def _covered(boxes: np.ndarray, points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Number of point markers (radii ``radius``, shape (p,)) each box (c, 4) touches."""
    if points.size == 0:
        return np.zeros(boxes.shape[0], dtype=int)
    x, y, radius = points[None, :, 0], points[None, :, 1], radius[None, :]
    inside = ((x > boxes[:, None, 0] - radius) & (x < boxes[:, None, 2] + radius)
              & (y > boxes[:, None, 1] - radius) & (y < boxes[:, None, 3] + radius))
    return inside.sum(axis=1)


def _outside(boxes: np.ndarray, bounds: Sequence[float] | None) -> np.ndarray:
    if bounds is None:
        return np.zeros(boxes.shape[0], dtype=bool)
    x0, y0, x1, y1 = bounds
    return (boxes[:, 0] < x0) | (boxes[:, 1] < y0) | (boxes[:, 2] > x1) | (boxes[:, 3] > y1)


def _place_one(anchor: np.ndarray, size: np.ndarray, placed: np.ndarray, points: np.ndarray, *,
               bounds: Sequence[float] | None, gap: float, radius: np.ndarray, rings: int) -> np.ndarray:
    """The box for one label: the first free, inside, uncovering candidate ring by ring; after
    three rings the best free one seen; failing all, the least overlapping."""
    step = max(float(size[1]), 6.0)
    best_key, best = (8, np.inf, 0), np.zeros(4)
    for ring in range(rings):
        boxes = _ring(anchor, size, gap + ring * step, 1 if ring == 0 else 2)
        clash, out, cover = _overlap(boxes, placed), _outside(boxes, bounds), _covered(boxes, points, radius)
        keys = [(int(c > 1e-9) * 4 + int(o) * 2 + int(v > 0), float(c), int(v))
                for c, o, v in zip(clash, out, cover, strict=True)]
        pick = min(range(len(keys)), key=keys.__getitem__)
        if keys[pick] < best_key:
            best_key, best = keys[pick], boxes[pick]
        if best_key[0] == 0 or (ring >= 2 and best_key[0] <= 1):
            break
    return best


def place_labels(anchors: np.ndarray, sizes: np.ndarray, *, points: np.ndarray | None = None,
                 bounds: Sequence[float] | None = None, gap: float = 3.0,
                 radius: float | np.ndarray = 3.0, rings: int = 40) -> np.ndarray:
    """Greedy placement of text boxes next to their anchor points, without overlaps.

    Works in display units (pixels, y up). Labels are placed one by one, the most crowded anchor
    first. Each takes the first candidate position, ring by ring outwards from its anchor, that
    overlaps no label placed before, stays inside ``bounds`` and covers no point marker; from the
    third ring on it settles for one that only covers markers. The rings grow until a free
    position exists, so labels overlap only if ``rings`` is exhausted.

    Parameters
    ----------
    anchors : ndarray of shape (m, 2)
        The points being labelled.
    sizes : ndarray of shape (m, 2)
        Width and height of each label.
    points : ndarray of shape (p, 2), optional
        Point markers to keep clear of (default: the anchors).
    bounds : (x0, y0, x1, y1), optional
        Area the labels should stay inside.
    gap : float, default 3.0
        Distance of the nearest ring from the anchor.
    radius : float or ndarray of shape (p,), default 3.0
        Marker radius (per point).
    rings : int, default 40

    Returns
    -------
    ndarray of shape (m, 2)
        Lower-left corner of each label relative to its anchor.

    Examples
    --------
    >>> anchors = np.array([[100.0, 100.0], [101.0, 100.0], [100.0, 101.0]])
    >>> offsets = place_labels(anchors, np.full((3, 2), [30.0, 10.0]))
    >>> boxes = np.hstack([anchors + offsets, anchors + offsets + [30.0, 10.0]])
    >>> bool((_overlap(boxes, boxes) <= 300.0 + 1e-9).all())   # each box meets only itself
    True
    """
    anchors, sizes = np.asarray(anchors, dtype=float), np.asarray(sizes, dtype=float)
    points = anchors if points is None else np.asarray(points, dtype=float)
    radii = np.broadcast_to(np.asarray(radius, dtype=float), (points.shape[0],))
    near = (np.hypot(*(anchors[:, None, :] - anchors[None, :, :]).transpose(2, 0, 1)) < 50.0).sum(axis=1)
    placed = np.zeros((0, 4))
    offsets = np.zeros_like(anchors)
    for i in np.argsort(-near, kind="stable"):
        box = _place_one(anchors[i], sizes[i], placed, points, bounds=bounds, gap=gap,
                         radius=radii, rings=rings)
        placed = np.vstack([placed, box])
        offsets[i] = box[:2] - anchors[i]
    return offsets


def plot_available() -> bool:
    """Whether matplotlib (the ``plot`` extra) can be imported.

    Returns
    -------
    bool
    """
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except (ImportError, ValueError):
        return False


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ValidationError("a plot was requested but matplotlib is not installed: "
                              "pip install 'fsclust[plot]'") from exc
    return plt


def _hull(ax: Any, xy: np.ndarray, color: object) -> None:
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


def _distance(offset: np.ndarray, size: np.ndarray) -> float:
    """Distance from an anchor to its label box (lower-left ``offset`` from it, ``size``)."""
    gaps = np.maximum(np.maximum(offset, -(offset + size)), 0.0)
    return float(np.hypot(*gaps))


def _annotate(ax: Any, xy: np.ndarray, names: Sequence[str], marks: np.ndarray | None) -> None:
    """Name the points without overlaps (`place_labels`), clear of the points and of the
    center / medoid ``marks`` (m, 2); points drawn at the same pixel share one comma-separated
    label; a label moved away from its point gets a thin leader line."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    pixels = ax.transData.transform(xy)
    marked = np.zeros((0, 2)) if marks is None else ax.transData.transform(marks)
    spots: dict[tuple[int, int], list[int]] = {}
    for i, (x, y) in enumerate(pixels):
        spots.setdefault((round(x), round(y)), []).append(i)
    groups = list(spots.values())
    texts = [", ".join(names[i] for i in group) for group in groups]
    sizes = []
    for text in texts:
        probe = ax.text(0, 0, text, fontsize=7)
        box = probe.get_window_extent(renderer)
        sizes.append((box.width, box.height))
        probe.remove()
    anchors = pixels[[group[0] for group in groups]]
    bounds = ax.get_window_extent(renderer).extents
    radius = np.concatenate([np.full(len(pixels), 3.0), np.full(len(marked), 9.0)])
    offsets = place_labels(anchors, np.array(sizes), points=np.vstack([pixels, marked]),
                           bounds=bounds, radius=radius)
    scale = 72.0 / fig.dpi
    for group, text, offset, size in zip(groups, texts, offsets, sizes, strict=True):
        far = _distance(offset, np.array(size)) > 6.0
        ax.annotate(text, xy[group[0]], xytext=tuple(offset * scale), textcoords="offset points",
                    fontsize=7, ha="left", va="bottom", annotation_clip=False, zorder=5,
                    arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5,
                                "shrinkA": 0, "shrinkB": 2} if far else None)


def _marks(view: PlotView, medoids: np.ndarray | None) -> tuple[np.ndarray | None, str, str]:
    """Where the centers or medoids are drawn (k, 2) or None, their marker and legend entry."""
    if medoids is not None:
        return view.xy[medoids], "o", "medoid"
    return view.centers, "X", "center"


def _mark(ax: Any, view: PlotView, medoids: np.ndarray | None, colors: list[Any]) -> Any:
    """Mark the centers (an X per cluster) or the medoids (ringed points); the legend handle."""
    from matplotlib.lines import Line2D

    at, marker, label = _marks(view, medoids)
    if at is None:
        return None
    ax.scatter(at[:, 0], at[:, 1], s=150, marker=marker, c=colors, edgecolors="black",
               linewidths=1.6, zorder=4)
    return Line2D([], [], linestyle="", marker=marker, markersize=10, markerfacecolor="0.75",
                  markeredgecolor="black", label=label)


def render_png(view: PlotView, labels: np.ndarray, cluster_names: Sequence[str], *,
               legend: Sequence[str] | None = None, medoids: np.ndarray | None = None,
               point_names: Sequence[str] | None = None, title: str = "") -> bytes:
    """Render the plot to PNG bytes (nothing is written to disk here).

    Parameters
    ----------
    view : PlotView
        From `view_points` or `view_embedding`.
    labels : ndarray of shape (n,)
    cluster_names : sequence of str, length k
    legend : sequence of str, length k, optional
        Legend entries (default: `legend_labels`, sizes as counts).
    medoids : ndarray of shape (k,), optional
        Point indices of the medoids (k-medoids), drawn ringed; otherwise ``view.centers`` are
        drawn as crosses.
    point_names : sequence of str, length n, optional
        Names drawn next to the points (for at most 60 points).
    title : str

    Returns
    -------
    bytes
        The PNG file's content.

    Raises
    ------
    ValidationError
        matplotlib is not installed.
    """
    plt = _pyplot()
    legend = legend_labels(cluster_names, labels) if legend is None else legend
    fig, ax = plt.subplots(figsize=(7, 6), dpi=_DPI)
    cmap = plt.get_cmap("tab10" if len(cluster_names) <= 10 else "tab20")
    colors = [cmap(j % cmap.N) for j in range(len(cluster_names))]
    for j, entry in enumerate(legend):
        members = labels == j
        ax.scatter(view.xy[members, 0], view.xy[members, 1], s=18, color=colors[j], label=entry, zorder=3)
        _hull(ax, view.xy[members], colors[j])
    handle = _mark(ax, view, medoids, colors)
    ax.set(xlabel=view.titles[0], ylabel=view.titles[1], title=title)
    if view.rows:
        ax.set_yticks(range(len(cluster_names)), list(cluster_names))
    if view.note:
        ax.annotate(view.note, (0, 0), xycoords="axes fraction", xytext=(0, -38),
                    textcoords="offset points", va="top", fontsize=8, color="0.3")
    handles, entries = ax.get_legend_handles_labels()
    ax.legend([*handles, *([handle] if handle is not None else [])],
              [*entries, *([handle.get_label()] if handle is not None else [])],
              fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    if point_names is not None and len(point_names) <= _LABEL_LIMIT:
        ax.autoscale_view()
        _annotate(ax, view.xy, point_names, _marks(view, medoids)[0])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
