"""CP-SAT exact optimum of the within-cluster pairwise-distance objective."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest

from fsclust.errors import InfeasibleError, ValidationError
from fsclust.pairwise.objective import cluster_weights, pairwise_objective
from fsclust.pairwise.proof import integer_scale, solve_exact

KARONKKA = Path(__file__).resolve().parents[2] / "models" / "data" / "karonkka.tsv"


def _brute_force(D: np.ndarray, sizes: list[int], objective: str) -> float:
    base = np.repeat(np.arange(len(sizes)), sizes)
    labelings = set(itertools.permutations(base.tolist()))
    return min(pairwise_objective(D, np.array(lab), objective=objective, n_clusters=len(sizes))
               for lab in labelings)


def _random_distances(seed: int, n: int, integral: bool) -> np.ndarray:
    X = np.random.default_rng(seed).uniform(0, 10, size=(n, 2))
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(axis=-1))
    return np.round(D) if integral else D


@pytest.mark.parametrize(("seed", "sizes", "objective", "integral"), [
    (0, [2, 3, 3], "sum", True),
    (1, [4, 4], "sum", False),
    (2, [2, 2, 2, 2], "mean", True),
    (3, [1, 3, 4], "mean", False),
    (4, [3, 4], "mean", True),
])
def test_optimum_equals_brute_force(seed, sizes, objective, integral):
    D = _random_distances(seed, sum(sizes), integral)
    result = solve_exact(D, sizes, objective=objective, time_limit=20, n_workers=1)
    assert result.proven_optimal and result.status == "OPTIMAL"
    assert np.bincount(result.labels, minlength=len(sizes)).tolist() == sizes
    assert result.objective == pytest.approx(_brute_force(D, sizes, objective), rel=1e-9)
    assert result.objective == pytest.approx(
        pairwise_objective(D, result.labels, objective=objective, n_clusters=len(sizes)))


def test_karonkka_seating_plan_proven_optimal():
    rows = list(csv.reader(KARONKKA.open(encoding="utf-8"), delimiter="\t"))
    D = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    result = solve_exact(D, [4, 4, 5, 6, 3], time_limit=30, n_workers=2)
    assert result.proven_optimal and result.gap == 0.0 and result.exact_scaling
    assert result.objective == result.lower_bound
    assert np.bincount(result.labels).tolist() == [4, 4, 5, 6, 3]
    assert result.within_means.shape == (5,)


def test_time_limit_reports_gap_on_a_hard_instance():
    D = _random_distances(5, 40, integral=False)
    result = solve_exact(D, [10, 10, 10, 10], time_limit=0.5, n_workers=1, hint_restarts=2)
    assert result.status in ("OPTIMAL", "FEASIBLE")
    assert result.lower_bound <= result.objective + 1e-9
    assert 0.0 <= result.gap <= 1.0
    assert result.proven_optimal == (result.status == "OPTIMAL")


def test_integer_scale_exact_and_approximate():
    alpha = cluster_weights(np.array([4, 4, 5, 6, 3]), "mean")
    assert integer_scale(np.array([[0.0, 7.0], [7.0, 0.0]]), alpha) == (30.0, True)
    assert integer_scale(np.array([[0.0, 0.25], [0.25, 0.0]]), np.ones(2)) == (100.0, True)
    scale, exact = integer_scale(np.array([[0.0, np.pi], [np.pi, 0.0]]), np.ones(2))
    assert not exact and scale * np.pi == pytest.approx(1e6)


@pytest.mark.parametrize(("distances", "sizes", "options", "error", "message"), [
    (np.array([[0.0, -1.0], [-1.0, 0.0]]), [1, 1], {}, ValidationError,
     "'distances' parameter must be non-negative"),
    (np.zeros((2, 3)), [1, 1], {}, ValidationError,
     r"'distances' parameter must be a square \(n, n\) matrix. Got shape \(2, 3\) instead."),
    (np.zeros((3, 3)), [1, 1], {}, InfeasibleError, "sizes sum to 2 but the data has 3 rows"),
    (np.zeros((2, 2)), [1, 1], {"time_limit": 0}, ValidationError, "'time_limit' parameter"),
    (np.zeros((2, 2)), [1, 1], {"objective": "max"}, ValidationError, "'objective' parameter"),
    (np.zeros((61, 61)), [61], {}, ValidationError, "at most 60 points"),
])
def test_bad_input_names_the_parameter(distances, sizes, options, error, message):
    with pytest.raises(error, match=message):
        solve_exact(distances, sizes, **options)
