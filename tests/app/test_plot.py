"""Plots: projections and their axis titles, centers projected like the points, legends in the
unit that bounds the sizes, label placement without overlaps, and the PNG itself."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from fsclust.app.plot import (
    legend_labels,
    place_labels,
    plot_available,
    render_png,
    view_embedding,
    view_points,
)
from fsclust.app.spec import load_spec
from fsclust.app.workflow import plot_legend, plot_view, solve_spec, spec_plot, with_overrides
from fsclust.errors import FsclustWarning
from fsclust.pairwise.mds import classical_mds, pairwise_distances

MODELS = Path(__file__).resolve().parents[2] / "models"


def _means(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.array([X[labels == j].mean(axis=0) for j in range(labels.max() + 1)])


def test_one_dimension_is_drawn_as_rows() -> None:
    labels = np.array([1, 0, 1])
    view = view_points(np.array([[1.0], [2.0], [4.0]]), ["age"], labels, np.array([[2.0], [2.5]]))
    assert view.rows and view.titles == ("age", "cluster") and view.note is None
    assert view.xy.tolist() == [[1.0, 1.0], [2.0, 0.0], [4.0, 1.0]]
    assert view.centers.tolist() == [[2.0, 0.0], [2.5, 1.0]]


def test_two_dimensions_are_drawn_as_is() -> None:
    X = np.array([[0.0, 1.0], [2.0, 3.0]])
    view = view_points(X, ["x_km", "y_km"], np.array([0, 1]), X)
    assert view.titles == ("x_km", "y_km") and view.note is None and not view.rows
    assert view.xy is X and view.centers is X


def test_principal_components_carry_the_centers_and_the_lost_variance() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)) * [5.0, 2.0, 1.0, 0.5]
    labels = np.repeat([0, 1, 2], 20)
    view = view_points(X, list("abcd"), labels, _means(X, labels))
    # projection is affine, so the projected means are the means of the projected points
    np.testing.assert_allclose(view.centers, _means(view.xy, labels), atol=1e-12)
    power = np.linalg.svd(X - X.mean(axis=0), compute_uv=False) ** 2
    share = power / power.sum()
    assert view.titles == (f"principal component 1 ({100 * share[0]:.0f}% of variance)",
                           f"principal component 2 ({100 * share[1]:.0f}% of variance)")
    assert view.note == (f"2 of 4 dimensions shown; {100 * (share[2] + share[3]):.0f}% of the variance "
                         "is not shown")


def test_mds_axes_name_their_dimension_and_the_variance_not_shown() -> None:
    spec = load_spec(MODELS / "karonkka.yaml")
    embedding = spec.embedding
    values = embedding.eigenvalues
    mass = np.abs(values).sum()
    view = view_embedding(embedding.X, values, np.zeros(22, dtype=int), embedding.X[:1])
    assert view.titles == (f"MDS dimension 1 ({100 * values[0] / mass:.0f}% of variance)",
                           f"MDS dimension 2 ({100 * values[1] / mass:.0f}% of variance)")
    hidden = 1 - (values[0] + values[1]) / mass
    assert view.note == (f"2 of {embedding.n_components} dimensions shown; {100 * hidden:.0f}% of "
                         "the variance is not shown")
    np.testing.assert_array_equal(view.centers, embedding.X[:1, :2])
    # with a two-dimensional embedding, the variance not shown is the embedding's lost variance
    two = classical_mds(spec.distances, 2)
    note = view_embedding(two.X, two.eigenvalues, np.zeros(22, dtype=int)).note
    assert note == f"2 of 2 dimensions shown; {100 * two.lost_variance:.0f}% of the variance is not shown"


def test_one_mds_dimension_is_drawn_as_rows() -> None:
    x = np.array([[0.0], [1.0], [3.0]])
    mds = classical_mds(pairwise_distances(x))
    view = view_embedding(mds.X, mds.eigenvalues, np.array([0, 0, 1]))
    assert view.rows and view.titles == ("MDS dimension 1 (100% of variance)", "cluster")
    assert view.note == "1 of 1 dimension shown; 0% of the variance is not shown"


def test_legend_counts_points_or_totals_the_bounding_weight() -> None:
    labels = np.array([0, 1, 1, 0, 0])
    assert legend_labels(["A", "B", "C"], labels) == ["A (3 points)", "B (2 points)", "C (0 points)"]
    weight = np.array([1.5, 2.0, 3.0, 4.0, 0.25])
    assert legend_labels(["A", "B"], labels, weight=weight, unit="hours") == ["A (5.75 hours)",
                                                                             "B (5 hours)"]
    assert legend_labels(["A", "B"], labels, weight=weight) == ["A (5.75 weight)", "B (5 weight)"]


def test_workload_legend_is_in_hours() -> None:
    spec = with_overrides(load_spec(MODELS / "workload.yaml"), restarts=1)
    assert spec.weight_name == "hours"
    result = solve_spec(spec)
    legend = plot_legend(spec, result)
    hours = spec.problem.sample_weight
    assert legend == [f"Team {j + 1} ({hours[result.labels == j].sum():.6g} hours)" for j in range(4)]
    assert all(70 <= float(entry.split("(")[1].split()[0]) <= 80 for entry in legend)


def _boxes(anchors: np.ndarray, offsets: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    low = anchors + offsets
    return np.hstack([low, low + sizes])


def _overlaps(boxes: np.ndarray) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if min(boxes[i, 2], boxes[j, 2]) > max(boxes[i, 0], boxes[j, 0]) + 1e-9
            and min(boxes[i, 3], boxes[j, 3]) > max(boxes[i, 1], boxes[j, 1]) + 1e-9]


@pytest.mark.parametrize("seed", range(5))
def test_crowded_labels_do_not_overlap(seed: int) -> None:
    rng = np.random.default_rng(seed)
    anchors = rng.uniform(100, 250, size=(40, 2))
    anchors[:5] = anchors[0] + rng.normal(scale=1.0, size=(5, 2))        # a tight clump
    sizes = np.column_stack([rng.uniform(12, 60, 40), np.full(40, 9.0)])
    bounds = (0.0, 0.0, 400.0, 400.0)
    offsets = place_labels(anchors, sizes, bounds=bounds)
    boxes = _boxes(anchors, offsets, sizes)
    assert _overlaps(boxes) == []
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 400).all()


def test_a_lone_label_sits_up_and_right_unless_a_point_is_there() -> None:
    anchor, size = np.array([[50.0, 50.0]]), np.array([[20.0, 8.0]])
    assert place_labels(anchor, size).tolist() == [[3.0, 3.0]]
    blocked = place_labels(anchor, size, points=np.array([[50.0, 50.0], [63.0, 57.0]]))
    box = _boxes(anchor, blocked, size)[0]
    assert not (box[0] - 3 < 63 < box[2] + 3 and box[1] - 3 < 57 < box[3] + 3)


def test_render_png_marks_centers_and_medoids() -> None:
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    labels = np.repeat([0, 1, 2], 10)
    names = [f"p{i}" for i in range(30)]
    view = view_points(X, list("abc"), labels, _means(X, labels))
    for medoids in (None, np.array([0, 10, 20])):
        png = render_png(view, labels, ["A", "B", "C"], medoids=medoids, point_names=names, title="t")
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_medoid_plot_view_is_the_mds_of_the_matrix() -> None:
    spec = with_overrides(load_spec(MODELS / "karonkka-medoids.yaml"), restarts=2)
    result = solve_spec(spec)
    view = plot_view(spec, result)
    assert view.centers is None and view.titles[0].startswith("MDS dimension 1 (")
    assert view.xy.shape == (22, 2) and view.note.startswith("2 of ")


def test_spec_plot_without_matplotlib_warns_and_returns_none(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = with_overrides(load_spec(MODELS / "iris-balanced.yaml"), restarts=1)
    result = solve_spec(spec)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert not plot_available()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert spec_plot(spec, result, "x.png") is None
    assert [str(w.message) for w in caught if issubclass(w.category, FsclustWarning)] == [
        "skipped the plot x.png: matplotlib is not installed (pip install 'fsclust[plot]')"]
