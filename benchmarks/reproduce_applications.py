"""The two applications of Malinen, Järviö & Fränti, "Fixed-size k-means", with fsclust.

* Seating plan (models/karonkka.yaml: 22 guests, tables of 4, 4, 5, 6, 3). The paper embeds the
  guest distance matrix by MDS, runs fixed-size k-means and reports mean within-table distances
  0.0, 5.5, 4.3, 4.8, 0.0. We run the same route (the spec), pairwise exchange straight on the
  matrix (no MDS), and the CP-SAT exact solver, which proves the optimum of the total
  within-table distance (``objective="sum"``) and of the sum of per-table means (``"mean"``).
* Parliament (models/parliament.yaml: 200 MPs on a left-right axis, tables 55, 46, 36, 35, 28).
  The paper: best of 100 runs clearly better than a single run (MSE 35.8 vs mean 77.5), and the
  Finns Party (PS, 46 seats) alone at the 46-seat table. On one axis the optimal fixed-size
  partition consists of contiguous blocks of the sorted points, so the global optimum is found
  by trying all 5! orders of the table sizes; we compare the best of 100 runs with it.

Usage::

    python benchmarks/reproduce_applications.py [--restarts 100] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

import fsclust
from fsclust.app.spec import load_spec
from fsclust.app.workflow import solve_spec, with_overrides

MODELS = Path(__file__).resolve().parents[1] / "models"
PAPER_SEATING = [0.0, 5.5, 4.3, 4.8, 0.0]


def seating(time_limit: float) -> list[str]:
    spec = load_spec(MODELS / "karonkka.yaml")
    D, sizes = spec.distances, spec.problem.sizes.lo.tolist()
    plans = {"paper (MDS + fixed-size k-means)": None,
             f"fsclust spec route (MDS + fixed-size k-means, {spec.solver.restarts} restarts)":
             solve_spec(spec).labels,
             "fsclust pairwise exchange on the matrix (20 starts)":
             fsclust.solve_pairwise(D, sizes, n_init=20, random_state=0).labels}
    lines = ["| plan | " + " | ".join(f"table {s}" for s in sizes) + " | sum of means | total |",
             "|---|" + "---|" * (len(sizes) + 2)]
    lines.append(_seat_row("paper (MDS + fixed-size k-means)", np.array(PAPER_SEATING), sizes))
    for name, labels in list(plans.items())[1:]:
        lines.append(_seat_row(name, fsclust.within_cluster_means(D, labels, len(sizes)), sizes))
    for objective in ("sum", "mean"):
        res = fsclust.solve_exact(D, sizes, objective=objective, time_limit=time_limit)
        proof = "proven optimal" if res.proven_optimal else f"gap {res.gap:.1%}"
        lines.append(_seat_row(f"CP-SAT exact, objective={objective!r} ({proof}, {res.seconds:.1f} s)",
                               res.within_means, sizes))
    return lines


def _seat_row(name: str, means: np.ndarray, sizes: list[int]) -> str:
    pairs = np.array(sizes) * (np.array(sizes) - 1) / 2
    cells = " | ".join(f"{m:.2f}" for m in means)
    return f"| {name} | {cells} | {means.sum():.2f} | {float((means * pairs).sum()):.0f} |"


def parliament(restarts: int) -> list[str]:
    spec = with_overrides(load_spec(MODELS / "parliament.yaml"), restarts=restarts)
    problem, n = spec.problem, spec.problem.n_points
    optimum = contiguous_optimum(problem.X[:, 0], problem.sizes.lo) / n
    init = spec.solver.init
    results = {f"plain (spec route: init={init!r}, alternation)": solve_spec(spec),
               f"init={init!r} + local_search='random_swap' (50 trials)": fsclust.solve(
                   problem, init=init, n_init=restarts, random_state=spec.solver.seed,
                   local_search="random_swap")}
    lines = [f"Global optimum (contiguous blocks, all orders of the sizes): MSE {optimum:.4f}", "",
             "| runs | best MSE | mean MSE | runs at the optimum | s/run |", "|---|---|---|---|---|"]
    for name, res in results.items():
        mse = np.asarray(res.run_objectives) / n
        lines.append(f"| {name} | {mse.min():.4f} | {mse.mean():.4f} | "
                     f"{int((mse <= optimum * (1 + 1e-9)).sum())} / {restarts} | "
                     f"{res.seconds / restarts:.3f} |")
    for name, res in results.items():
        lines += ["", f"Best plan, {name}:", "", *_tables(spec, res.labels)]
    return lines


def _tables(spec, labels: np.ndarray) -> list[str]:
    parties = np.array([name.split("-")[0] for name in spec.point_names])
    lines = ["| table | seats | parties |", "|---|---|---|"]
    for j, name in enumerate(spec.cluster_names):
        members = parties[labels == j]
        counts = ", ".join(f"{p} {c}" for p, c in zip(*np.unique(members, return_counts=True),
                                                            strict=True))
        lines.append(f"| {name} | {members.size} | {counts} |")
    return lines


def contiguous_optimum(values: np.ndarray, sizes: np.ndarray) -> float:
    """Least SSE of a partition of sorted 1-D ``values`` into contiguous blocks of ``sizes``
    (in any order): the global optimum of fixed-size k-means on one axis."""
    x = np.sort(values)
    best = np.inf
    for order in set(itertools.permutations(sizes.tolist())):
        cuts = np.cumsum((0, *order))
        best = min(best, sum(float(((x[a:b] - x[a:b].mean()) ** 2).sum())
                             for a, b in itertools.pairwise(cuts)))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=100, help="parliament runs")
    parser.add_argument("--time-limit", type=float, default=60.0, help="CP-SAT seconds")
    args = parser.parse_args(argv)
    print("## Seating plan (mean within-table distance per table)\n")
    print("\n".join(seating(args.time_limit)))
    print("\n## Parliament\n")
    print("\n".join(parliament(args.restarts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
