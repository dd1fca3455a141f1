"""The exception hierarchy of fsclust: the type says *why* something failed.

``FsclustError`` is the root; the CLI maps any of them to a one-line message and exit code 1.
"""

from __future__ import annotations

__all__ = [
    "CertificateError",
    "FsclustError",
    "FsclustWarning",
    "InfeasibleError",
    "SolverError",
    "SolverUnavailableError",
    "SpecError",
    "ValidationError",
]


class FsclustError(Exception):
    """Base class of every error fsclust raises on purpose."""


class FsclustWarning(UserWarning):
    """Something was skipped or degraded but the work went on (e.g. a plot without matplotlib);
    the CLI prints it as one line ``fsclust: warning: ...``."""


class ValidationError(FsclustError, ValueError):
    """A parameter or input value breaks a documented rule (user input).

    Errors built by ``fsclust._validation.fail`` read ``The 'param' parameter must be RULE. Got
    VALUE instead.`` and keep the parts as ``param``, ``rule`` and ``got`` (the value as shown),
    so that front ends such as the YAML spec can render them under their own path and point at
    the right key; other errors leave them None.
    """

    rule: str | None = None
    got: str | None = None

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
