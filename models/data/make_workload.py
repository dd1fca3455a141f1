"""Write ``workload.csv``: 60 service sites around four towns, each with a weekly workload.

Deterministic (NumPy ``default_rng(6)``); run ``python models/data/make_workload.py`` to rewrite
the file. Columns: ``site`` (name), ``x_km``, ``y_km`` (position, km, one decimal) and ``hours``
(weekly workload, 1 to 8 hours in half-hour steps). Used by ``models/workload.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TOWNS = {"A": ((5.0, 5.0), 20), "B": ((22.0, 8.0), 14), "C": ((12.0, 20.0), 16),
         "D": ((27.0, 24.0), 10)}


def rows(seed: int = 6) -> list[tuple[str, float, float, float]]:
    """``(site, x_km, y_km, hours)`` for every site, town by town."""
    rng = np.random.default_rng(seed)
    out = []
    for town, (center, count) in TOWNS.items():
        for i in range(count):
            x, y = np.round(np.asarray(center) + rng.normal(scale=3.0, size=2), 1)
            out.append((f"{town}{i + 1:02d}", float(x), float(y), int(rng.integers(2, 17)) / 2))
    return out


if __name__ == "__main__":
    lines = ["site,x_km,y_km,hours"] + [f"{s},{x:g},{y:g},{h:g}" for s, x, y, h in rows()]
    (Path(__file__).parent / "workload.csv").write_text("\n".join(lines) + "\n")
