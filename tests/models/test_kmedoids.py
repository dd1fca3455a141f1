"""Fixed-size k-medoids on precomputed dissimilarities: every step optimal against an
exhaustive check, monotone objective, sizes honoured, validation messages."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from fsclust import FixedSizeKMedoids, solve_medoids
from fsclust.engine.driver import medoid_parts, medoid_problem, resolve_backend
from fsclust.errors import InfeasibleError, ValidationError
from fsclust.models.kmedoids import check_dissimilarities, medoid_cost, medoid_init, medoid_update
from fsclust.testing import brute_force_optimum


def manhattan(n: int, seed: int) -> np.ndarray:
    """A non-Euclidean (L1) dissimilarity matrix of n random points in the plane."""
    points = np.random.default_rng(seed).random((n, 2))
    return np.abs(points[:, None, :] - points[None, :, :]).sum(axis=2)


def asymmetric(n: int, seed: int) -> np.ndarray:
    D = np.random.default_rng(seed).random((n, n)) * 10
    np.fill_diagonal(D, 0.0)
    return D


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("make", [manhattan, asymmetric])
def test_medoid_update_is_optimal_per_cluster(seed, make):
    D = make(9, seed)
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.repeat(np.arange(3), 3))
    medoids = rng.choice(9, size=3, replace=False)
    weight = rng.uniform(0.5, 2.0, 9)
    new = medoid_update(D, labels, medoids, weight)
    for j in range(3):
        members = np.flatnonzero(labels == j)
        candidates = set(members.tolist()) | {int(medoids[j])}
        exhaustive = min(sum(weight[i] * D[i, c] for i in members) for c in candidates)
        assert sum(weight[i] * D[i, new[j]] for i in members) == pytest.approx(exhaustive)
        assert new[j] in candidates


def test_medoid_update_keeps_the_medoid_of_an_empty_cluster():
    D = manhattan(5, 0)
    new = medoid_update(D, np.zeros(5, dtype=int), np.array([0, 3]))
    assert new[1] == 3


@pytest.mark.parametrize("seed", range(4))
def test_assignment_step_is_optimal_against_brute_force(seed):
    D = asymmetric(8, seed)
    problem = medoid_problem(D, n_clusters=3, size_min=[1, 2, 2], size_max=[3, 3, 4])
    parts = medoid_parts(problem, resolve_backend(problem, "flow"), "random")
    medoids = parts.init(D, np.random.default_rng(seed))
    cost = parts.cost(D, medoids)
    result = parts.assign(cost, None)
    assert result.cost == pytest.approx(brute_force_optimum(cost, np.array([1, 2, 2]),
                                                       np.array([3, 3, 4])))


@pytest.mark.parametrize("seed", range(4))
def test_objective_is_monotone_and_recomputable(seed):
    D = manhattan(40, seed)
    weight = np.random.default_rng(seed).uniform(0.5, 2.0, 40)
    result = solve_medoids(D, sizes=[10, 10, 20], sample_weight=weight, n_init=3,
                           random_state=seed)
    objectives = [h["objective"] for h in result.history]
    assert all(b <= a + 1e-12 * abs(a) for a, b in itertools.pairwise(objectives))
    direct = sum(weight[i] * D[i, result.centers[result.labels[i]]] for i in range(40))
    assert result.objective == pytest.approx(direct)
    assert sorted(result.counts.tolist()) == [10, 10, 20]
    assert result.counts.tolist() == np.bincount(result.labels, minlength=3).tolist()


def test_converged_medoids_are_fixed_points_of_both_steps():
    D = manhattan(30, 7)
    result = solve_medoids(D, n_clusters=3, n_init=2, random_state=1)
    assert result.converged
    again = medoid_update(D, result.labels, result.centers)
    cost_now = medoid_cost(D, result.centers)[np.arange(30), result.labels].sum()
    cost_again = medoid_cost(D, again)[np.arange(30), result.labels].sum()
    assert cost_again == pytest.approx(cost_now)


def test_small_problem_reaches_the_global_optimum():
    D = manhattan(8, 3)
    result = solve_medoids(D, sizes=[4, 4], n_init=10, random_state=0)
    best = np.inf
    for medoids in itertools.permutations(range(8), 2):
        cost = medoid_cost(D, np.array(medoids))
        best = min(best, brute_force_optimum(cost, np.array([4, 4]), np.array([4, 4])))
    assert result.objective == pytest.approx(best)


def test_known_answer_on_a_line():
    x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0, 13.0])
    result = solve_medoids(np.abs(x[:, None] - x[None, :]), size_min=[3, 3], size_max=[3, 4],
                           random_state=0)
    assert result.objective == pytest.approx(2.0 + 4.0)
    assert sorted(result.centers.tolist()) in ([1, 4], [1, 5])


def test_deterministic_with_a_seed():
    D = manhattan(30, 2)
    first = solve_medoids(D, n_clusters=3, n_init=3, random_state=5)
    second = solve_medoids(D, n_clusters=3, n_init=3, random_state=5)
    assert np.array_equal(first.labels, second.labels)
    assert np.array_equal(first.centers, second.centers)


def test_weight_capacity_with_medoids():
    D = manhattan(12, 4)
    weight = np.arange(1.0, 13.0)
    result = solve_medoids(D, n_clusters=3, size_unit="weight", sample_weight=weight,
                           size_max=30.0, n_init=2, random_state=0)
    totals = np.bincount(result.labels, weights=weight, minlength=3)
    assert (totals <= 30.0).all()
    assert result.solver == "cpsat"


def test_estimator_fit_predict_transform():
    points = np.random.default_rng(0).random((50, 2))
    D = np.abs(points[:, None] - points[None]).sum(axis=2)
    model = FixedSizeKMedoids(3, size_min=[10, 10, 10], size_max=[20, 20, 20],
                              random_state=0, n_init=2).fit(D)
    assert ((model.sizes_ >= 10) & (model.sizes_ <= 20)).all()
    assert model.cluster_centers_ is None
    assert model.medoid_indices_.shape == (3,)
    assert np.array_equal(model.predict(D), D[:, model.medoid_indices_].argmin(axis=1))
    assert np.array_equal(model.transform(D[:4]), D[:4][:, model.medoid_indices_])
    assert model.score(D) == pytest.approx(-D[:, model.medoid_indices_].min(axis=1).sum())
    assert repr(model) == "FixedSizeKMedoids(n_clusters=3, size_min=[10, 10, 10], " \
                          "size_max=[20, 20, 20], n_init=2, random_state=0)"
    assert model.get_params()["init"] == "k-medoids++"


def test_fixed_initial_medoids_and_init_errors():
    D = manhattan(10, 1)
    result = solve_medoids(D, n_clusters=2, init=np.array([0, 9]), max_iter=1)
    assert result.n_iter == 1
    with pytest.raises(ValidationError, match=r"The 'init' parameter must be one of "
                                              r"\['k-medoids\+\+', 'random'\] or 2 distinct point "
                                              r"indices in \[0, 10\). Got .* instead."):
        solve_medoids(D, n_clusters=2, init=np.array([3, 3]))
    with pytest.raises(ValidationError, match=r"The 'init' parameter must be one of "
                                              r"\['k-medoids\+\+', 'random'\] or an array of 2 "
                                              r"point indices. Got 'k-means\+\+' instead."):
        solve_medoids(D, n_clusters=2, init="k-means++")


# --- validation of the dissimilarity matrix ----------------------------------------------------
@pytest.mark.parametrize(("matrix", "message"), [
    (np.zeros((3, 2)), r"The 'dissimilarity' parameter must be a square \(n, n\) dissimilarity "
                       r"matrix. Got 'shape \(3, 2\)' instead."),
    (np.array([[0.0, 1.0], [-2.0, 0.0]]), r"The 'dissimilarity' parameter must be non-negative "
                                          r"\(dissimilarities\). Got '-2.0 at \[1, 0\]' instead."),
    (np.array([[0.0, 1.0], [1.0, 0.5]]), r"The 'dissimilarity' parameter must be zero on the "
                                         r"diagonal \(a point's dissimilarity to itself\). "
                                         r"Got '0.5 at \[1, 1\]' instead."),
    (np.array([[0.0, np.nan], [1.0, 0.0]]), r"The 'dissimilarity' parameter must be finite "
                                            r"\(no NaN or inf\). Got 'nan at \[0, 1\]' instead."),
])
def test_matrix_validation_names_the_entry(matrix, message):
    with pytest.raises(ValidationError, match=message):
        solve_medoids(matrix, n_clusters=1)


def test_estimator_names_X_and_checks_predict_columns():
    with pytest.raises(ValidationError, match=r"The 'X' parameter must be a square"):
        FixedSizeKMedoids(2).fit(np.zeros((4, 3)))
    D = manhattan(6, 0)
    model = FixedSizeKMedoids(2, n_init=1, random_state=0).fit(D)
    with pytest.raises(ValidationError, match=r"The 'X' parameter must be an array with 6 columns "
                                              r"\(as in fit\). Got '5 columns' instead."):
        model.predict(D[:, :5])
    with pytest.raises(ValidationError, match="This FixedSizeKMedoids instance is not fitted yet"):
        FixedSizeKMedoids(2).predict(D)


def test_tiny_diagonal_round_off_is_accepted():
    D = manhattan(5, 0)
    D[2, 2] = 1e-15
    assert check_dissimilarities(D).shape == (5, 5)


def test_infeasible_sizes_are_reported():
    with pytest.raises(InfeasibleError, match="sizes sum to 5 but the data has 6 rows"):
        solve_medoids(manhattan(6, 0), sizes=[2, 3])


def test_medoid_init_plusplus_gives_distinct_points():
    D = manhattan(20, 0)
    D[:5, :5] = 0.0        # five identical points
    init = medoid_init("k-medoids++", 20, 8)
    medoids = init(D, np.random.default_rng(0))
    assert len(set(medoids.tolist())) == 8
