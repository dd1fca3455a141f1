"""Size specifications: normalisation and every validation / infeasibility message."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import InfeasibleError, ValidationError, resolve_sizes
from fsclust.problem.sizes import balanced_sizes, largest_remainder


def test_balanced_sizes_differ_by_at_most_one() -> None:
    sizes = resolve_sizes(10, n_clusters=3)
    assert sizes.exact
    assert sizes.lo.tolist() == [4, 3, 3]
    assert balanced_sizes(9, 3).tolist() == [3, 3, 3]


def test_exact_sizes_are_kept() -> None:
    sizes = resolve_sizes(6, sizes=[1, 2, 3])
    assert sizes.lo.tolist() == [1, 2, 3] and sizes.hi.tolist() == [1, 2, 3]


def test_fractions_use_largest_remainder() -> None:
    sizes = resolve_sizes(10, sizes=[0.25, 0.25, 0.5])
    assert sizes.lo.tolist() == [3, 2, 5]
    assert int(sizes.lo.sum()) == 10


@pytest.mark.parametrize("n", [1, 7, 100, 1001])
def test_largest_remainder_sums_to_n(n: int) -> None:
    fractions = np.random.default_rng(n).dirichlet(np.ones(6))
    counts = largest_remainder(fractions, n)
    assert int(counts.sum()) == n
    assert (np.abs(counts - fractions * n) < 1).all()


def test_bounds_broadcast_and_clip() -> None:
    sizes = resolve_sizes(10, n_clusters=3, size_min=2, size_max=[4, 5, 20])
    assert not sizes.exact
    assert sizes.lo.tolist() == [2, 2, 2]
    assert sizes.hi.tolist() == [4, 5, 10]


def test_k_from_array_bounds() -> None:
    assert resolve_sizes(10, size_max=[5, 5]).n_clusters == 2


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"sizes": [3, 3]}, InfeasibleError, "sizes sum to 6 but the data has 7 rows"),
    ({"sizes": [8, -1]}, ValidationError, r"The 'sizes\[1\]' parameter must be an integer >= 0. Got -1 "
                                          r"instead."),
    ({"sizes": [3.5, 3.5]}, ValidationError, r"The 'sizes\[0\]' parameter must be an integer \(integer "
                                             r"counts summing to n, or fractions in \[0, 1\] summing "
                                             r"to 1\). Got 3.5 instead."),
    ({"n_clusters": 8}, InfeasibleError, r"n_clusters=8 exceeds the number of points \(7\)"),
    ({"n_clusters": 2, "size_max": 3}, InfeasibleError,
     "size_max sums to 6 < 7 points: no assignment can place every point"),
    ({"n_clusters": 2, "size_min": 4}, InfeasibleError,
     "size_min sums to 8 > 7 points: the minimum sizes cannot all be met"),
    ({"size_min": [1, 5], "size_max": [6, 4]}, InfeasibleError, r"size_min\[1\]=5 > size_max\[1\]=4"),
    ({"sizes": [3, 4], "size_max": 4}, ValidationError,
     r"The 'sizes' parameter must be None \(omitted\) when 'size_min' or 'size_max' is given. "
     r"Got \[3, 4\] instead."),
    ({}, ValidationError, "The 'n_clusters' parameter must be given"),
    ({"n_clusters": 0}, ValidationError, "The 'n_clusters' parameter must be an int >= 1. Got 0 instead."),
    ({"n_clusters": 2.0}, ValidationError, "The 'n_clusters' parameter must be an int. Got 2.0 instead."),
    ({"sizes": [3, 4], "n_clusters": 3}, ValidationError,
     "The 'sizes' parameter must be of length n_clusters=3. Got length 2 instead."),
    ({"sizes": "abc", "n_clusters": 2}, ValidationError,
     "The 'sizes' parameter must be a number or a 1-D array of numbers"),
])
def test_size_errors(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        resolve_sizes(7, **kwargs)


def test_more_clusters_than_points_allowed_with_explicit_bounds() -> None:
    sizes = resolve_sizes(2, n_clusters=3, size_min=0, size_max=1)
    assert sizes.n_clusters == 3 and sizes.hi.tolist() == [1, 1, 1]


# --- issue 11, item 7: one story for sizes in the library and the YAML spec --------------------
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sizes": [True, 4, 4]}, r"The 'sizes' parameter must be a number or a 1-D array of numbers "
                              r"\(not booleans\). Got \[True, 4, 4\] instead."),
    ({"size_min": [True, 1, 1], "size_max": 4}, r"The 'size_min' parameter must be .*\(not booleans\)"),
    ({"n_clusters": 2, "size_max": np.array([True, True])}, r"The 'size_max' parameter .*not booleans"),
    ({"sizes": [0.5, 0.3, 0.3]}, r"The 'sizes' parameter must be fractions summing to 1 \(or integer "
                                 r"counts summing to n\). Got a sum of 1.1 instead."),
    ({"sizes": [4.5, 4, 0.5]}, r"The 'sizes\[0\]' parameter must be an integer \(integer counts "
                               r"summing to n, or fractions in \[0, 1\] summing to 1\). Got 4.5 instead."),
    ({"n_clusters": 2, "size_min": [[1], [1, 2]]},
     r"The 'size_min' parameter must be a number or a 1-D array of numbers"),
])
def test_size_messages(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        resolve_sizes(9, **kwargs)


def test_the_blamed_parameter_is_recorded() -> None:
    with pytest.raises(ValidationError) as info:
        resolve_sizes(9, size_min=[1, 1, 1], size_max=[4, 4])
    assert info.value.param == "size_max"
