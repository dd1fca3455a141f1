"""`SolveResult`: the typed outcome of a fixed-size clustering run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["SolveResult"]


@dataclass(eq=False)
class SolveResult:
    """Outcome of one engine run (best of ``n_init`` restarts) for any model of the driver.

    Attributes
    ----------
    labels : ndarray of shape (n,)
    centers : ndarray
        What the model's clusters are represented by. k-means (`fsclust.solve`, the spec's
        ``method: means``): the cluster means, float64 of shape (k, d). k-medoids
        (`fsclust.solve_medoids`, ``method: medoids``): the medoids' point indices, int64 of
        shape (k,).
    objective : float
        The model's objective at ``labels`` and ``centers``: k-means, the sum of (weighted)
        squared distances of points to their centers (SSE); k-medoids, the (weighted) sum of
        dissimilarities of points to their medoids.
    mse : float
        ``objective / n`` (for k-medoids, the mean dissimilarity to the medoid).
    n_iter : int
        Assignment steps of the best run.
    converged : bool
        False when the best run stopped at ``max_iter``.
    status : str
        ``"CONVERGED"`` or ``"MAX_ITER"``.
    message : str
    solver : str
        Assignment backend used.
    counts : ndarray of shape (k,)
    history : list of dict
        Per iteration of the best run: ``iteration``, ``objective``, ``moved``, ``seconds``.
    run_objectives : list of float
        Final objective of every restart, in order.
    best_run : int
    seconds : float
        Wall time of all restarts.
    """

    labels: np.ndarray
    centers: np.ndarray
    objective: float
    mse: float
    n_iter: int
    converged: bool
    status: str
    message: str
    solver: str
    counts: np.ndarray
    history: list[dict[str, Any]] = field(default_factory=list)
    run_objectives: list[float] = field(default_factory=list)
    best_run: int = 0
    seconds: float = 0.0

    @property
    def n_init(self) -> int:
        return len(self.run_objectives)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (arrays as lists)."""
        return {
            "objective": self.objective, "mse": self.mse, "n_iter": self.n_iter,
            "converged": self.converged, "status": self.status, "message": self.message,
            "solver": self.solver, "counts": self.counts.tolist(), "labels": self.labels.tolist(),
            "centers": self.centers.tolist(), "n_init": self.n_init, "best_run": self.best_run,
            "run_objectives": list(self.run_objectives), "seconds": self.seconds,
            "history": list(self.history),
        }

    def summary(self) -> str:
        """A few human-readable lines."""
        return (f"status {self.status} after {self.n_iter} iterations (solver {self.solver})\n"
                f"SSE {self.objective:.6g}  MSE {self.mse:.6g}  sizes {self.counts.tolist()}\n"
                f"best of {self.n_init} restart(s) (run {self.best_run}), {self.seconds:.3f} s")
