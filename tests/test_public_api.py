"""Every public name exists; the registry feeds solver_names."""

from __future__ import annotations

import fsclust
from fsclust.assign import SOLVERS


def test_all_names_exist() -> None:
    missing = [name for name in fsclust.__all__ if not hasattr(fsclust, name)]
    assert missing == []


def test_solver_names_follow_the_registry() -> None:
    assert fsclust.solver_names() == list(SOLVERS)
    assert fsclust.solver_names()[0] == "flow"


def test_errors_share_one_root() -> None:
    for name in ("ValidationError", "SpecError", "InfeasibleError", "SolverError",
                 "SolverUnavailableError", "CertificateError"):
        assert issubclass(getattr(fsclust, name), fsclust.FsclustError)
