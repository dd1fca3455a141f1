"""Cold first use: import fsclust and fit twice (n=1e4, k=100, d=2 and d=32) in a new process whose
numba cache is empty (a new install or environment), then the same in a process with a warm cache.

The difference is numba's one-time JIT compilation. Defaults everywhere except ``n_init=1`` (one
restart is enough to make every kernel compile).

Usage::

    python benchmarks/bench_cold.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

CHILD = """
import time
start = time.perf_counter()
import numpy as np
import fsclust
imported = time.perf_counter()
rng = np.random.default_rng(0)
fits = []
for d in (2, 32):
    X = rng.normal(size=(10_000, d))
    t = time.perf_counter()
    model = fsclust.FixedSizeKMeans(100, n_init=1, random_state=0).fit(X)
    fits.append((d, time.perf_counter() - t, model.n_iter_, model.result_.solver))
total = time.perf_counter() - start
print(f"import {imported - start:.1f} s; " + "; ".join(
    f"fit d={d} {s:.1f} s ({it} iterations, {solver})" for d, s, it, solver in fits)
    + f"; total {total:.1f} s")
"""


def run(cache: str) -> str:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def main() -> int:
    print(f"# load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as cache:
        print(f"cold (empty numba cache): {run(cache)}")
        print(f"warm (same cache again):  {run(cache)}")
    print(f"# load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
