"""The dask route on a LocalCluster of 2 worker processes: the same result as in memory."""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from fsclust import FixedSizeKMeans, ValidationError, assign  # noqa: E402
from fsclust.distributed.data import prepare  # noqa: E402
from fsclust.distributed.fit import Tuning, assign_points, certify, fit_kmeans  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _instance(seed: int, n: int = 800, d: int = 3, k: int = 5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + rng.integers(0, 3, size=(n, 1)) * 2.0
    return X, rng.uniform(0.5, 2.0, n), X[rng.choice(n, k, replace=False)].copy()


CASES = [
    ("balanced", {"n_clusters": 5}, False),
    ("fractions", {"sizes": [0.1, 0.3, 0.2, 0.25, 0.15]}, True),
    ("bounds", {"n_clusters": 5, "size_min": 100, "size_max": 200}, False),
    ("per-cluster bounds", {"size_min": [70, 0, 130, 30, 70], "size_max": [270, 200, 170, 800, 170]},
     True),
]


@pytest.mark.parametrize(("name", "sizes", "weighted"), CASES, ids=[c[0] for c in CASES])
def test_same_fit_as_in_memory(client, name, sizes, weighted):
    """From the same centers: same labels, inertia to 1e-9, exact sizes; short lists force refills."""
    X, w, centers = _instance(len(name))
    weight = w if weighted else None
    mem = FixedSizeKMeans(solver="dual", init=centers, n_init=1, max_iter=5, **sizes).fit(
        X, sample_weight=weight)
    data = prepare(da.from_array(X, chunks=(200, 3)), sample_weight=None if weight is None
                   else da.from_array(weight, chunks=160), **sizes)
    res = fit_kmeans(data, init=centers, n_init=1, max_iter=5, tuning=Tuning(boundary=30, sample=400))
    labels = res.labels.compute()
    assert res.n_iter == mem.n_iter_
    assert np.array_equal(labels, mem.labels_)
    assert res.objective == pytest.approx(mem.inertia_, rel=1e-9)
    assert np.array_equal(res.counts, mem.sizes_)
    assert np.array_equal(np.bincount(labels, minlength=5), res.counts)
    assert max(h["passes"] for h in res.history) > 1        # the refill path ran


def test_step_is_optimal_with_certificate(client):
    """One step from far-off prices: the optimum of the flow backend, and the O(nk) pass certifies."""
    X, _, centers = _instance(3, n=1500, k=6)
    data = prepare(da.from_array(X, chunks=(400, 3)), n_clusters=6, size_min=200, size_max=280)
    step = assign_points(data, centers, tuning=Tuning(boundary=10, sample=200))
    cost = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    best = assign(cost, size_min=200, size_max=280, solver="flow")
    assert step.cost == pytest.approx(best.cost, rel=1e-9)
    gap, top, total = certify(data, step.labels, centers, step.prices)
    assert gap <= 1e-9 * top
    assert total == pytest.approx(step.cost, rel=1e-12)
    assert ((step.counts >= 200) & (step.counts <= 280)).all()


def test_estimator_on_dask(client):
    """labels_ is dask (chunked like X), centers numpy; predict / transform / score take dask."""
    X, w, centers = _instance(5, n=1000, d=6, k=4)
    Xd = da.from_array(X, chunks=(250, 3))
    options = {"size_min": 200, "size_max": 300, "init": centers, "n_init": 1, "max_iter": 6}
    model = FixedSizeKMeans(4, **options).fit(Xd, sample_weight=da.from_array(w))
    mem = FixedSizeKMeans(4, solver="dual", **options).fit(X, sample_weight=w)
    assert isinstance(model.labels_, da.Array) and model.labels_.chunks == (Xd.chunks[0],)
    assert isinstance(model.cluster_centers_, np.ndarray)
    assert np.array_equal(model.labels_.compute(), mem.labels_)
    assert model.inertia_ == pytest.approx(mem.inertia_, rel=1e-9)
    new = np.random.default_rng(1).normal(size=(200, 6))
    newd = da.from_array(new, chunks=50)
    assert np.array_equal(model.predict(newd).compute(), mem.predict(new))
    got = model.predict(newd, capacity="proportional").compute()
    want = mem.predict(new, capacity="proportional")
    assert np.array_equal(np.bincount(got, minlength=4), np.bincount(want, minlength=4))
    left = model.remaining_capacity_.copy()
    placed = model.predict(newd[:10], capacity="remaining").compute()
    assert placed.shape == (10,)
    assert (model.remaining_capacity_ == left - np.bincount(placed, minlength=4)).all()
    assert np.allclose(model.transform(newd).compute(), mem.transform(new))
    assert model.score(newd) == pytest.approx(mem.score(new), rel=1e-12)


def test_restarts_keep_the_best(client):
    X, _, _ = _instance(7, n=800, k=3)
    model = FixedSizeKMeans(3, n_init=2, max_iter=5, random_state=0).fit(da.from_array(X, chunks=200))
    runs = model.result_.run_objectives
    assert len(runs) == 2 and model.inertia_ == min(runs)
    assert sorted(model.sizes_.tolist()) == [266, 267, 267]


def test_dask_errors(client):
    X = da.from_array(np.random.default_rng(0).normal(size=(100, 2)), chunks=50)
    with pytest.raises(ValidationError, match="'solver' parameter must be one of"):
        FixedSizeKMeans(2, solver="hungarian").fit(X)
    bad = da.from_array(np.array([[0.0, np.nan], [1.0, 1.0]]), chunks=1)
    with pytest.raises(ValidationError, match="'X' parameter must be finite"):
        FixedSizeKMeans(2).fit(bad)
    with pytest.raises(ValidationError, match="'sample_weight' parameter must be finite and > 0"):
        FixedSizeKMeans(2).fit(X, sample_weight=-da.ones(100, chunks=50))


def test_spec_engine_dask_matches_memory(client, tmp_path):
    """The same spec on engine dask and in memory (backend dual): the same files, bit for bit but
    the summary's labels; the workers write labels.csv."""
    from fsclust.cli import main

    rng = np.random.default_rng(4)
    table = np.column_stack([rng.normal(size=(600, 2)), rng.uniform(0.5, 2.0, 600)])
    np.save(tmp_path / "pts.npy", table)
    spec = ("data:\n  points: pts.npy\n  weight_column: 2\nclusters:\n  k: 3\n  size_min: 150\n"
            "  size_max: 250\nsolver:\n  backend: dual\n  restarts: 1\n  max_iter: 6\n  seed: 1\n{extra}"
            "output:\n  dir: {out}\n")
    for out, extra in (("mem", ""), ("dask", f"  engine: dask\n  scheduler: {client.scheduler.address}\n")):
        (tmp_path / f"{out}.yaml").write_text(spec.format(out=out, extra=extra))
        assert main(["solve", str(tmp_path / f"{out}.yaml"), "--quiet"]) == 0
    for name in ("labels.csv", "centers.csv"):
        assert (tmp_path / "dask" / name).read_text() == (tmp_path / "mem" / name).read_text()
    import json

    mem, dask_ = (json.loads((tmp_path / out / "summary.json").read_text()) for out in ("mem", "dask"))
    assert dask_["objective"] == pytest.approx(mem["objective"], rel=1e-9)
    assert [c["size"] for c in dask_["clusters"]] == [c["size"] for c in mem["clusters"]]
    assert [c["members"] for c in dask_["clusters"]] == [c["members"] for c in mem["clusters"]]
    assert [c["mean_distance"] for c in dask_["clusters"]] == pytest.approx(
        [c["mean_distance"] for c in mem["clusters"]], rel=1e-12)
