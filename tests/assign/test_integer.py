"""The one integer-scaling rule (`fsclust.assign._integer`): row shift, the target's limit, the
error bound, and the flow / CP-SAT limits that the backends state."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import assign
from fsclust.assign._integer import CPSAT_LIMIT, INT64_MAX, flow_limit, integer_costs, shift_rows


def test_flow_integer_costs_fit_int64_with_headroom() -> None:
    cost = np.random.default_rng(1).random((50, 4)) * 1e300
    ints = integer_costs(cost, flow_limit(55)).values
    assert ints.dtype == np.int64 and ints.min() == 0
    assert 4 * (int(ints.max()) + 1) * 56 <= np.iinfo(np.int64).max
    assert int(ints.max()) > 2**50  # fine resolution: the scale is not a fixed *1000


@pytest.mark.parametrize("tiny", [2.6e-293, 5e-324, 1e-310])
def test_flow_integer_costs_with_subnormal_range(tiny: float) -> None:
    # found by hypothesis: budget / top overflowed to inf for a subnormal top (NaN costs)
    cost = np.array([[tiny, 0.0], [0.0, 0.0], [0.0, tiny / 2]])
    ints = integer_costs(cost, flow_limit(6)).values
    assert ints.min() == 0 and 0 < ints.max() <= np.iinfo(np.int64).max // (4 * 7)
    assert assign(cost, [1, 2]).cost == 0.0


def test_flow_limit_is_the_headroom_rule() -> None:
    for nodes in (1, 6, 55, 10**6 + 101):
        m = flow_limit(nodes)
        assert 4 * (m + 1) * (nodes + 1) <= INT64_MAX < 4 * (m + 2) * (nodes + 1)


def test_rows_are_shifted_and_the_largest_entry_meets_the_limit() -> None:
    cost = np.random.default_rng(2).normal(size=(30, 5)) * 7.0 - 3.0
    scaled = integer_costs(cost, CPSAT_LIMIT)
    shifted = shift_rows(cost)
    assert (shifted.min(axis=1) == 0).all() and (scaled.values.min(axis=1) == 0).all()
    assert int(scaled.values.max()) == 2**40
    assert np.abs(scaled.values - shifted * scaled.scale).max() <= 0.5
    assert scaled.error_bound == pytest.approx(30 / scaled.scale)


def test_terms_keep_a_whole_objective_within_the_limit() -> None:
    cost = np.random.default_rng(3).random((40, 3)) * 1e6
    scaled = integer_costs(cost, CPSAT_LIMIT, terms=40)
    assert int(scaled.values.max(axis=1).sum()) <= 2**40
    assert scaled.error_bound == pytest.approx(40 / scaled.scale)


def test_equal_costs_are_exact_zeros() -> None:
    scaled = integer_costs(np.full((4, 3), 2.5), CPSAT_LIMIT)
    assert scaled.values.tolist() == [[0, 0, 0]] * 4 and scaled.error_bound == 0.0


def test_unshifted_costs_and_subnormal_ranges_stay_finite() -> None:
    scaled = integer_costs(np.array([[0.0, np.pi], [np.pi, 0.0]]), 1e6, shift=False)
    assert scaled.scale * np.pi == pytest.approx(1e6) and scaled.values.max() == 10**6
    tiny = integer_costs(np.array([[5e-324, 0.0], [0.0, 1e-323]]), CPSAT_LIMIT, shift=False)
    assert tiny.values.max() == 2**40 and tiny.error_bound < 1e-300
