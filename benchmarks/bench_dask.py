"""Dask benchmark: fixed-size k-means on a LocalCluster vs dask-ml's (unconstrained) KMeans.

The data (Gaussian blobs) is written once to a ``.npy`` file and read memory-mapped into a dask
array of row blocks, persisted on a ``LocalCluster`` of 2 worker processes (1 thread each). Every
tool runs in its own client process (its peak RSS is the *client* memory; the workers are other
processes) from the same initial centers (k-means++ on a 20,000-row sample) for the same number of
iterations: fsclust's exact balanced assignment (``FixedSizeKMeans(...).fit(dask_array)``) and
dask-ml's ``KMeans`` (no size constraint). The in-memory fsclust fit (``solver="dual"``) runs
alongside on the numpy array, in one process.

Usage::

    python benchmarks/bench_dask.py             # 4e6 x 16, k=100, 10 iterations (~2.5 min)
    python benchmarks/bench_dask.py --quick     # 2e5 x 8, k=20, 5 iterations (under a minute)
    python benchmarks/bench_dask.py --case 1000000,16,100,10,100000   # n,d,k,iterations,block rows
    python benchmarks/bench_dask.py --tools dask-ml,fsclust-dask --seed 3   # the dask fit's sample fixed
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _memory import peak_mb

TOOLS = ("dask-ml", "fsclust-dask", "fsclust-memory")    # dask-ml first: the ratio column


def make_data(path: Path, n: int, d: int, k: int, seed: int = 0) -> None:
    """Gaussian blobs around ``k`` random centers, written block by block to ``path``."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-10, 10, size=(k, d))
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n, d))
    step = 500_000
    for start in range(0, n, step):
        m = min(step, n - start)
        out[start:start + m] = means[rng.integers(0, k, m)] + rng.normal(size=(m, d))
    out.flush()


def initial_centers(path: Path, k: int, seed: int = 0) -> np.ndarray:
    from fsclust.models.init import kmeans_plusplus

    X = np.load(path, mmap_mode="r")
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(X.shape[0], size=min(20_000, X.shape[0]), replace=False))
    return kmeans_plusplus(np.asarray(X[rows]), k, rng)


def _worker_array(path: str, chunk: int):
    """The ``.npy`` file as a dask array whose row blocks the workers read (the client reads only
    the header: its memory does not count the data)."""
    from fsclust.distributed.data import npy_array

    return npy_array(path, chunk).astype(np.float64)


def _step_note(steps: list[dict]) -> str:
    """Passes, listed points and seconds of every assignment step of a dask fit."""
    passes = "/".join(str(h["passes"]) for h in steps)
    seconds = "/".join(f"{h['seconds']:.1f}" for h in steps)
    return f"passes {passes}; listed max {max(h['candidates'] for h in steps):,}; step s {seconds}"


def _cluster(address: str | None):
    from distributed import Client

    return Client(address)


def run_tool(tool: str, path: str, centers_path: str, iters: int, chunk: int, address: str,
             seed: int | None = None) -> dict:
    """One tool's fit in this process; returns timings and the client's peak RSS. ``seed`` is the
    dask fit's ``random_state`` (its client-side sample, from which its cold steps start)."""
    centers = np.load(centers_path)
    k = centers.shape[0]
    if tool == "fsclust-memory":
        from fsclust import FixedSizeKMeans

        X = np.load(path)
        begin = time.perf_counter()
        model = FixedSizeKMeans(k, solver="dual", init=centers, n_init=1, max_iter=iters, tol=0.0).fit(X)
        seconds, n_iter = time.perf_counter() - begin, model.n_iter_
        sse, sizes = model.inertia_, model.sizes_
        extra = ""
    else:
        client = _cluster(address)
        X = _worker_array(path, chunk).persist()
        from distributed import wait
        wait(X)
        begin = time.perf_counter()
        if tool == "dask-ml":
            from dask_ml.cluster import KMeans

            model = KMeans(n_clusters=k, init=centers, max_iter=iters, tol=0.0).fit(X)
            seconds, n_iter = time.perf_counter() - begin, int(model.n_iter_)
            sse, sizes = float(model.inertia_), np.bincount(np.asarray(model.labels_), minlength=k)
            extra = ""
        else:
            from fsclust import FixedSizeKMeans

            model = FixedSizeKMeans(k, init=centers, n_init=1, max_iter=iters, tol=0.0,
                                    random_state=seed).fit(X)
            seconds, n_iter = time.perf_counter() - begin, model.n_iter_
            sse, sizes = model.inertia_, model.sizes_
            extra = _step_note(model.result_.history)
        client.close()
    peak = peak_mb()
    return {"tool": tool, "seconds": seconds, "iters": n_iter, "sse": sse, "min": int(np.min(sizes)),
            "max": int(np.max(sizes)), "peak_mb": peak, "extra": extra}


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2e5 x 8, k=20, 5 iterations")
    parser.add_argument("--case", help="n,d,k,iterations,block rows (default: the full size)")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--seed", type=int, help="random_state of the dask fit (default: none, a new "
                        "client sample every run)")
    parser.add_argument("--child", nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        tool, path, centers, iters, chunk, address, seed = args.child
        print(json.dumps(run_tool(tool, path, centers, int(iters), int(chunk), address,
                                  None if seed == "none" else int(seed))))
        return 0
    quick, full = (200_000, 8, 20, 5, 25_000), (4_000_000, 16, 100, 10, 100_000)
    case = tuple(int(float(v)) for v in args.case.split(",")) if args.case else None
    n, d, k, iters, chunk = case or (quick if args.quick else full)
    from distributed import LocalCluster

    print(f"# before: {_uptime()} ({os.cpu_count()} cores)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path, centers_path = Path(tmp) / "X.npy", Path(tmp) / "centers.npy"
        make_data(path, n, d, k)
        np.save(centers_path, initial_centers(path, k))
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        print(f"n={n:,} d={d} k={k}, {iters} iterations, LocalCluster of 2 worker processes, "
              f"row blocks of {chunk:,}")
        print("| tool | wall s | iters | s / iter | x dask-ml | SSE | sizes min-max | client peak MB "
              "| note |")
        print("|---|---:|---:|---:|---:|---:|---|---:|---|")
        base = None
        for tool in args.tools.split(","):
            child = ["--child", tool, str(path), str(centers_path), str(iters), str(chunk),
                     cluster.scheduler_address, "none" if args.seed is None else str(args.seed)]
            out = subprocess.run([sys.executable, __file__, *child],
                                 capture_output=True, text=True, check=False)
            if out.returncode != 0:
                print(f"| {tool} | failed: {out.stderr.strip().splitlines()[-1]} |")
                continue
            row = json.loads(out.stdout.strip().splitlines()[-1])
            per = row["seconds"] / max(row["iters"], 1)
            base = per if tool == "dask-ml" else base
            ratio = f"{per / base:.2f}" if base else "-"
            print(f"| {tool} | {row['seconds']:.1f} | {row['iters']} | {per:.2f} | {ratio} "
                  f"| {row['sse']:.6g} | {row['min']}-{row['max']} | {row['peak_mb']:.0f} | {row['extra']} |",
                  flush=True)
        cluster.close()
    print(f"# after: {_uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
