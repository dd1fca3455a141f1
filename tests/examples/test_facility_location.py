"""The library example: fsclust.assign inside a facility-location local search."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

PATH = Path(__file__).resolve().parents[2] / "examples" / "facility_location.py"


def load_example():
    spec = importlib.util.spec_from_file_location("facility_location", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plan_honours_capacities_and_is_a_local_optimum() -> None:
    ex = load_example()
    data = ex.create_data(seed=3)
    open_sites, total, step = ex.solve(data)
    assert step is not None and step.status == "OPTIMAL"
    assert int(step.counts.sum()) == len(data.customers)
    assert (step.counts <= data.capacity[open_sites]).all()
    assert total == ex.evaluate(data, open_sites)[0]
    assert all(ex.evaluate(data, other)[0] >= total - 1e-9
               for other in ex.neighbours(open_sites, len(data.sites)))


def test_short_capacity_is_infeasible() -> None:
    ex = load_example()
    data = ex.create_data()
    total, step = ex.evaluate(data, [int(np.argmin(data.capacity))])
    assert total == np.inf and step is None


def test_main_prints_report(capsys) -> None:
    load_example().main()
    out = capsys.readouterr().out
    assert out.startswith("open sites [") and "status OPTIMAL" in out
