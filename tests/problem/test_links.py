"""Hard must-link / cannot-link: guarantees, CP-SAT optimality, contradiction messages, overrides."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fsclust
from fsclust.assign import SOLVERS, links_solver
from fsclust.errors import InfeasibleError, ValidationError
from fsclust.problem.links import check_feasible, make_links, override_distances
from fsclust.problem.sizes import Sizes


def respects(labels: np.ndarray, links: fsclust.problem.links.Links) -> bool:
    whole = all(len(set(labels[list(g)].tolist())) == 1 for g in links.groups)
    apart = all(labels[a] != labels[b] for a, b in links.cannot)
    return whole and apart


def cpsat(links: fsclust.problem.links.Links, time_limit: float | None = None):
    """The registry's links backend bound to ``links`` around the flow backend."""
    return SOLVERS["cpsat"].with_links(links, SOLVERS["flow"], time_limit)


def brute_force(cost: np.ndarray, sizes: Sizes, links: fsclust.problem.links.Links) -> float:
    n, k = cost.shape
    best = np.inf
    for combo in itertools.product(range(k), repeat=n):
        labels = np.array(combo)
        counts = np.bincount(labels, minlength=k)
        if (counts < sizes.lo).any() or (counts > sizes.hi).any() or not respects(labels, links):
            continue
        best = min(best, float(cost[np.arange(n), labels].sum()))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_cpsat_step_is_optimal_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 7, 3
    cost = rng.random((n, k)) * 10
    links = make_links(n, [[0, 1, 2]] if seed % 2 else [[0, 1], [3, 4]], [[2, 5], [5, 6]])
    sizes = Sizes.from_counts([3, 2, 2]) if seed < 3 else Sizes(np.array([1, 1, 1]), np.array([4, 4, 4]))
    check_feasible(links, sizes)
    result = cpsat(links).solve(cost, sizes)
    assert respects(result.labels, links)
    assert result.cost == pytest.approx(brute_force(cost, sizes, links), abs=1e-9)
    assert result.info.get("gap_bound", 0.0) < 1e-9


def test_flow_answer_kept_when_it_already_honours_the_links() -> None:
    cost = np.array([[0.0, 10.0], [0.0, 10.0], [10.0, 0.0], [10.0, 0.0]])
    result = cpsat(make_links(4, [[0, 1]], [[1, 2]])).solve(
        cost, Sizes.from_counts([2, 2]))
    assert result.solver == "flow" and result.labels.tolist() == [0, 0, 1, 1]


def test_contraction_alone_would_split_but_cpsat_never_does() -> None:
    # Unconstrained optimum splits {0, 1}: 0 prefers cluster 0, 1 prefers cluster 1.
    cost = np.array([[0.0, 10.0], [10.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    links = make_links(4, [[0, 1]])
    result = cpsat(links).solve(cost, Sizes.from_counts([2, 2]))
    assert result.labels[0] == result.labels[1]
    assert result.cost == pytest.approx(11.0)
    assert result.solver == "cpsat"


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(8, 20))
def test_hard_mode_never_splits_groups_nor_joins_cannot_links(seed: int, k: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    perm = rng.permutation(n).tolist()
    must = [perm[0:2], perm[2:4]]
    cannot = [[perm[0], perm[4]], [perm[5], perm[6]]]
    problem = fsclust.Problem.create(X, n_clusters=k, must_link=must, cannot_link=cannot)
    result = fsclust.solve(problem, n_init=2, max_iter=20, random_state=seed)
    assert respects(result.labels, problem.links)
    assert np.array_equal(np.sort(result.counts), np.sort(problem.sizes.lo))
    assert result.solver == "cpsat"


def test_no_links_falls_back_to_flow() -> None:
    problem = fsclust.Problem.create(np.arange(8.0)[:, None], n_clusters=2)
    assert problem.links is None
    assert fsclust.solve(problem, n_init=1, random_state=0).solver == "flow"


def test_cpsat_is_the_registered_links_backend() -> None:
    entry = SOLVERS["cpsat"]
    assert entry.capabilities.links and entry.capabilities.bounds
    assert "cpsat" not in fsclust.solver_names()
    links = make_links(4, [[0, 1]])
    bound = links_solver(links, SOLVERS["lp"], time_limit=3.0)
    assert (bound.name, bound.links, bound.fallback, bound.time_limit) == ("cpsat", links, SOLVERS["lp"], 3.0)
    assert entry.links.empty and entry.fallback is None       # the registered entry is unbound


def test_unbound_cpsat_entry_is_an_exact_assignment() -> None:
    rng = np.random.default_rng(3)
    cost = rng.random((7, 3)) * 10
    sizes = Sizes(np.array([1, 2, 1]), np.array([3, 3, 4]))
    result = SOLVERS["cpsat"].solve(cost, sizes)
    assert result.solver == "cpsat"
    assert result.cost == pytest.approx(fsclust.assign(cost, size_min=sizes.lo, size_max=sizes.hi).cost,
                                        abs=1e-9)


def test_links_use_the_solver_parameter_as_fallback() -> None:
    problem = fsclust.Problem.create(np.arange(8.0)[:, None], n_clusters=2, must_link=[[0, 1]])
    result = fsclust.solve(problem, solver="lp", n_init=1, random_state=0)
    assert result.solver == "cpsat" and result.labels[0] == result.labels[1]
    with pytest.raises(ValidationError, match=r"the 'cpsat' backend is used automatically for hard "
                                              r"must-link / cannot-link\)\. Got 'cpsat' instead\.$"):
        fsclust.solve(problem, solver="cpsat", n_init=1)   # exact text: tests/assign/test_capacity.py
    with pytest.raises(ValidationError, match=r"The 'solver' parameter must be a count-assignment "
                                              r"backend \(hard-links backends such as 'cpsat' are used "
                                              r"automatically .*\)\. Got 'cpsat' instead\."):
        fsclust.solve(problem, solver=SOLVERS["cpsat"], n_init=1)


def test_cannot_link_inside_must_link_group_names_points() -> None:
    links = make_links(5, [[0, 1], [1, 2]], [[0, 2]], names=list("abcde"))
    with pytest.raises(InfeasibleError, match=r"cannot-link pair \(a, c\) lies inside the must-link group "
                                              r"\{a, b, c\}"):
        check_feasible(links, Sizes.from_counts([3, 2]))


def test_group_larger_than_every_cluster() -> None:
    links = make_links(6, [[0, 1, 2, 3]], names=list("abcdef"))
    with pytest.raises(InfeasibleError, match=r"must-link group \{a, b, c, d\} has 4 points but the "
                                              r"largest cluster holds at most 3"):
        check_feasible(links, Sizes.from_counts([3, 3]))


def test_clique_larger_than_k() -> None:
    links = make_links(6, None, [[0, 1, 2]], names=list("abcdef"))
    with pytest.raises(InfeasibleError, match=r"points a, b, c are mutually cannot-linked .* 3 of them "
                                              r"need different clusters but only 2 cluster"):
        check_feasible(links, Sizes.from_counts([3, 3]))


def test_packing_infeasibility_proved_by_cpsat() -> None:
    links = make_links(6, [[0, 1], [2, 3], [4, 5]])
    sizes = Sizes.from_counts([3, 3])
    check_feasible(links, sizes)
    with pytest.raises(InfeasibleError, match=r"CP-SAT proved that no assignment meets the cluster "
                                              r"sizes \[3, 3\]"):
        cpsat(links).solve(np.zeros((6, 2)), sizes)


def test_bad_link_entries_are_validation_errors() -> None:
    with pytest.raises(ValidationError, match=r"'must_link\[0\]\[1\]' parameter must be a point index "
                                              r"in \[0, 3\)\. Got 7"):
        make_links(3, [[0, 7]])
    with pytest.raises(ValidationError, match=r"'cannot_link\[0\]' parameter must be a list of at least 2"):
        make_links(3, None, [[1]])


def test_override_distances_sets_zero_and_far() -> None:
    d = np.array([[0.0, 3.0, 4.0], [3.0, 0.0, 5.0], [4.0, 5.0, 0.0]])
    out = override_distances(d, make_links(3, [[0, 1]], [[1, 2]]))
    assert out[0, 1] == out[1, 0] == 0.0
    assert out[1, 2] == out[2, 1] == 10.0
    assert out[0, 2] == 4.0 and d[0, 1] == 3.0


def test_local_search_refused_with_hard_links() -> None:
    problem = fsclust.Problem.create(np.arange(6.0)[:, None], n_clusters=2, must_link=[[0, 1]])
    with pytest.raises(ValidationError, match="local_search"):
        fsclust.solve(problem, n_init=1, local_search="exchange")


def test_time_limit_without_proof_is_an_error_not_an_approximation() -> None:
    from fsclust.errors import SolverError

    solver = cpsat(make_links(4, [[0, 1]]), time_limit=0.5)
    error = solver._status_error("FEASIBLE", np.array([2, 1, 1]), Sizes.from_counts([2, 2]))
    assert isinstance(error, SolverError)
    assert str(error) == ("CP-SAT reached time_limit=0.5 s without proving the assignment optimal "
                          "(status FEASIBLE); raise the time limit")


# --- issue 11, item 7: consistency of the link checks ------------------------------------------
@pytest.mark.parametrize("key", ["must_link", "cannot_link"])
def test_a_self_pair_is_refused_in_both_lists(key: str) -> None:
    with pytest.raises(ValidationError, match=rf"The '{key}\[0\]' parameter must be a list of "
                                              r"distinct points. Got \[1, 1\] instead."):
        make_links(5, **{key: [[1, 1]]})


def test_a_pair_in_both_lists_is_refused_in_override_mode_too() -> None:
    links = make_links(4, [[0, 1]], [[1, 0]])
    with pytest.raises(InfeasibleError, match=r"cannot-link pair \(0, 1\) lies inside the must-link "
                                              r"group \{0, 1\}: the constraints contradict each other"):
        override_distances(np.ones((4, 4)) - np.eye(4), links)
