"""The shared lookup helper: every lookup table gives the same standard error."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import ValidationError
from fsclust._validation import lookup
from fsclust.assign import get_solver, solver_names
from fsclust.assign.capacity.methods import CAPACITY_METHODS, resolve_method
from fsclust.localsearch import LOCAL_SEARCHES, check_local_search
from fsclust.models.init import INITS, resolve_init
from fsclust.models.kmedoids import MEDOID_INITS, medoid_init
from fsclust.models.predict import PREDICT_MODES, CapacityLedger, predict_labels

LEDGER = CapacityLedger(np.array([1, 1]), np.array([2, 2]))

TABLES = [
    (lambda: get_solver("x"), "solver", ["auto", *solver_names()]),
    (lambda: resolve_method("x", 4, 2), "capacity_method", ["auto", *CAPACITY_METHODS]),
    (lambda: check_local_search("x", None, None), "local_search", [None, *LOCAL_SEARCHES]),
    (lambda: resolve_init("x", 2, 2), "init", list(INITS)),
    (lambda: medoid_init("x", 4, 2), "init", list(MEDOID_INITS)),
    (lambda: predict_labels(np.zeros((1, 2)), "x", LEDGER), "capacity", list(PREDICT_MODES)),
]


@pytest.mark.parametrize(("call", "param", "names"), TABLES)
def test_every_table_gives_the_standard_error(call, param: str, names: list) -> None:
    with pytest.raises(ValidationError) as info:
        call()
    assert str(info.value) == f"The {param!r} parameter must be one of {names}. Got 'x' instead."


@pytest.mark.parametrize("table", [CAPACITY_METHODS, LOCAL_SEARCHES, INITS, MEDOID_INITS, PREDICT_MODES])
def test_tables_map_names_to_callables(table: dict) -> None:
    assert table and all(isinstance(name, str) and callable(entry) for name, entry in table.items())


def test_lookup_returns_the_entry_and_lists_extra_values_first() -> None:
    table = {"a": 1, "b": 2}
    assert lookup(table, "b", "p") == 2
    with pytest.raises(ValidationError) as info:
        lookup(table, ["a"], "p", extra=[None], note=" (a note)")
    assert str(info.value) == "The 'p' parameter must be one of [None, 'a', 'b'] (a note). Got ['a'] instead."
