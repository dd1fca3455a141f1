"""Capacity in total weight: bounds always honoured, CP-SAT optimal against brute force,
the lp-round heuristic feasible with an honest LP bound, and every error message."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fsclust
from fsclust.assign.capacity.integer import IntegerProblem
from fsclust.assign.capacity.lp_round import lp_relaxation
from fsclust.assign.capacity.methods import AUTO_EXACT_LIMIT, assign_capacity, resolve_method
from fsclust.errors import InfeasibleError, SolverError, ValidationError


def brute_force(cost: np.ndarray, weight: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Lowest total cost over all k**n labellings whose cluster weights lie in [lo, hi]."""
    n, k = cost.shape
    best = math.inf
    for labels in itertools.product(range(k), repeat=n):
        lab = np.array(labels)
        totals = [math.fsum(weight[lab == j]) for j in range(k)]
        if all(lo[j] <= totals[j] <= hi[j] for j in range(k)):
            best = min(best, float(cost[np.arange(n), lab].sum()))
    return best


def random_case(seed: int, n: int = 7, k: int = 3, integer: bool = True):
    rng = np.random.default_rng(seed)
    cost = rng.random((n, k)) * 10
    weight = rng.integers(1, 6, n).astype(float) if integer else rng.random(n) + 0.3
    total = weight.sum()
    lo = np.full(k, total / k - 0.35 * total / k)
    hi = np.full(k, total / k + 0.25 * total / k)
    return cost, weight, lo, hi


def totals_of(weight: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    return np.array([math.fsum(weight[labels == j]) for j in range(k)])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("integer", [True, False])
def test_cpsat_matches_brute_force_optimum(seed, integer):
    cost, weight, lo, hi = random_case(seed, integer=integer)
    best = brute_force(cost, weight, lo, hi)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError, match="CP-SAT proved"):
            assign_capacity(cost, weight, size_min=lo, size_max=hi, capacity_method="cpsat")
        return
    result = assign_capacity(cost, weight, size_min=lo, size_max=hi, capacity_method="cpsat")
    assert result.status == "OPTIMAL"
    assert result.cost == pytest.approx(best, rel=1e-9, abs=result.info["objective_tolerance"])
    totals = totals_of(weight, result.labels, 3)
    assert ((totals >= lo) & (totals <= hi)).all()
    assert np.allclose(result.info["weight_totals"], totals)


@pytest.mark.parametrize("seed", range(8))
def test_lp_round_is_feasible_and_bounded_by_the_lp(seed):
    cost, weight, lo, hi = random_case(seed, n=8)
    best = brute_force(cost, weight, lo, hi)
    result = assign_capacity(cost, weight, size_min=lo, size_max=hi, capacity_method="lp-round")
    assert result.status == "HEURISTIC"
    totals = totals_of(weight, result.labels, 3)
    assert ((totals >= lo) & (totals <= hi)).all()
    assert result.cost >= best - 1e-9
    assert result.info["lp_bound"] <= best + 1e-7
    assert result.info["gap"] == pytest.approx(
        (result.cost - result.info["lp_bound"]) / result.cost, abs=1e-12)


@pytest.mark.parametrize("method", ["cpsat", "lp-round"])
@pytest.mark.parametrize("seed", range(3))
def test_bounds_hold_on_larger_random_instances(method, seed):
    rng = np.random.default_rng(seed)
    n, k = (60, 4) if method == "cpsat" else (400, 6)
    X, centers = rng.random((n, 2)), rng.random((k, 2))
    cost = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    weight = rng.lognormal(0.0, 0.5, n)
    hi = rng.uniform(1.0, 1.3, k) * weight.sum() / k
    lo = 0.8 * weight.sum() / k
    result = assign_capacity(cost, weight, size_min=lo, size_max=hi, capacity_method=method, time_limit=2)
    totals = totals_of(weight, result.labels, k)
    assert (totals <= hi).all() and (totals >= lo).all()
    assert result.info["gap"] >= 0
    assert result.cost == pytest.approx(float(cost[np.arange(n), result.labels].sum()))


def test_integer_and_dyadic_weights_are_scaled_exactly():
    cost = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    result = assign_capacity(cost, [0.5, 1.25, 0.75, 1.5], sizes=[1.75, 2.25])
    assert result.info["exact_scaling"] is True
    assert result.info["weight_totals"].tolist() == [1.75, 2.25]
    assert result.labels.tolist() == [0, 0, 1, 1]
    assert result.cost == 0.0


def test_decimal_weights_are_scaled_conservatively_and_still_exact_in_floats():
    rng = np.random.default_rng(3)
    weight = np.round(rng.random(9) + 0.1, 3)
    cost = rng.random((9, 3))
    hi = weight.sum() / 3 * 1.2
    result = assign_capacity(cost, weight, size_max=hi)
    assert result.info["exact_scaling"] is False
    assert (totals_of(weight, result.labels, 3) <= hi).all()
    assert result.cost == pytest.approx(brute_force(cost, weight, np.zeros(3), np.full(3, hi)))


def test_a_bound_equal_to_a_float_sum_is_reachable():
    weight = np.array([0.1, 0.2, 0.3, 0.4])
    cost = np.array([[0.0, 5.0], [0.0, 5.0], [5.0, 0.0], [5.0, 0.0]])
    hi = [math.fsum([0.1, 0.2]), math.fsum([0.3, 0.4])]
    result = assign_capacity(cost, weight, size_max=hi, capacity_method="cpsat")
    assert result.cost == 0.0
    assert (result.info["weight_totals"] <= hi).all()


def test_heuristic_and_exact_agree_when_the_lp_is_integral():
    cost = np.array([[0.0, 9.0], [9.0, 0.0], [0.0, 9.0], [9.0, 0.0]])
    weight = [1.0, 2.0, 3.0, 4.0]
    exact = assign_capacity(cost, weight, size_max=6, capacity_method="cpsat")
    heuristic = assign_capacity(cost, weight, size_max=6, capacity_method="lp-round")
    assert exact.cost == heuristic.cost == 0.0
    assert heuristic.info["gap"] == 0.0


def test_cpsat_is_deterministic():
    cost, weight, _lo, hi = random_case(5, n=12, k=3)
    first = assign_capacity(cost, weight, size_max=hi, capacity_method="cpsat", seed=7)
    second = assign_capacity(cost, weight, size_max=hi, capacity_method="cpsat", seed=7)
    assert np.array_equal(first.labels, second.labels)


def test_auto_uses_cpsat_small_and_lp_round_large():
    assert resolve_method("auto", 100, AUTO_EXACT_LIMIT // 100) == "cpsat"
    assert resolve_method("auto", AUTO_EXACT_LIMIT, 2) == "lp-round"
    assert resolve_method("lp-round", 10, 2) == "lp-round"


@pytest.mark.parametrize("value", [None, "flow", "hungarian", 3])
def test_no_other_value_silently_means_auto(value):
    with pytest.raises(ValidationError) as info:
        resolve_method(value, 10, 2)
    assert str(info.value) == ("The 'capacity_method' parameter must be one of ['auto', 'cpsat', "
                               f"'lp-round']. Got {value!r} instead.")


# --- infeasibility, with the numbers ---------------------------------------------------------
def test_infeasible_bound_order():
    with pytest.raises(InfeasibleError, match=r"size_min\[1\]=5 > size_max\[1\]=4 \(total weights\)"):
        assign_capacity(np.zeros((3, 2)), [1, 2, 3], size_min=[0, 5], size_max=[6, 4])


def test_infeasible_total_capacity():
    with pytest.raises(InfeasibleError, match=r"size_max sums to 5 < total weight 6"):
        assign_capacity(np.zeros((3, 2)), [1, 2, 3], size_max=2.5)


def test_infeasible_total_minimum():
    with pytest.raises(InfeasibleError, match=r"size_min sums to 8 > total weight 6"):
        assign_capacity(np.zeros((3, 2)), [1, 2, 3], size_min=4)


def test_infeasible_heaviest_point():
    with pytest.raises(InfeasibleError, match=r"point 2 has weight 7 > the largest size_max 6"):
        assign_capacity(np.zeros((3, 2)), [1, 2, 7], size_max=[6, 5])


def test_infeasible_packing_is_proved_by_cpsat():
    with pytest.raises(InfeasibleError, match="CP-SAT proved that no assignment meets the "
                                              r"total-weight bounds \(weights scaled exactly\)"):
        assign_capacity(np.zeros((3, 2)), [2, 2, 2], size_max=3, capacity_method="cpsat")


def test_heuristic_reports_a_failed_repair():
    with pytest.raises(SolverError, match="could not repair its rounding"):
        assign_capacity(np.zeros((3, 2)), [2, 2, 2], size_max=3, capacity_method="lp-round")


def test_infeasible_lp_relaxation():
    # past the up-front checks the LP is only infeasible through scaling; build such a problem
    ip = IntegerProblem(cost=np.zeros((2, 2), np.int64), w_up=np.ones(2, np.int64),
                        w_down=np.ones(2, np.int64), lo=np.array([2, 2]), hi=np.array([-1, -1]),
                        exact=True, weight_scale=1.0, objective_tolerance=0.0)
    with pytest.raises(InfeasibleError, match="the LP relaxation is infeasible, so no assignment "
                                              "meets the total-weight bounds"):
        lp_relaxation(np.zeros((2, 2)), ip, time_limit=5.0)


# --- validation messages ---------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, r"The 'size_max' parameter must be given \(a total-weight bound\) when "
         r"size_unit='weight'. Got None instead."),
    ({"size_min": [1, -1]}, r"The 'size_min\[1\]' parameter must be a finite total weight >= 0. "
                            r"Got -1.0 instead."),
    ({"size_max": [1, float("nan")]}, r"The 'size_max\[1\]' parameter must be a finite total "
                                      r"weight >= 0. Got nan instead."),
    ({"size_max": [1, 2, 3]}, r"The 'size_max' parameter must be of length n_clusters=2. "
                              r"Got length 3 instead."),
    ({"sizes": [3, 3], "size_max": 4}, r"The 'sizes' parameter must be None \(omitted\) when "
                                       r"'size_min' or 'size_max' is given. Got \[3, 3\] instead."),
    ({"size_max": 9, "capacity_method": "simplex"}, r"The 'capacity_method' parameter must be one "
                                                    r"of \['auto', 'cpsat', 'lp-round'\]. "
                                                    r"Got 'simplex' instead."),
    ({"size_max": 9, "time_limit": 0}, r"The 'time_limit' parameter must be a number > 0. "
                                       r"Got 0 instead."),
])
def test_validation_messages(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        assign_capacity(np.zeros((3, 2)), [1.0, 2.0, 3.0], **kwargs)


def test_bad_weights_are_named():
    with pytest.raises(ValidationError, match=r"The 'sample_weight' parameter must be finite and "
                                              r">= 0. Got .*-1.0.* instead."):
        assign_capacity(np.zeros((2, 2)), [1.0, -1.0], size_max=3)


# --- weight capacity inside k-means ------------------------------------------------------------
def _blobs(seed: int, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)) + rng.integers(0, 3, n)[:, None] * 4, rng.uniform(0.5, 3, n)


def test_estimator_weight_mode_honours_per_cluster_weight_bounds():
    X, weight = _blobs(0)
    total = weight.sum()
    hi = np.array([0.3, 0.4, 0.45]) * total
    lo = np.array([0.2, 0.25, 0.25]) * total
    model = fsclust.FixedSizeKMeans(size_unit="weight", size_min=lo, size_max=hi, n_init=2,
                                    random_state=0).fit(X, sample_weight=weight)
    totals = totals_of(weight, model.labels_, 3)
    assert ((totals >= lo) & (totals <= hi)).all()
    assert model.result_.solver == "cpsat"
    direct = sum(weight[i] * ((X[i] - model.cluster_centers_[model.labels_[i]]) ** 2).sum()
                 for i in range(len(X)))
    assert model.inertia_ == pytest.approx(direct)
    objectives = [h["objective"] for h in model.result_.history]
    assert all(b <= a + 1e-9 * abs(a) for a, b in itertools.pairwise(objectives))


def test_library_weight_mode_with_the_heuristic():
    X, weight = _blobs(1, n=120)
    problem = fsclust.Problem.create(X, n_clusters=3, size_unit="weight", sample_weight=weight,
                                     size_max=weight.sum() / 3 * 1.05)
    result = fsclust.solve(problem, capacity_method="lp-round", n_init=2, random_state=0)
    assert result.solver == "lp-round"
    assert (totals_of(weight, result.labels, 3) <= weight.sum() / 3 * 1.05).all()


def _problem(unit: str) -> fsclust.Problem:
    X, weight = _blobs(2, n=12)
    if unit == "count":
        return fsclust.Problem.create(X, n_clusters=2)
    return fsclust.Problem.create(X, n_clusters=2, size_unit="weight", sample_weight=weight,
                                  size_max=weight.sum())


def test_solver_default_or_auto_is_allowed_and_unused_with_weights():
    for solver in ("auto", None):
        assert fsclust.solve(_problem("weight"), solver=solver, n_init=1).solver == "cpsat"
    with pytest.raises(ValidationError, match=re.escape(WEIGHT_SOLVER.format("flow"))):
        fsclust.solve(_problem("weight"), solver="flow", n_init=1)


WEIGHT_SOLVER = ("The 'solver' parameter must be 'auto' (the default) with size_unit='weight', "
                 "where capacity_method chooses the assignment method. Got {!r} instead.")
COUNT_SOLVER = "The 'solver' parameter must be one of ['auto', 'flow', 'hungarian', 'lp', 'dual']"
CHOICE_ERRORS = [
    ("weight", {"solver": "lp-round"}, WEIGHT_SOLVER.format("lp-round")),
    ("weight", {"solver": "cpsat"}, WEIGHT_SOLVER.format("cpsat")),
    ("weight", {"solver": "hungarian"}, WEIGHT_SOLVER.format("hungarian")),
    ("weight", {"capacity_method": "simplex"},
     "The 'capacity_method' parameter must be one of ['auto', 'cpsat', 'lp-round']. Got 'simplex' instead."),
    ("count", {"capacity_method": "lp-round"},
     "The 'capacity_method' parameter must be 'auto' (the default) with size_unit='count' (capacity "
     "methods are for total-weight sizes). Got 'lp-round' instead."),
    ("count", {"solver": "lp-round"},
     COUNT_SOLVER + " ('lp-round' is a capacity method: pass capacity_method='lp-round' with "
     "size_unit='weight'). Got 'lp-round' instead."),
    ("count", {"solver": "cpsat"},
     COUNT_SOLVER + " ('cpsat' is a capacity method: pass capacity_method='cpsat' with "
     "size_unit='weight'; the 'cpsat' backend is used automatically for hard must-link / "
     "cannot-link). Got 'cpsat' instead."),
]


@pytest.mark.parametrize(("unit", "kwargs", "message"), CHOICE_ERRORS)
def test_solver_and_capacity_method_each_apply_to_one_size_unit(unit, kwargs, message):
    with pytest.raises(ValidationError) as info:
        fsclust.solve(_problem(unit), n_init=1, **kwargs)
    assert str(info.value) == message


def test_estimators_take_capacity_method():
    X, weight = _blobs(1, n=30)
    model = fsclust.FixedSizeKMeans(3, size_unit="weight", size_max=weight.sum() / 3 * 1.2,
                                    capacity_method="lp-round", n_init=1, random_state=0)
    assert model.fit(X, sample_weight=weight).result_.solver == "lp-round"
    assert model.get_params()["capacity_method"] == "lp-round"
    assert "capacity_method='lp-round'" in repr(model)
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    medoids = fsclust.FixedSizeKMedoids(3, size_unit="weight", size_max=weight.sum() / 3 * 1.2,
                                        capacity_method="cpsat", n_init=1, random_state=0)
    assert medoids.fit(D, sample_weight=weight).result_.solver == "cpsat"
    with pytest.raises(ValidationError, match="The 'capacity_method' parameter must be 'auto'"):
        fsclust.FixedSizeKMedoids(3, capacity_method="cpsat", n_init=1).fit(D)


def test_weight_mode_rejects_local_search_links_and_unknown_units():
    X, weight = _blobs(2, n=12)
    problem = fsclust.Problem.create(X, n_clusters=2, size_unit="weight", sample_weight=weight,
                                     size_max=weight.sum())
    with pytest.raises(ValidationError, match=r"The 'local_search' parameter must be None with "
                                              r"size_unit='weight'"):
        fsclust.solve(problem, local_search="exchange", n_init=1)
    with pytest.raises(ValidationError, match=r"The 'must_link' parameter must be empty with "
                                              r"size_unit='weight'"):
        fsclust.Problem.create(X, n_clusters=2, size_unit="weight", size_max=20,
                               must_link=[[0, 1]])
    with pytest.raises(ValidationError, match=r"The 'size_unit' parameter must be one of "
                                              r"\['count', 'weight'\]. Got 'kg' instead."):
        fsclust.Problem.create(X, n_clusters=2, size_unit="kg")


def test_bounds_equal_to_float_sums_within_rounding_are_reported():
    weight = np.array([0.1, 0.2, 0.3])
    cost = np.array([[5.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    hi = [math.fsum([0.1, 0.2]), 0.3]     # only {0, 1} | {2} fits, and only to the last bit
    with pytest.raises(SolverError, match=r"meets the total-weight bounds only up to rounding of "
                                          r"the weights at scale 1.07374e\+09; loosen a bound"):
        assign_capacity(cost, weight, size_max=hi, capacity_method="cpsat")
    result = assign_capacity(cost, weight, size_max=[hi[0], 0.3 + 1e-6], capacity_method="cpsat")
    assert result.status == "OPTIMAL"
    assert result.cost == 0.0


def test_solver_limits_are_reported_with_their_status():
    rng = np.random.default_rng(0)
    cost, weight = rng.random((300, 6)), rng.integers(1, 9, 300).astype(float)
    weight[0] += (6 - weight.sum() % 6) % 6          # an exact 6-way partition problem
    with pytest.raises(SolverError, match=r"CP-SAT stopped with status UNKNOWN and no solution "
                                          r"\(deterministic time limit 1e-09\); raise time_limit"):
        assign_capacity(cost, weight, sizes=np.full(6, weight.sum() / 6), capacity_method="cpsat",
                        time_limit=1e-9)
    with pytest.raises(SolverError, match=r"HiGHS stopped with status 1: Time limit reached"):
        assign_capacity(cost, weight, size_max=weight.sum() / 5, capacity_method="lp-round",
                        time_limit=1e-9)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 100_000), n=st.integers(2, 6), k=st.integers(1, 3),
       integer=st.booleans(), slack=st.floats(0.0, 0.6))
def test_property_bounds_hold_or_infeasibility_is_real(seed, n, k, integer, slack):
    rng = np.random.default_rng(seed)
    cost = rng.random((n, k))
    weight = rng.integers(1, 5, n).astype(float) if integer else rng.uniform(0.2, 3.0, n)
    mean = weight.sum() / k
    lo, hi = np.full(k, mean * (1 - slack)), np.full(k, mean * (1 + slack))
    best = brute_force(cost, weight, lo, hi)
    try:
        result = assign_capacity(cost, weight, size_min=lo, size_max=hi, capacity_method="cpsat")
    except InfeasibleError:
        assert best == math.inf
        return
    except SolverError as exc:      # only when every solution sits within rounding of a bound
        assert "only up to rounding" in str(exc)
        return
    totals = totals_of(weight, result.labels, k)
    assert ((totals >= lo) & (totals <= hi)).all()
    if result.status == "OPTIMAL":
        assert result.cost == pytest.approx(best, rel=1e-9, abs=result.info["objective_tolerance"])
    else:                           # the inner (restricted) pass: feasible, maybe not optimal
        assert result.cost >= best - 1e-9


def test_exact_total_weights_must_sum_to_the_total():
    with pytest.raises(InfeasibleError, match=r"sizes sum to 5.5 but the total weight is 6"):
        assign_capacity(np.zeros((3, 2)), [1.0, 2.0, 3.0], sizes=[2.5, 3.0])
    with pytest.raises(ValidationError, match=r"The 'n_clusters' parameter must be an int. "
                                              r"Got 2.5 instead."):
        fsclust.Problem.create(np.zeros((3, 2)), n_clusters=2.5, size_unit="weight", size_max=9)
    with pytest.raises(ValidationError, match=r"The 'n_clusters' parameter must be given when no "
                                              r"per-cluster array fixes the number of clusters"):
        fsclust.Problem.create(np.zeros((3, 2)), size_unit="weight", size_max=9)


def test_heuristic_steps_are_flagged_in_the_result_message():
    X, weight = _blobs(1, n=120)
    problem = fsclust.Problem.create(X, n_clusters=3, size_unit="weight", sample_weight=weight,
                                     size_max=weight.sum() / 3 * 1.05)
    result = fsclust.solve(problem, capacity_method="lp-round", n_init=1, random_state=0)
    assert "the last assignment step is HEURISTIC (gap " in result.message
