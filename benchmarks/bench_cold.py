"""Cold first use: import fsclust and fit twice (n=1e4, k=100, d=2 and d=32) in a new process whose
numba cache is empty (a new install or environment), then the same in a process with a warm cache.

The difference is numba's one-time JIT compilation. Defaults everywhere except ``n_init=1`` (one
restart is enough to make every kernel compile). Each line reports wall times, the process's user
CPU (steadier than wall on a loaded machine) and, with ``--compile``, the functions whose
compilation took longest (exclusive: time spent compiling callees is counted with the callee).

Usage::

    python benchmarks/bench_cold.py
    python benchmarks/bench_cold.py --compile 8     # also the 8 slowest compilations, cold run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

CHILD = """
import resource, sys, time
start = time.perf_counter()
from numba.core import event

class Exclusive(event.Listener):
    def __init__(self):
        self.stack, self.times = [], {}
    def on_start(self, ev):
        self.stack.append([time.thread_time(), 0.0])
    def on_end(self, ev):
        t0, inner = self.stack.pop()
        total = time.thread_time() - t0
        if self.stack:
            self.stack[-1][1] += total
        name = ev.data["dispatcher"].py_func.__qualname__
        self.times[name] = self.times.get(name, 0.0) + total - inner

compiles = Exclusive()
event.register("numba:compile", compiles)
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
user = resource.getrusage(resource.RUSAGE_SELF).ru_utime
print(f"import {imported - start:.1f} s; " + "; ".join(
    f"fit d={d} {s:.1f} s ({it} iterations, {solver})" for d, s, it, solver in fits)
    + f"; total {total:.1f} s; user CPU {user:.1f} s; compile {sum(compiles.times.values()):.1f} s")
top = sorted(compiles.times.items(), key=lambda item: -item[1])[:int(sys.argv[1])]
for name, s in top:
    print(f"    compile {s:6.2f} s  {name}")
"""


def run(cache: str, n_compile: int) -> str:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    done = subprocess.run([sys.executable, "-c", CHILD, str(n_compile)], env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", type=int, default=0, metavar="N",
                        help="list the N slowest compilations of the cold run")
    args = parser.parse_args()
    print(f"# load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as cache:
        print(f"cold (empty numba cache): {run(cache, args.compile)}")
        print(f"warm (same cache again):  {run(cache, 0)}")
    print(f"# load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
