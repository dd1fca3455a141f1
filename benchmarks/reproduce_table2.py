"""Reproduce Table 2 of Malinen & Fränti, "Balanced k-means for clustering" (S+SSPR 2014).

For every row: MSE best / mean / st.dev over R runs and the time per run of
  * fsclust balanced k-means, plain (one k-means++ start, alternation to convergence),
  * the same from the size-aware k-means++ seeding (``init="size-aware"``),
  * fsclust balanced k-means + local search (the same start, then random swap),
  * constrained k-means (Bradley, Bennett & Demiriz 2000) with minimum size tau = floor(n / k),
    solved by the min-cost-flow backend (the same LP; cross-checked against the HiGHS LP backend
    on the first runs of each row),
  * unconstrained k-means (scikit-learn KMeans, one k-means++ start per run).

MSE = SSE / n in the paper's unit (S-sets: 1e9 on the raw integer coordinates; iris: z-scored
features, unit 0.1; wine: z-scored features, unit 1, no normalization reproduces the paper's 3.31).
See docs/quality.md for how this was established and for the results.

Usage::

    python benchmarks/reproduce_table2.py                       # all rows, 100 runs each
    python benchmarks/reproduce_table2.py --quick               # 5 runs per row
    python benchmarks/reproduce_table2.py --rows s1-500-k15,iris --runs 20 --out table.md
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import fsclust

DATA = Path(__file__).resolve().parent / "data"
SUBSET_SEED = 0
RANDOM_SWAP_TRIALS = 50


@dataclass(frozen=True)
class Row:
    """One row of Table 2: data set, subset size (None = all points), k, the paper's values."""

    name: str
    dataset: str
    n: int | None
    k: int
    paper_best: float | None
    paper_mean: float | None = None
    paper_constrained: tuple[float, float] | None = None


ROWS = [
    Row("s1-500-k15", "s1", 500, 15, 3.48, 3.73, (3.34, 3.36)),
    Row("s1-500-k7", "s1", 500, 7, 14.2, 15.7),
    Row("s1-1000-k15", "s1", 1000, 15, 2.89),
    Row("s2-500-k15", "s2", 500, 15, 3.60, 3.77),
    Row("s3-500-k15", "s3", 500, 15, 3.60, 3.69),
    Row("s4-500-k15", "s4", 500, 15, 3.46, 3.61),
    Row("s2-5000-k15", "s2", None, 15, 2.86),
    Row("thyroid-k2", "thyroid", None, 2, 4.00),
    Row("wine-k3", "wine", None, 3, 3.31),
    Row("iris-k3", "iris", None, 3, 9.35),
]
UNITS = {"s1": 1e9, "s2": 1e9, "s3": 1e9, "s4": 1e9, "iris": 0.1, "wine": 1.0}


def load(row: Row) -> np.ndarray | None:
    """The row's data (n, d), or None when the data set is not available (thyroid)."""
    if row.dataset in ("iris", "wine"):
        from sklearn import datasets

        X = getattr(datasets, f"load_{row.dataset}")().data
        return (X - X.mean(axis=0)) / X.std(axis=0)          # z-scores (population std)
    path = DATA / f"{row.dataset}.txt"
    if not path.exists():
        return None
    X = np.loadtxt(path)
    if row.n is None:
        return X
    return X[subset(X.shape[0], row.n, SUBSET_SEED)]


def subset(total: int, n: int, seed: int) -> np.ndarray:
    """Sorted indices of ``n`` of ``total`` points drawn uniformly without replacement."""
    return np.sort(np.random.default_rng(seed).choice(total, n, replace=False))


def fsclust_runs(X: np.ndarray, k: int, runs: int, n_jobs: int | None, **options) -> list[float]:
    """SSE of every restart of one `fsclust.solve` call (each restart is one run)."""
    problem = fsclust.Problem.create(X, n_clusters=k, size_min=options.pop("size_min", None))
    return fsclust.solve(problem, n_init=runs, random_state=0, n_jobs=n_jobs,
                         **options).run_objectives


def sklearn_runs(X: np.ndarray, k: int, runs: int, n_jobs: int | None) -> list[float]:
    from sklearn.cluster import KMeans

    return [KMeans(k, n_init=1, init="k-means++", random_state=seed).fit(X).inertia_
            for seed in range(runs)]


def methods(X: np.ndarray, k: int) -> dict[str, Callable[[int, int | None], list[float]]]:
    tau = X.shape[0] // k
    return {
        "fsclust balanced (plain)": lambda r, j: fsclust_runs(X, k, r, j),
        "fsclust balanced (size-aware init)": lambda r, j: fsclust_runs(X, k, r, j, init="size-aware"),
        f"fsclust balanced + random swap ({RANDOM_SWAP_TRIALS})": lambda r, j: fsclust_runs(
            X, k, r, j, local_search="random_swap", local_search_budget=RANDOM_SWAP_TRIALS),
        f"constrained k-means (tau={tau}, flow)": lambda r, j: fsclust_runs(X, k, r, j, size_min=tau),
        "k-means (sklearn, unconstrained)": lambda r, j: sklearn_runs(X, k, r, j),
    }


def lp_check(X: np.ndarray, k: int, runs: int) -> float:
    """Largest relative difference between the LP and the flow backend over the first runs of
    constrained k-means (same seeds, so the same trajectories unless float ties differ)."""
    tau = X.shape[0] // k
    flow = fsclust_runs(X, k, runs, None, size_min=tau)
    lp = fsclust_runs(X, k, runs, None, size_min=tau, solver="lp")
    return float(max(abs(a - b) / b for a, b in zip(lp, flow, strict=True)))


def measure(row: Row, runs: int, n_jobs: int | None, lp_runs: int) -> dict:
    X = load(row)
    if X is None:
        return {"row": row.name, "missing": True}
    unit, n = UNITS[row.dataset], X.shape[0]
    out: dict = {"row": row.name, "n": n, "k": row.k, "runs": runs, "methods": {}}
    for name, run in methods(X, row.k).items():
        start = time.perf_counter()
        mse = np.asarray(run(runs, n_jobs)) / n / unit
        seconds = (time.perf_counter() - start) / runs
        out["methods"][name] = {"best": float(mse.min()), "mean": float(mse.mean()),
                                "sd": float(mse.std()), "seconds_per_run": seconds}
    if lp_runs and n <= 1000:
        out["lp_vs_flow_max_rel_diff"] = lp_check(X, row.k, lp_runs)
    return out


def sensitivity(row: Row, subsets: int, runs: int, n_jobs: int | None) -> str:
    """One markdown line: fsclust (+ random swap) best and mean MSE over ``runs`` runs on each of
    ``subsets`` random subsets (seeds 0, 1, ...), against the paper's values."""
    X0, unit = np.loadtxt(DATA / f"{row.dataset}.txt"), UNITS[row.dataset]
    best, mean = [], []
    for seed in range(subsets):
        X = X0[subset(X0.shape[0], row.n, seed)]
        mse = np.asarray(fsclust_runs(X, row.k, runs, n_jobs, local_search="random_swap",
                                      local_search_budget=RANDOM_SWAP_TRIALS)) / row.n / unit
        best.append(mse.min())
        mean.append(mse.mean())
    b, m = np.array(best), np.array(mean)
    beat_best = int((b <= row.paper_best).sum())
    beat_mean = "-" if row.paper_mean is None else f"{int((m < row.paper_mean).sum())}/{subsets}"
    return (f"| {row.name} | {subsets} x {runs} | {b.min():.3f} / {np.median(b):.3f} / {b.max():.3f} "
            f"| {np.median(m):.3f} | {_fmt(row.paper_best)} | {_fmt(row.paper_mean)} "
            f"| {beat_best}/{subsets} | {beat_mean} |")


SENSITIVITY_HEADER = [
    "| row | subsets x runs | best MSE min / median / max | median of mean MSE | paper best "
    "| paper mean | subsets with best <= paper best | subsets with mean < paper mean |",
    "|---|---|---|---|---|---|---|---|"]


def markdown(results: list[dict]) -> str:
    lines = ["| row | n | k | method | best | mean | st.dev | s/run | paper best | paper mean |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    paper = {row.name: row for row in ROWS}
    for res in results:
        row = paper[res["row"]]
        if res.get("missing"):
            lines.append(f"| {row.name} | - | {row.k} | data not available | - | - | - | - | "
                         f"{row.paper_best} | - |")
            continue
        for name, m in res["methods"].items():
            p_best, p_mean = _paper(row, name)
            lines.append(f"| {row.name} | {res['n']} | {row.k} | {name} | {m['best']:.3f} | "
                         f"{m['mean']:.3f} | {m['sd']:.3f} | {m['seconds_per_run']:.3f} | "
                         f"{p_best} | {p_mean} |")
    return "\n".join(lines)


def _paper(row: Row, method: str) -> tuple[str, str]:
    if method.startswith("fsclust balanced"):
        return _fmt(row.paper_best), _fmt(row.paper_mean)
    if method.startswith("constrained") and row.paper_constrained:
        return _fmt(row.paper_constrained[0]), _fmt(row.paper_constrained[1])
    return "", ""


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", help="comma-separated row names (default: all): "
                        + ",".join(row.name for row in ROWS))
    parser.add_argument("--runs", type=int, default=100, help="runs per method and row")
    parser.add_argument("--quick", action="store_true", help="5 runs per row, 2 LP checks")
    parser.add_argument("--lp-runs", type=int, default=5, help="runs cross-checked with the LP backend")
    parser.add_argument("--n-jobs", type=int, default=None, help="worker threads for fsclust runs")
    parser.add_argument("--out", type=Path, help="write the markdown table here (and .json beside)")
    parser.add_argument("--subsets", type=int, default=0,
                        help="also run the subset-sensitivity study on this many random subsets")
    parser.add_argument("--subset-runs", type=int, default=10, help="runs per subset in the study")
    args = parser.parse_args(argv)
    runs, lp_runs = (5, 2) if args.quick else (args.runs, args.lp_runs)
    wanted = set(args.rows.split(",")) if args.rows else {row.name for row in ROWS}
    unknown = wanted - {row.name for row in ROWS}
    if unknown:
        parser.error(f"unknown rows {sorted(unknown)}")
    results = []
    for row in (row for row in ROWS if row.name in wanted):
        results.append(measure(row, runs, args.n_jobs, lp_runs))
        print(json.dumps(results[-1]), flush=True)
    table = markdown(results)
    if args.subsets:
        rows = [row for row in ROWS if row.name in wanted and row.n is not None]
        study = [sensitivity(row, args.subsets, args.subset_runs, args.n_jobs) for row in rows]
        table += "\n\nSubset sensitivity (fsclust + random swap):\n\n" + "\n".join(
            SENSITIVITY_HEADER + study)
    print(table)
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
