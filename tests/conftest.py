"""Shared fixtures: the backend parametrization and small random problems."""

from __future__ import annotations

import numpy as np
import pytest

from fsclust.assign import SOLVERS, solver_names

# The count backends the ``solver`` parameter names (``cpsat``, the links backend, is tested in
# tests/problem/test_links.py).
BACKENDS = [name for name in solver_names() if SOLVERS[name].is_available()]
BOUNDED_BACKENDS = [name for name in BACKENDS if SOLVERS[name].capabilities.bounds]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=BOUNDED_BACKENDS)
def bounded_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def blobs() -> np.ndarray:
    """120 points in 4 loose Gaussian blobs in 2-D (seeded)."""
    rng = np.random.default_rng(7)
    centers = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0], [5.0, 5.0]])
    return np.concatenate([c + rng.normal(size=(30, 2)) for c in centers])
