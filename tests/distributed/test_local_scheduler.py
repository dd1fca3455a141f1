"""Without a dask.distributed client the dask route runs on dask's local scheduler."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from fsclust import FixedSizeKMeans  # noqa: E402


def test_fit_without_client():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    centers = X[:3].copy()
    model = FixedSizeKMeans(sizes=[100, 200, 300], init=centers, n_init=1).fit(da.from_array(X, chunks=150))
    mem = FixedSizeKMeans(sizes=[100, 200, 300], solver="dual", init=centers, n_init=1).fit(X)
    assert np.array_equal(model.labels_.compute(), mem.labels_)
    assert model.sizes_.tolist() == [100, 200, 300]


def test_one_cluster_beyond_the_sample_warns_nothing():
    """k = 1 with more points than the client's sample: every regret is inf (no runner-up), which
    the boundary and the histogram cap skip instead of taking a quantile of infinities."""
    X = np.random.default_rng(1).normal(size=(70_000, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = FixedSizeKMeans(1, init=X[:1].copy(), n_init=1, max_iter=2)
        model.fit(da.from_array(X, chunks=20_000))
    assert model.sizes_.tolist() == [70_000]
    np.testing.assert_allclose(model.cluster_centers_[0], X.mean(axis=0), rtol=1e-12, atol=1e-12)


def test_npy_array_reads_blocks_on_the_workers(tmp_path) -> None:
    import pickle

    from fsclust.distributed.data import npy_array

    data = np.arange(5000 * 3, dtype=np.float32).reshape(5000, 3)
    path = tmp_path / "points.npy"
    np.save(path, data)
    array = npy_array(str(path), 700)
    assert array.shape == (5000, 3) and array.dtype == np.float32
    assert array.chunks == ((700,) * 7 + (100,), (3,))
    np.testing.assert_array_equal(array.compute(), data)
    graph = pickle.dumps(dict(array.__dask_graph__()))
    assert len(graph) < data.nbytes / 4          # the graph holds the path and offsets, not the rows


def test_sample_view_in_row_blocks_and_warm_target(monkeypatch) -> None:
    """The sample's reduced costs are summarised block by block as from the whole matrix, and a
    warm step with unchanged centers aims its lists at the last step's moves, not at the sample's
    own bias."""
    from fsclust.distributed import fit
    from fsclust.distributed.blocks import block_costs, regrets
    from fsclust.distributed.data import prepare

    rng = np.random.default_rng(3)
    X, w = rng.normal(size=(3000, 2)), rng.uniform(0.5, 2.0, 3000)
    data = prepare(da.from_array(X, chunks=1000), sample_weight=da.from_array(w, chunks=1000), n_clusters=3)
    sample = fit.draw_sample(data, 500, np.random.default_rng(0))
    assigner = fit._Assigner(data, sample, fit.Tuning(sample=500))
    centers, prices = X[:3].copy(), np.array([0.0, 0.5, -0.2])
    monkeypatch.setattr(fit, "_ROWS", 7)
    labels, regret, top = assigner._view(centers, prices)
    reduced = block_costs(sample.X, sample.w, centers) - prices
    assert np.array_equal(labels, reduced.argmin(axis=1))
    np.testing.assert_allclose(regret, regrets(reduced), rtol=1e-12, atol=1e-12)
    assert top == pytest.approx(np.abs(reduced).max(), rel=1e-12)
    step = assigner.assign(centers, None)
    assigner.assign(centers, step.prices)
    assert assigner.target == min(max(128 * 3, 8 * assigner.runs[-1][0]["moves"]), fit._MAX_LISTED)


def test_drifted_warm_prices_count_the_histograms_at_once(monkeypatch) -> None:
    """A warm step whose sample drifted (`step._DRIFT` points a cluster or more) counts the gap
    histograms in its first pass, one that did not only lists; both end optimal alike."""
    from fsclust.distributed import step
    from fsclust.distributed.data import prepare

    rng = np.random.default_rng(4)
    X = rng.normal(size=(4000, 3)) + rng.integers(0, 4, size=(4000, 1)) * 2.0
    data = prepare(da.from_array(X, chunks=1000), n_clusters=4)
    centers = X[:4].copy()
    seen: list[tuple[bool, int]] = []
    scan = step.scan_block

    def record(*args):
        seen.append((args[8] is not None, args[9]))
        return scan(*args)

    monkeypatch.setattr(step, "scan_block", record)
    results = []
    for drift in (0.0, step._DRIFT * 4 * 50.0):
        seen.clear()
        results.append(step.assignment_step(data, centers, np.zeros(4), None, np.full(4, 1e-3), cap=20.0,
                                            fresh=False, drift=drift))
        assert seen[0] == ((False, 1) if drift == 0 else (True, 1))
    assert np.array_equal(results[0].labels.compute(), results[1].labels.compute())
    assert results[0].cost == pytest.approx(results[1].cost, rel=1e-12)
    assert results[0].counts.tolist() == [1000] * 4


def test_refills_that_keep_falling_short_give_way_to_a_rescan(monkeypatch) -> None:
    """A restricted solve short of one row after another (its prices drift past a new row's
    threshold each round) is refilled `step._REFILL_RUN` times in a row, then the step scans again
    at the solve's prices (refills alone went on for 54 rounds and gave up at 4e6 x 16, k = 100);
    the step still ends optimal."""
    from fsclust.assign.dual import DualSolver
    from fsclust.distributed import step
    from fsclust.distributed.blocks import block_costs
    from fsclust.distributed.data import prepare
    from fsclust.problem.sizes import Sizes

    rng = np.random.default_rng(6)
    X = rng.normal(size=(4000, 2)) + rng.integers(0, 4, size=(4000, 2)) * 1.5
    data = prepare(da.from_array(X, chunks=1000), n_clusters=8)
    centers = X[:8].copy()
    actions: list[str] = []
    attempt, rescan, refill = step._attempt, step._Pass.rescan, step._Pass.refill

    def drifting(lists, counts, sizes, state, tol, top):
        if len(actions) <= step._REFILL_RUN:         # short of row 0, 1, 2, ... at first
            return step._Short(np.arange(8) == len(actions), prices=state.prices.copy(),
                               past=np.zeros((8, 8)))
        return attempt(lists, counts, sizes, state, tol, top)

    monkeypatch.setattr(step, "_attempt", drifting)
    monkeypatch.setattr(step._Pass, "rescan", lambda self, *a: actions.append("rescan") or rescan(self, *a))
    monkeypatch.setattr(step._Pass, "refill", lambda self, *a: actions.append("refill") or refill(self, *a))
    got = step.assignment_step(data, centers, np.zeros(8), None, np.full(8, 0.5))
    assert actions[:step._REFILL_RUN + 1] == ["refill"] * step._REFILL_RUN + ["rescan"]
    assert got.counts.tolist() == [500] * 8
    cost = block_costs(X, None, centers)
    best = DualSolver().solve(cost, Sizes.from_counts(np.full(8, 500)))
    assert got.cost == pytest.approx(cost[np.arange(4000), best.labels].sum(), rel=1e-9)
