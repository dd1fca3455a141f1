"""Must-link and cannot-link constraints: validation, contradiction checks, distance overrides.

Two ways to use them:

* **hard** (a `Links` object on the `Problem`): every must-link group ends in one cluster and no
  cannot-link pair shares a cluster; the assignment step becomes integer (see `assign.cpsat`).
* **override** (`override_distances`, the fixed-size k-means paper's seating plan): must-link
  pairs get distance 0 and cannot-link pairs a large distance before the matrix is embedded by
  MDS; the clustering then tends to, but need not, respect them.

Contradictions are found before solving with networkx and reported as `InfeasibleError`
naming the points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np

from fsclust._validation import fail
from fsclust.errors import InfeasibleError
from fsclust.problem.sizes import Sizes

__all__ = ["Links", "check_contradictions", "check_feasible", "make_links", "override_distances"]


@dataclass(frozen=True, eq=False)
class Links:
    """Validated hard constraints on point indices.

    Attributes
    ----------
    groups : tuple of tuple of int
        Must-link components (connected components of the must-link graph, size >= 2, sorted).
    cannot : tuple of (int, int)
        Cannot-link pairs ``(i, j)`` with ``i < j``.
    names : tuple of str or None
        Point names used in messages (indices when None).
    """

    groups: tuple[tuple[int, ...], ...] = ()
    cannot: tuple[tuple[int, int], ...] = ()
    names: tuple[str, ...] | None = None

    @property
    def empty(self) -> bool:
        """True when there is nothing to enforce."""
        return not self.groups and not self.cannot

    def name(self, i: int) -> str:
        return self.names[i] if self.names is not None else str(i)

    def names_of(self, points: Sequence[int]) -> str:
        return ", ".join(self.name(int(i)) for i in points)


def _indices(entry: Any, n: int, param: str) -> list[int]:
    if isinstance(entry, (str, bytes)) or not isinstance(entry, Sequence | np.ndarray):
        raise fail(param, "a list of point indices", entry)
    out = []
    for m, value in enumerate(entry):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value < n:
            raise fail(f"{param}[{m}]", f"a point index in [0, {n})", value)
        out.append(int(value))
    if len(out) < 2:
        raise fail(param, "a list of at least 2 points", entry)
    return out


def _distinct(entry: Any, n: int, param: str) -> list[int]:
    """`_indices`, refusing a point listed twice (a self-pair says nothing, or contradicts)."""
    members = _indices(entry, n, param)
    if len(set(members)) != len(members):
        raise fail(param, "a list of distinct points", entry)
    return members


def _graph(n: int, lists: list[list[int]]) -> nx.Graph:
    graph = nx.Graph()
    for members in lists:
        graph.add_nodes_from(members)
        graph.add_edges_from(pairwise(members))
    return graph


def make_links(n: int, must_link: Any = None, cannot_link: Any = None, *,
               names: Sequence[str] | None = None) -> Links:
    """Validate must-link groups and cannot-link pairs/groups given as point indices.

    Parameters
    ----------
    n : int
        Number of points.
    must_link : list of list of int, optional
        Each list's points must share a cluster; overlapping lists merge.
    cannot_link : list of list of int, optional
        Each list's points must be in pairwise different clusters (a pair or a larger group).
    names : sequence of str, optional
        Point names for messages.

    Returns
    -------
    Links

    Raises
    ------
    ValidationError
        An entry that is not a list of >= 2 distinct valid indices (a point linked to itself).
    """
    must = [_distinct(e, n, f"must_link[{g}]") for g, e in enumerate(must_link or [])]
    groups = tuple(sorted(tuple(sorted(c)) for c in nx.connected_components(_graph(n, must))))
    pairs: set[tuple[int, int]] = set()
    for g, entry in enumerate(cannot_link or []):
        members = _distinct(entry, n, f"cannot_link[{g}]")
        pairs.update((min(a, b), max(a, b)) for a in members for b in members if a < b)
    return Links(groups, tuple(sorted(pairs)), None if names is None else tuple(names))


def check_feasible(links: Links, sizes: Sizes) -> None:
    """Raise `InfeasibleError` for constraints that contradict each other or the sizes.

    Checks, in order: a cannot-link pair inside one must-link component; a must-link group
    larger than every cluster's maximum size; more mutually cannot-linked groups than clusters
    that can hold points (a clique of the cannot-link graph on must-link components).
    """
    if links.empty:
        return
    component = check_contradictions(links)
    largest = int(sizes.hi.max(initial=0))
    for members in links.groups:
        if len(members) > largest:
            raise InfeasibleError(
                f"must-link group {{{links.names_of(members)}}} has {len(members)} points but the "
                f"largest cluster holds at most {largest}")
    _check_clique(links, component, int((sizes.hi > 0).sum()))


def check_contradictions(links: Links) -> dict[int, int]:
    """Raise `InfeasibleError` when a cannot-link pair lies inside a must-link group (in hard
    and override mode alike); return the must-link component of every linked point."""
    component = {i: g for g, members in enumerate(links.groups) for i in members}
    for a, b in links.cannot:
        if a in component and component.get(b) == component[a]:
            members = links.groups[component[a]]
            raise InfeasibleError(
                f"cannot-link pair ({links.name(a)}, {links.name(b)}) lies inside the must-link group "
                f"{{{links.names_of(members)}}}: the constraints contradict each other")
    return component


def _check_clique(links: Links, component: dict[int, int], usable: int) -> None:
    graph = nx.Graph()
    unit = {i: ("g", component[i]) if i in component else ("p", i) for pair in links.cannot for i in pair}
    graph.add_edges_from((unit[a], unit[b]) for a, b in links.cannot)
    clique = max(nx.find_cliques(graph), key=len, default=[])
    if len(clique) > usable:
        reps = sorted(links.groups[key][0] if kind == "g" else key for kind, key in clique)
        raise InfeasibleError(
            f"points {links.names_of(reps)} are mutually cannot-linked (with their must-link "
            f"groups): {len(clique)} of them need different clusters but only {usable} cluster(s) "
            "can hold points")


def override_distances(distances: np.ndarray, links: Links, *, far: float | None = None
                       ) -> np.ndarray:
    """Distances with must-link pairs set to 0 and cannot-link pairs set to ``far``.

    Parameters
    ----------
    distances : ndarray of shape (n, n)
    links : Links
    far : float, optional
        Distance for cannot-link pairs; default twice the largest distance (1.0 if all are 0).

    Returns
    -------
    ndarray of shape (n, n)
        A symmetric copy.

    Raises
    ------
    InfeasibleError
        A cannot-link pair inside a must-link group (`check_contradictions`).
    """
    check_contradictions(links)
    out = distances.astype(np.float64, copy=True)
    if far is None:
        far = 2.0 * float(out.max(initial=0.0)) or 1.0
    for members in links.groups:
        idx = np.asarray(members)
        out[np.ix_(idx, idx)] = 0.0
    for a, b in links.cannot:
        out[a, b] = out[b, a] = far
    return out
