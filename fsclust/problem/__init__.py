"""What is solved, with no solver knowledge: sizes, total-weight bounds, must-link /
cannot-link links and the validated `Problem`.
"""

from __future__ import annotations

from fsclust.problem.links import Links, make_links
from fsclust.problem.problem import Problem
from fsclust.problem.sizes import Sizes, resolve_sizes

__all__ = ["Links", "Problem", "Sizes", "make_links", "resolve_sizes"]
