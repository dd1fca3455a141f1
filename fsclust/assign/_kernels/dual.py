"""numba kernels of the k-node dual solver (`fsclust.assign.dual`); private.

The cost ``C`` is a dense (n, k) matrix or an on-demand view (`._cost_access`); the kernels
read it only through ``row_keys`` (and ``k = cap.shape[0]``), so one source compiles for both; `new_state`
wraps a dense matrix in the view's type, so the shortest-path kernels compile only once.

The successive-shortest-path kernels share one `State` ``st``, a NamedTuple of arrays built by
`new_state`, and take it plus their few per-call arguments (``k`` clusters, ``K = k`` or
``k + 1`` nodes with the dummy node ``D = k`` for size bounds, ``T`` candidates per list):

* ``C``: the cost; ``a`` (n,): current cluster of every point; ``head`` (k,), ``nxt``/``prv``
  (n,): members of every cluster as doubly linked lists.
* ``u`` (K,): prices; every point ``i`` sits at an argmin of ``C[i] - u[:k]``. ``e`` (K,):
  node excesses, driven to zero.
* ``cap`` (k,), ``f`` (k,): units of cluster ``j`` counted against the dummy node (bounds
  only), at most ``cap[j] = hi[j] - lo[j]``.
* ``keys``/``idx`` (k, k, T), ``count`` (k, k), ``tau`` (k, k): candidate list ``(p, l)`` holds,
  sorted by key, members ``i`` of ``p`` with key ``C[i, l] - C[i, p]``. Invariant: every member of
  ``p`` with key ``< tau[p, l]`` is in the list (entries of points that left ``p`` are dropped
  lazily); a full list has ``tau`` = its last key. `successive_shortest_paths` builds every
  list first (`_fill_all`); a row whose lists run out is rebuilt from all its members (`_fill_row`).
* ``W`` (2, k, k): every list's front, kept up to date: ``W[0, p, v]`` the cheapest key of
  ``(p, v)`` when ``W[1, p, v]`` is 1, else (0) the lower bound ``tau[p, v]`` on it (the list
  cannot tell). The searches read these dense rows only. ``row`` (k,): one point's keys.
* ``stats`` (3,): work done, for the solver's report: rows scanned by `_fill_all`, member rows
  read by `_fill_row`, nodes settled by `_dijkstra`.
* Shortest-path scratch: ``dist`` (K,) distances and the rows of ``tree`` (6, K) int64:
  ``pred`` tree predecessors (-1: root or unreached), ``order`` settled nodes in settling order,
  ``memo`` units a tree path can carry (-1: unknown), ``stack`` a path being walked, ``done``
  settled (0/1), ``bound`` the tentative distance is only a lower bound (0/1) (row indices
  ``_PRED`` ... ``_BOUND``).

numba notes (cold compile time, `benchmarks/bench_cold.py`). numba's IR inlining
(``inline="always"``) makes the caller's typing and lowering grow faster than its size, and every
separately compiled function's LLVM module is linked into, and optimised again in, each caller. So
the few large helpers (`_fill_all`, `_fill_row`, `_refresh`, `_move`, `_relax`, `_dijkstra`,
`_path_amount`) are compiled once each as ``_helper``s (no Python or C wrappers, which would unbox the whole
bundle; LLVM still inlines them at run time). The single-caller wrappers around them, `_push` /
`_insert` and the argmin row scan are inlined; the small helpers that take arrays and have several
callers (`_set_fronts`, `_dummy_arc`, `_sift_down`) are ``_helper``s: one compilation, and LLVM
inlines them (an IR-inlined copy is typed and lowered at every call site; measured, a few tenths
of a second less). `_sort_row` is a heap sort of the heaps `_push` builds (``np.argsort`` cost
seconds to compile). The shortest-path kernels run without numba's reference counting
(``_nrt=False``, also inherited by what they call): with it, every use of ``st`` (a copy into an
inlined helper, each exit from one) increfs or decrefs every array of the bundle, which was most
of their LLVM IR and of its lowering; so they allocate nothing (all scratch, ``row`` too,
lives in `State`) and the bundle holds few arrays (the int scratch is one ``tree``): each
array makes every call with ``st`` longer to compile.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from fsclust.assign._kernels.blocks import run_blocks
from fsclust.assign._kernels.cost_access import BLOCK, as_view, block_column, load_block, row_keys

_INF = np.inf
# "no node" as a typed int64: a literal ``-1`` would make numba compile every callee it reaches
# once more for the constant type ``Literal[int](-1)`` while it infers the loop's types
_NONE = np.int64(-1)
_ZERO = np.int64(0)
# kernels called only from other kernels: without the wrappers that would let Python call them
# (which unbox the whole `State` and are linked into, and optimised again in, every caller), and
# without reference counting (module docstring)
_helper = nb.njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, _nrt=False)
# rows of the shortest-path scratch ``tree`` (6, K) int64 (one array: each array of `State` makes
# every call with the bundle longer to compile); kernels with ``_nrt=False`` must not allocate
_PRED, _ORDER, _MEMO, _STACK, _DONE, _BOUND = 0, 1, 2, 3, 4, 5


class State(NamedTuple):
    """The arrays shared by the successive-shortest-path kernels (fields: module docstring)."""

    C: np.ndarray | tuple
    a: np.ndarray
    u: np.ndarray
    e: np.ndarray
    cap: np.ndarray
    f: np.ndarray
    head: np.ndarray
    nxt: np.ndarray
    prv: np.ndarray
    keys: np.ndarray
    idx: np.ndarray
    count: np.ndarray
    tau: np.ndarray
    W: np.ndarray
    dist: np.ndarray
    tree: np.ndarray
    row: np.ndarray
    stats: np.ndarray


def new_state(C: np.ndarray | tuple, a: np.ndarray, u: np.ndarray, e: np.ndarray, cap: np.ndarray,
              f: np.ndarray, links: tuple[np.ndarray, np.ndarray, np.ndarray], n_cand: int) -> State:
    """A `State` on the caller's arrays (updated in place) with empty lists and fresh scratch.

    ``links`` is ``(head, nxt, prv)`` as filled by `link_members`; ``n_cand`` is ``T``.
    """
    k = cap.shape[0]
    K = e.shape[0]
    if isinstance(C, np.ndarray):     # one State type for both forms: one compilation
        C = as_view(C)
    return State(C, a, u, e, cap, f, *links,
                 keys=np.empty((k, k, n_cand)), idx=np.empty((k, k, n_cand), np.int64),
                 count=np.zeros((k, k), np.int64), tau=np.full((k, k), _INF),
                 W=np.full((2, k, k), np.nan),
                 dist=np.empty(K), tree=np.empty((6, K), np.int64), row=np.empty(k),
                 stats=np.zeros(3, np.int64))


@nb.njit(cache=True, inline="always")
def _insert(keys, idx, count, tau, p, v, key, i):
    """Insert ``(key, i)``, ``key < tau[p, v]``, into the sorted list ``(p, v)``.

    A full list drops its last entry; ``tau`` is then the new last key (every dropped or skipped
    key is at least that large, so the list invariant holds).
    """
    cap = keys.shape[2]
    c = min(count[p, v], cap - 1)
    t = c
    while t > 0 and keys[p, v, t - 1] > key:
        keys[p, v, t] = keys[p, v, t - 1]
        idx[p, v, t] = idx[p, v, t - 1]
        t -= 1
    keys[p, v, t] = key
    idx[p, v, t] = i
    count[p, v] = c + 1
    if c + 1 == cap:
        tau[p, v] = keys[p, v, cap - 1]


@_helper
def _sift_down(keys, idx, p, v, end, key, i):
    """Put ``(key, i)`` at the root of the max-heap ``keys[p, v, :end]`` and sift it down."""
    t = 0
    while True:
        child = 2 * t + 1
        if child >= end:
            break
        if child + 1 < end and keys[p, v, child + 1] > keys[p, v, child]:
            child += 1
        if keys[p, v, child] <= key:
            break
        keys[p, v, t], idx[p, v, t] = keys[p, v, child], idx[p, v, child]
        t = child
    keys[p, v, t], idx[p, v, t] = key, i


@nb.njit(cache=True, inline="always")
def _push(keys, idx, count, tau, p, v, key, i):
    """Fill mode: keep the smallest keys in a max-heap, ``key < tau[p, v]`` (the root once full)."""
    cap = keys.shape[2]
    c = count[p, v]
    if c < cap:
        t = c
        while t > 0:
            up = (t - 1) // 2
            if keys[p, v, up] >= key:
                break
            keys[p, v, t] = keys[p, v, up]
            idx[p, v, t] = idx[p, v, up]
            t = up
        keys[p, v, t] = key
        idx[p, v, t] = i
        count[p, v] = c + 1
    else:
        _sift_down(keys, idx, p, v, cap, key, i)
    if count[p, v] == cap:
        tau[p, v] = keys[p, v, 0]


@_helper
def _sort_row(keys, idx, count, p):
    """Turn the max-heaps of row ``p`` (built by `_push`) into lists sorted by key, in place
    (heap sort: no temporaries, and far less to compile than ``np.argsort``)."""
    for v in range(keys.shape[1]):
        end = count[p, v] - 1
        while end > 0:
            key, i = keys[p, v, end], idx[p, v, end]
            keys[p, v, end], idx[p, v, end] = keys[p, v, 0], idx[p, v, 0]
            _sift_down(keys, idx, p, v, end, key, i)     # into the heap ``0 .. end - 1``
            end -= 1


@_helper
def _fill_all(st, rho, rows, u):
    """Build every list from the *boundary* points ``rows``: those whose regret under the prices
    ``u`` (those of the argmin pass) is below ``rho``, and every point moved since that pass.

    ``tau[p, v]`` starts at ``rho + u[v] - u[p]``: a member whose reduced cost to ``v`` is at
    least ``rho`` above its own (every point outside ``rows``) need not be listed for the
    invariant to hold. ``rho = inf`` with all rows lists the ``T`` best members of every pair.
    """
    k = st.cap.shape[0]
    keys, idx, count, tau = st.keys, st.idx, st.count, st.tau
    count[:, :] = 0
    for p in range(k):
        for v in range(k):
            tau[p, v] = rho + u[v] - u[p]
    row = st.row
    st.stats[0] += rows.shape[0]
    for i in rows:
        p = st.a[i]
        row_keys(st.C, i, p, row)
        for v in range(k):
            if row[v] < tau[p, v]:
                _push(keys, idx, count, tau, p, v, row[v], i)
    for p in range(k):
        _sort_row(keys, idx, count, p)
        _set_fronts(st.W, keys, count, tau, p)


@_helper
def _fill_row(st, p):
    """Build every list of row ``p`` from the members of ``p`` (one scan of their rows)."""
    k = st.cap.shape[0]
    keys, idx, count, tau = st.keys, st.idx, st.count, st.tau
    count[p, :] = 0
    tau[p, :] = _INF
    row = st.row
    i = st.head[p]
    while i >= 0:
        st.stats[1] += 1
        row_keys(st.C, i, p, row)
        for v in range(k):
            if row[v] < tau[p, v]:
                _push(keys, idx, count, tau, p, v, row[v], i)
        i = st.nxt[i]
    _sort_row(keys, idx, count, p)
    _set_fronts(st.W, keys, count, tau, p)


@nb.njit(cache=True, inline="always")
def _set_front(W, keys, count, tau, p, v):
    """``W`` of the list ``(p, v)``, whose first entry (if any) is a member of ``p``."""
    if count[p, v] > 0:
        W[0, p, v], W[1, p, v] = keys[p, v, 0], 1.0
    else:                                 # empty: nothing below tau; exact when nothing at all
        W[0, p, v], W[1, p, v] = tau[p, v], 1.0 if tau[p, v] == _INF else 0.0


@_helper
def _set_fronts(W, keys, count, tau, p):
    """``W`` of every list of row ``p``, whose entries are all members of ``p`` (just built)."""
    for v in range(tau.shape[1]):
        _set_front(W, keys, count, tau, p, v)


@_helper
def _refresh(st, p, v):
    """Drop the entries of ``(p, v)`` that left ``p`` from its front and set its ``W``."""
    keys, idx, count = st.keys, st.idx, st.count
    c = count[p, v]
    drop = 0
    while drop < c and st.a[idx[p, v, drop]] != p:
        drop += 1
    if drop > 0:
        for t in range(drop, c):
            keys[p, v, t - drop] = keys[p, v, t]
            idx[p, v, t - drop] = idx[p, v, t]
        count[p, v] = c - drop
    _set_front(st.W, keys, count, st.tau, p, v)


@nb.njit(cache=True, inline="always")
def _exact_front(st, p, v):
    """The exact cheapest key of ``(p, v)`` (inf when ``p`` is empty; the point is
    ``idx[p, v, 0]``); rebuilds row ``p`` from all its members when its list only bounds it
    (one read of each member's row refreshes all k lists of the row)."""
    if st.W[1, p, v] == 0.0:
        _fill_row(st, p)
    return st.W[0, p, v]


@_helper
def _move(st, i, p, v):
    """Move point ``i`` from cluster ``p`` to ``v`` and enter it into the lists of row ``v``,
    keeping the fronts ``W`` of both rows up to date."""
    k = st.cap.shape[0]
    keys, idx, count, tau, W = st.keys, st.idx, st.count, st.tau, st.W
    head, nxt, prv = st.head, st.nxt, st.prv
    st.a[i] = v
    for m in range(k):
        if count[p, m] > 0 and idx[p, m, 0] == i:
            _refresh(st, p, m)
    if prv[i] >= 0:
        nxt[prv[i]] = nxt[i]
    else:
        head[p] = nxt[i]
    if nxt[i] >= 0:
        prv[nxt[i]] = prv[i]
    prv[i] = -1
    nxt[i] = head[v]
    if head[v] >= 0:
        prv[head[v]] = i
    head[v] = i
    row = st.row
    row_keys(st.C, i, v, row)
    for m in range(k):
        key = row[m]
        if key < tau[v, m]:
            _insert(keys, idx, count, tau, v, m, key, i)
            if idx[v, m, 0] == i:
                W[0, v, m], W[1, v, m] = key, 1.0


_BLOCKS = 64          # row blocks of the O(nk) passes, run on every core (results do not depend on it)


@nb.njit(cache=True, inline="always")
def keep_two(best, second, v):
    """Fold ``v`` into the two smallest values seen so far, ``best <= second`` (ties count twice)."""
    return min(best, v), min(second, max(best, v))


@nb.njit(cache=True, inline="always")
def _fold(best, second, top, c, price):
    """One entry ``c`` of a row with its price: the two smallest ``c - price`` and ``max |c|``."""
    best, second = keep_two(best, second, c - price)
    return best, second, max(top, abs(c))


@nb.njit(cache=True, inline="always")
def _row_scan(C, u, i):
    """``(best, second, max |C[i]|)``: the two smallest entries of ``C[i] - u`` and the largest
    magnitude of ``C[i]``, branch-free in four lanes that the compiler can vectorise (the result
    does not depend on the lane order)."""
    k = C.shape[1]
    k4 = k - k % 4
    b0 = b1 = b2 = b3 = s0 = s1 = s2 = s3 = _INF
    g0 = g1 = g2 = g3 = 0.0
    for j in range(0, k4, 4):
        b0, s0, g0 = _fold(b0, s0, g0, C[i, j], u[j])
        b1, s1, g1 = _fold(b1, s1, g1, C[i, j + 1], u[j + 1])
        b2, s2, g2 = _fold(b2, s2, g2, C[i, j + 2], u[j + 2])
        b3, s3, g3 = _fold(b3, s3, g3, C[i, j + 3], u[j + 3])
    for j in range(k4, k):
        b0, s0, g0 = _fold(b0, s0, g0, C[i, j], u[j])
    b0, s0 = keep_two(b0, min(s0, s1), b1)
    b2, s2 = keep_two(b2, min(s2, s3), b3)
    best, second = keep_two(b0, min(s0, s2), b2)
    return best, second, max(max(g0, g1), max(g2, g3))


@nb.njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _argmin_rows(C, u, a, regret, tops, b0, b1):
    """Blocks ``b0 .. b1`` (of ``_BLOCKS`` row blocks) of `argmin_rows`; ``tops[blk]`` = max |C|."""
    n, k = C.shape
    step = (n + _BLOCKS - 1) // _BLOCKS
    for blk in range(b0, b1):
        top = 0.0
        for i in range(blk * step, min(n, (blk + 1) * step)):
            best, second, row_top = _row_scan(C, u, i)
            j = 0
            while j < k - 1 and C[i, j] - u[j] != best:
                j += 1
            a[i] = j
            regret[i] = second - best
            top = max(top, row_top)
        tops[blk] = top


def argmin_rows(C: np.ndarray, u: np.ndarray, a: np.ndarray, regret: np.ndarray) -> float:
    """``a[i] = argmin_j C[i, j] - u[j]`` (first index on ties) and ``regret[i]`` = second-best
    minus best reduced cost for ``C`` (n, k), ``u`` (>= k,), ``a`` (n,) int64, ``regret`` (n,),
    in row blocks on every core; returns ``max |C|``."""
    tops = np.zeros(_BLOCKS)
    run_blocks(_argmin_rows, _BLOCKS, C, u, a, regret, tops)
    return float(tops.max())


@nb.njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _argmin_points(view, u, a, regret, tops, b0, b1):
    """Blocks ``b0 .. b1`` (of ``BLOCK`` rows) of `argmin_points`; ``tops[blk]`` = max |C|."""
    X, CT, w = view
    n, d = X.shape
    k = CT.shape[1]
    xb, wb, col = np.empty((d, BLOCK)), np.empty(BLOCK), np.empty(BLOCK)
    best, second = np.empty(BLOCK), np.empty(BLOCK)
    arg, top = np.empty(BLOCK, np.int64), np.empty(BLOCK)
    for blk in range(b0, b1):
        lo = blk * BLOCK
        m = min(n, lo + BLOCK) - lo
        best[:] = _INF
        second[:] = _INF
        arg[:] = 0
        top[:] = 0.0
        load_block(X, w, lo, m, xb, wb)
        for j in range(k):
            block_column(xb, wb, w.shape[0] > 0, CT, j, col)
            uj = u[j]
            for t in range(BLOCK):
                b = best[t]
                v = col[t] - uj
                second[t] = min(second[t], max(b, v))
                arg[t] = j if v < b else arg[t]
                best[t] = min(b, v)
                top[t] = max(top[t], col[t])
        largest = 0.0
        for t in range(m):
            a[lo + t] = arg[t]
            regret[lo + t] = second[t] - best[t]
            largest = max(largest, top[t])
        tops[blk] = largest


def argmin_points(view: tuple, u: np.ndarray, a: np.ndarray, regret: np.ndarray) -> float:
    """`argmin_rows` for an on-demand cost ``view = (X, CT, w)``, block by block: the same
    labels (first index on ties), regrets and ``max |C|``, without an (n, k) matrix."""
    n_blocks = (view[0].shape[0] + BLOCK - 1) // BLOCK
    tops = np.zeros(n_blocks)
    run_blocks(_argmin_points, n_blocks, view, u, a, regret, tops)
    return float(tops.max())


@nb.njit(cache=True, no_cfunc_wrapper=True)
def link_members(a, k, head, nxt, prv):
    """Members of every cluster as doubly linked lists (ascending point order); returns counts."""
    cnt = np.zeros(k, np.int64)
    head[:] = -1
    for i in range(a.shape[0] - 1, -1, -1):
        b = a[i]
        cnt[b] += 1
        prv[i] = -1
        nxt[i] = head[b]
        if head[b] >= 0:
            prv[head[b]] = i
        head[b] = i
    return cnt


def initial_excess(cnt: np.ndarray, u: np.ndarray, lo: np.ndarray, cap: np.ndarray, f: np.ndarray,
                   has_dummy: bool) -> np.ndarray:
    """Choose the dummy flows ``f`` (k,) consistent with the prices ``u`` (K,) and return the node
    excesses (K,) for the counts ``cnt``, lower sizes ``lo`` and dummy capacities ``cap`` (k,)."""
    k = cnt.shape[0]
    f[:] = 0
    if has_dummy:
        below = (cap > 0) & (u[:k] < u[k])
        tied = (cap > 0) & (u[:k] == u[k])
        f[below] = cap[below]
        f[tied] = np.minimum(np.maximum(cnt - lo, 0), cap)[tied]
    e = np.zeros(k + 1 if has_dummy else k, np.int64)
    e[:k] = cnt - lo - f
    if has_dummy:
        e[k] = -e[:k].sum()          # the points left for the dummy node: n - sum(lo) - sum(f)
    return e


@_helper
def _dummy_arc(u, f, cap, k, p, v):
    """Reduced weight of the usable arc ``p -> D`` (``v == k``) or ``D -> v`` (inf when unusable)."""
    if v == k:
        return u[p] - u[k] if f[p] < cap[p] else _INF
    return u[k] - u[v] if f[v] > 0 else _INF


@nb.njit(cache=True, inline="always")
def _edge(st, p, v):
    """Reduced weight of the usable arc ``p -> v`` (inf when unusable)."""
    k = st.cap.shape[0]
    if p < k and v < k:
        w = _exact_front(st, p, v)
        return w - st.u[v] + st.u[p] if w < _INF else _INF
    return _dummy_arc(st.u, st.f, st.cap, k, p, v)


@nb.njit(cache=True, inline="always")
def _through(st, s, v):
    """``(distance to v via the settled node s, exact)``; not exact: a lower bound."""
    k = st.cap.shape[0]
    dist, u = st.dist, st.u
    if s < k and v < k:
        return max(dist[s] + u[s] + st.W[0, s, v] - u[v], dist[s]), st.W[1, s, v] != 0.0
    return dist[s] + max(_dummy_arc(u, st.f, st.cap, k, s, v), 0.0), True


@nb.njit(cache=True, inline="always")
def _resolve(st, settled, v, strict):
    """Exact tentative distance of ``v`` over the first ``settled`` nodes of ``order``
    (rebuilding rows whose lists only gave a lower bound on the way); False, with nothing
    rebuilt, when ``strict`` and a row would have to be (the boundary is too narrow)."""
    order = st.tree[_ORDER]
    while True:
        best = _INF
        arg = _NONE
        exact = True
        for q in range(settled):
            s = order[q]
            if s != v:
                nd, ok = _through(st, s, v)
                if nd < best:
                    best, arg, exact = nd, s, ok
        if exact or arg < 0:
            st.dist[v] = best
            st.tree[_PRED, v] = arg
            return True
        if strict:
            return False
        _fill_row(st, arg)


@nb.njit(cache=True, inline="always")
def _nearest(dist, done):
    """The unsettled node with the smallest tentative distance (lowest on ties) and that
    distance; ``(-1, inf)`` when none is reachable."""
    p = _NONE
    best = _INF
    for j in range(dist.shape[0]):
        if done[j] == 0 and dist[j] < best:
            best, p = dist[j], j
    return p, best


@_helper
def _relax(st, p, best):
    """Relax the arcs out of the node ``p`` just settled at distance ``best``; returns the next
    node to settle and its distance, as `_nearest` (one sweep over the nodes does both: each
    cluster's arcs are a dense row of ``W``)."""
    k = st.cap.shape[0]
    u, dist, W = st.u, st.dist, st.W
    pred, done, bound = st.tree[_PRED], st.tree[_DONE], st.tree[_BOUND]
    nxt = _NONE
    near = _INF
    base = best + u[p] if p < k else 0.0
    for v in range(dist.shape[0]):
        if done[v] == 0:
            if p < k and v < k:
                nd = max(base + W[0, p, v] - u[v], best)
                lower = W[1, p, v] == 0.0
            else:                         # into or out of the dummy node
                nd = best + max(_dummy_arc(u, st.f, st.cap, k, p, v), 0.0)
                lower = False
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = p
                bound[v] = lower
            if dist[v] < near:
                near, nxt = dist[v], v
    return nxt, near


@_helper
def _dijkstra(st, strict):
    """Shortest paths from all over-full nodes until every under-full node is settled.

    Arcs whose list only bounds their weight from below are relaxed with the bound (``bound``
    marks such tentative distances) and made exact before their head is settled (with
    ``strict``, the search stops instead, returning -1 settled nodes: see `_resolve`).
    Returns the number of settled nodes (in ``order``) and the largest settled distance.
    """
    e, dist = st.e, st.dist
    pred, order, done, bound = st.tree[_PRED], st.tree[_ORDER], st.tree[_DONE], st.tree[_BOUND]
    sinks = 0
    for j in range(e.shape[0]):
        dist[j] = 0.0 if e[j] > 0 else _INF
        pred[j] = -1
        done[j] = False
        bound[j] = False
        if e[j] < 0:
            sinks += 1
    settled = _ZERO
    top = 0.0
    p, best = _nearest(dist, done)
    while sinks > 0 and p >= 0:
        if bound[p]:
            if not _resolve(st, settled, p, strict):
                return _NONE, top
            bound[p] = False
            p, best = _nearest(dist, done)
            continue
        st.stats[2] += 1
        done[p] = True
        order[settled] = p
        settled += 1
        top = best
        if e[p] < 0:
            sinks -= 1
            if sinks == 0:
                break
        p, best = _relax(st, p, best)
    return settled, top


@_helper
def _path_amount(st, t, tol, trust):
    """Units to send along the tree path to sink ``t`` (0 when it is no longer tight: an arc's
    reduced weight is above ``tol`` and ``trust``, set before the round's first send, is off).

    ``memo[v]`` (-1: unknown) caches how many units the tree path to ``v`` can carry, so sinks
    that share a path prefix walk it once; the caller resets it after every send.
    """
    k = st.cap.shape[0]
    pred, memo, stack = st.tree[_PRED], st.tree[_MEMO], st.tree[_STACK]
    depth = 0
    v = t
    while memo[v] < 0 and pred[v] >= 0:
        stack[depth] = v
        depth += 1
        v = pred[v]
    if memo[v] < 0:                       # the root: an over-full node
        memo[v] = max(st.e[v], 0)
    amount = memo[v]
    while depth > 0:
        depth -= 1
        w = stack[depth]
        p = pred[w]
        if amount > 0:
            rw = _edge(st, p, w)
            if rw == _INF or (rw > tol and not trust):
                amount = 0
            elif p < k and w < k:
                amount = min(amount, 1)
            elif w == k:
                amount = min(amount, st.cap[p] - st.f[p])
            else:
                amount = min(amount, st.f[w])
        memo[w] = amount
    return min(amount, -st.e[t])


@nb.njit(cache=True, inline="always")
def _send(st, t, amount):
    """Send ``amount`` units along the tree path to ``t`` (fronts are valid: just checked)."""
    k = st.cap.shape[0]
    pred, f = st.tree[_PRED], st.f
    v = t
    while pred[v] >= 0:
        p = pred[v]
        if p < k and v < k:
            _move(st, st.idx[p, v, 0], p, v)
        elif v == k:
            f[p] += amount
        else:
            f[v] -= amount
        v = p
    st.e[v] -= amount
    st.e[t] += amount


@nb.njit(cache=True, inline="always")
def _has_excess(e):
    """Whether some node has a positive excess (a loop: ``(e > 0).any()`` costs more to compile)."""
    for j in range(e.shape[0]):
        if e[j] > 0:
            return True
    return False


@nb.njit(cache=True, no_cfunc_wrapper=True, _nrt=False)
def successive_shortest_paths(st, rho, rows, u0, tol, max_rounds, strict):
    """Drive every excess to zero; keeps every point at an argmin of ``C - u``.

    The lists start from the boundary ``rows`` (regret below ``rho`` under the prices ``u0`` of
    the argmin pass, see `_fill_all`); ``tol`` is the reduced weight up to which a tree arc stays
    tight after a send (`_path_amount`). With ``strict``, a search that the boundary cannot
    answer stops the solve (the state stays consistent: call again with a wider boundary).
    Returns ``(rounds, moves, status)``: ``status`` 0 when done, -1 if ``max_rounds`` was
    exceeded, -2 if an under-full node became unreachable (infeasible sizes), -3 when stopped by
    ``strict``.
    """
    e, u = st.e, st.u
    K = e.shape[0]
    done, order, memo = st.tree[_DONE], st.tree[_ORDER], st.tree[_MEMO]
    _fill_all(st, rho, rows, u0)
    rounds = 0
    moves = 0
    while _has_excess(e):
        rounds += 1
        if rounds > max_rounds:
            return rounds, moves, -1
        settled, top = _dijkstra(st, strict)
        if settled < 0:
            return rounds - 1, moves, -3
        for j in range(K):
            u[j] += st.dist[j] if done[j] else top
        trust = True
        memo[:] = -1
        for q in range(settled):
            t = order[q]
            while e[t] < 0:
                amount = _path_amount(st, t, tol, trust)
                if amount <= 0:
                    break
                trust = False
                _send(st, t, amount)
                memo[:] = -1
                moves += amount
        if trust:
            return rounds, moves, -2
    return rounds, moves, 0
