"""Every public name exists; the registry feeds solver_names."""

from __future__ import annotations

import fsclust
from fsclust.assign import SOLVERS


def test_all_names_exist() -> None:
    missing = [name for name in fsclust.__all__ if not hasattr(fsclust, name)]
    assert missing == []


def test_solver_names_follow_the_registry() -> None:
    count = [name for name, solver in SOLVERS.items() if not solver.capabilities.links]
    assert fsclust.solver_names() == count == ["flow", "hungarian", "lp", "dual"]
    assert fsclust.solver_names()[0] == "flow"
    assert [name for name in SOLVERS if name not in count] == ["cpsat"]


def test_errors_share_one_root() -> None:
    for name in ("ValidationError", "SpecError", "InfeasibleError", "SolverError",
                 "SolverUnavailableError", "CertificateError"):
        assert issubclass(getattr(fsclust, name), fsclust.FsclustError)
