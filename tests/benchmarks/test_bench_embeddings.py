"""The embeddings benchmark (benchmarks/bench_embeddings.py) on a tiny case, in process."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(import_script):
    """The benchmark script, imported as a module."""
    return import_script("bench_embeddings")


def test_data_are_balanced_and_shared(bench) -> None:
    case = bench.Case(600, 5, 12)
    X, sizes, init = bench.make_data(case, seed=3)
    again = bench.make_data(case, seed=3)
    assert X.shape == (600, 5) and init.shape == (12, 5)
    assert sizes.sum() == 600 and sizes.max() - sizes.min() <= 1
    assert all(np.array_equal(a, b) for a, b in zip((X, sizes, init), again, strict=True))


def test_rows_of_both_tools_and_the_split(bench) -> None:
    spec = {"n": 600, "d": 5, "k": 12, "seed": 0, "budget": 60.0}
    ours = bench.worker({**spec, "tool": "fsclust"})
    lloyd = bench.worker({**spec, "tool": "lloyd"})
    assert ours["sizes_ok"] and not ours["stopped"] and 1 <= ours["iterations"] <= bench.MAX_ITER
    assert sum(ours["split"]) == pytest.approx(ours["wall"])
    assert 1 <= lloyd["iterations"] <= bench.MAX_ITER
    assert np.isfinite([ours["sse"], lloyd["sse"]]).all() and min(ours["sse"], lloyd["sse"]) > 0
    line = bench.format_row(bench.Case(600, 5, 12), {"fsclust": ours, "lloyd": lloyd,
                                                     "kmc": {"skipped": "not run"}})
    assert line.startswith("| 600 | 5 | 12 |") and "x |" in line and "not run" in line


def test_budget_stops_a_fit_and_says_so(bench) -> None:
    spec = {"n": 600, "d": 5, "k": 12, "seed": 0, "budget": 0.0, "tool": "fsclust"}
    row = bench.worker(spec)
    assert row["iterations"] == 1 and "budget" in row["stopped"] and "sse" not in row


def test_cases_by_name(bench) -> None:
    assert bench.select(bench.FULL, ["1e5,64,1000"]) == [bench.Case(100_000, 64, 1000)]
    assert bench.select(bench.QUICK, None) == bench.QUICK


def test_solve_stats_split_the_dual_solver(bench) -> None:
    from fsclust.assign import SOLVERS
    from fsclust.problem.sizes import resolve_sizes

    rng = np.random.default_rng(4)
    cost, sizes = rng.random((800, 12)), resolve_sizes(800, n_clusters=12)
    first = SOLVERS["dual"].solve(cost, sizes)
    again = SOLVERS["dual"].solve(cost + 0.01 * rng.random((800, 12)), sizes, warm_start=first.prices)
    line = bench._solve_stats("dual", [first.info, again.info], 800)
    assert line.startswith(f"dual: {int(again.info['warm_started'])}/2 warm; s/it pass ")
    moves = (first.info["moves"] + again.info["moves"]) / 2
    assert f"per it {moves:,.0f} moves" in line and "n to fill" in line and "n to rebuild" in line
