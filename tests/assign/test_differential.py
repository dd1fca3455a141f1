"""Differential test: every backend's optimum equals an independent solver's on 240 random
instances (exact sizes and bounds, ties, duplicate points, cost scales 1e-9 .. 1e9), and the
returned labels always honour the sizes.

Oracles (tests/oracle.py): NetworkX network simplex on integer costs (floats are rounded on a
2**40 grid first, whose error is below the tolerance), and exhaustive search on tiny instances.
"""

from __future__ import annotations

import numpy as np
import pytest

from fsclust import assign
from fsclust.assign import SOLVERS, solver_names
from fsclust.testing import brute_force_optimum, network_simplex_optimum

N_INSTANCES = 240
SCALES = (1e-9, 1.0, 1e9)


def _random_sizes(rng: np.random.Generator, n: int, k: int, bounded: bool) -> tuple[np.ndarray, np.ndarray]:
    exact = np.bincount(rng.integers(0, k, size=n), minlength=k)
    if not bounded:
        return exact, exact
    lo = np.maximum(exact - rng.integers(0, 3, size=k), 0)
    hi = exact + rng.integers(0, 3, size=k)
    return lo, hi


def _random_cost(rng: np.random.Generator, n: int, k: int, kind: str) -> np.ndarray:
    if kind == "ties":
        return rng.integers(0, 3, size=(n, k)).astype(np.float64)
    if kind == "duplicates":
        points = rng.integers(0, 4, size=(max(2, n // 3), 2))[rng.integers(0, max(2, n // 3), size=n)]
        centers = rng.normal(size=(k, 2)) * 2
        return ((points[:, None, :] - centers[None]) ** 2).sum(axis=-1)
    if kind == "constant":
        return np.full((n, k), 2.5)
    return rng.random((n, k))


def instance(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random (cost, lo, hi) triple; the seed decides size, kind, scale and bounds."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    k = int(rng.integers(1, min(n, 7) + 1))
    kind = ("uniform", "ties", "duplicates", "constant")[seed % 4]
    cost = _random_cost(rng, n, k, kind) * SCALES[(seed // 4) % 3]
    lo, hi = _random_sizes(rng, n, k, bounded=bool(seed % 2))
    return cost, lo, hi


def _capable(lo: np.ndarray, hi: np.ndarray) -> list[str]:
    exact = bool((lo == hi).all())
    backends = {name: SOLVERS[name] for name in solver_names()}     # what solver= names
    return [name for name, s in backends.items()
            if s.is_available() and (s.capabilities.exact_sizes if exact else s.capabilities.bounds)]


@pytest.mark.parametrize("seed", range(N_INSTANCES))
def test_backends_match_network_simplex(seed: int) -> None:
    cost, lo, hi = instance(seed)
    expected = network_simplex_optimum(cost, lo, hi)
    tol = 1e-9 * abs(expected) + cost.shape[0] * float(np.ptp(cost)) * 2.0**-39 + 1e-300
    for name in _capable(lo, hi):
        if lo.tolist() == hi.tolist():
            result = assign(cost, lo, solver=name)
        else:
            result = assign(cost, size_min=lo, size_max=hi, solver=name)
        counts = np.bincount(result.labels, minlength=cost.shape[1])
        assert (counts >= lo).all() and (counts <= hi).all(), name
        assert result.cost == pytest.approx(expected, abs=tol), name


@pytest.mark.parametrize("seed", range(30))
def test_backends_match_brute_force_on_tiny_instances(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n, k = int(rng.integers(1, 7)), int(rng.integers(1, 4))
    cost = rng.normal(size=(n, k)) * 10.0 ** rng.integers(-9, 10)
    lo, hi = _random_sizes(rng, n, k, bounded=bool(seed % 2))
    expected = brute_force_optimum(cost, lo, hi)
    for name in _capable(lo, hi):
        result = assign(cost, size_min=lo, size_max=hi, solver=name)
        assert result.cost == pytest.approx(expected, rel=1e-9, abs=1e-300), name
