"""The exception hierarchy of fsclust: the type says *why* something failed.

``FsclustError`` is the root; the CLI maps any of them to a one-line message and exit code 1.
"""

from __future__ import annotations

__all__ = [
    "CertificateError",
    "FsclustError",
    "InfeasibleError",
    "SolverError",
    "SolverUnavailableError",
    "SpecError",
    "ValidationError",
]


class FsclustError(Exception):
    """Base class of every error fsclust raises on purpose."""


class ValidationError(FsclustError, ValueError):
    """A parameter or input value breaks a documented rule (user input).

    ``param`` names the parameter when one is to blame (set by `fsclust._validation.fail`), so
    front ends such as the YAML spec can point at the right key.
    """

    def __init__(self, *args: object, param: str | None = None) -> None:
        super().__init__(*args)
        self.param = param


class SpecError(ValidationError):
    """A YAML problem spec is malformed; the message names the file and the spec path."""


class InfeasibleError(FsclustError):
    """No assignment satisfies the sizes and constraints; the message gives the reason."""


class SolverError(FsclustError):
    """A backend failed or returned a status other than optimal."""


class SolverUnavailableError(SolverError):
    """A backend's third-party library is not installed."""


class CertificateError(SolverError):
    """An assignment failed the optimality certificate (it is not an optimal assignment)."""
