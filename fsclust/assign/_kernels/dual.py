"""numba kernels of the k-node dual solver (`fsclust.assign.dual`); private.

The cost ``C`` is a dense (n, k) matrix or an on-demand view (`._cost_access`); the kernels
read it only through ``row_keys`` and ``n_cols``, so one source compiles for both.

State shared by the kernels (``k`` clusters, ``K = k`` or ``k + 1`` nodes with the dummy node
``D = k`` for size bounds, ``T`` candidates per list):

* ``a`` (n,): current cluster of every point; ``head`` (k,), ``nxt``/``prv`` (n,): members of
  every cluster as doubly linked lists.
* ``keys``/``idx`` (k, k, T), ``count`` (k, k), ``tau`` (k, k): candidate list ``(p, l)`` holds,
  sorted by key, members ``i`` of ``p`` with key ``C[i, l] - C[i, p]``. Invariant: every member of
  ``p`` with key ``< tau[p, l]`` is in the list (entries of points that left ``p`` are dropped
  lazily); a full list has ``tau`` = its last key. ``filled`` (k,) marks rows built so far
  (rows are built lazily, on the first read, unless the whole set is filled in one pass).
* ``W`` (k, k): cached list fronts (NaN: recompute).
* ``u`` (K,): prices; every point ``i`` sits at an argmin of ``C[i] - u[:k]``.
* ``f`` (k,): units of cluster ``j`` counted against the dummy node (bounds only), at most
  ``cap[j] = hi[j] - lo[j]``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from fsclust.assign._kernels.cost_access import BLOCK, block_column, load_block, n_cols, row_keys

_INF = np.inf


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
        count[p, v] = c + 1
    else:
        t = 0
        while True:
            child = 2 * t + 1
            if child >= cap:
                break
            if child + 1 < cap and keys[p, v, child + 1] > keys[p, v, child]:
                child += 1
            if keys[p, v, child] <= key:
                break
            keys[p, v, t] = keys[p, v, child]
            idx[p, v, t] = idx[p, v, child]
            t = child
    keys[p, v, t] = key
    idx[p, v, t] = i
    if count[p, v] == cap:
        tau[p, v] = keys[p, v, 0]


@nb.njit(cache=True)
def _sort_row(keys, idx, count, p):
    """Turn the heaps of row ``p`` into lists sorted by key."""
    for v in range(keys.shape[1]):
        c = count[p, v]
        order = np.argsort(keys[p, v, :c])
        sk = keys[p, v, :c][order]
        si = idx[p, v, :c][order]
        keys[p, v, :c] = sk
        idx[p, v, :c] = si


@nb.njit(cache=True)
def fill_all(C, a, u, rho, rows, keys, idx, count, tau, filled):
    """Build every list from the *boundary* points ``rows``: those whose regret is below ``rho``.

    ``tau[p, v]`` starts at ``rho + u[v] - u[p]``: a member whose reduced cost to ``v`` is at
    least ``rho`` above its own (every point outside ``rows``) need not be listed for the
    invariant to hold. ``rho = inf`` with all rows lists the ``T`` best members of every pair.
    """
    k = n_cols(C)
    count[:, :] = 0
    for p in range(k):
        for v in range(k):
            tau[p, v] = rho + u[v] - u[p]
    row = np.empty(k)
    for i in rows:
        p = a[i]
        row_keys(C, i, p, row)
        for v in range(k):
            if row[v] < tau[p, v]:
                _push(keys, idx, count, tau, p, v, row[v], i)
    for p in range(k):
        _sort_row(keys, idx, count, p)
    filled[:] = True


@nb.njit(cache=True)
def _fill_row(C, keys, idx, count, tau, filled, head, nxt, p):
    """Build every list of row ``p`` from the members of ``p`` (one scan of their rows)."""
    k = n_cols(C)
    count[p, :] = 0
    tau[p, :] = _INF
    row = np.empty(k)
    i = head[p]
    while i >= 0:
        row_keys(C, i, p, row)
        for v in range(k):
            if row[v] < tau[p, v]:
                _push(keys, idx, count, tau, p, v, row[v], i)
        i = nxt[i]
    _sort_row(keys, idx, count, p)
    filled[p] = True


@nb.njit(cache=True)
def _front(C, a, keys, idx, count, tau, filled, head, nxt, p, v):
    """``(w, exact)``: the cheapest key ``w = min_{i in p} C[i, v] - C[i, p]`` (inf when ``p`` is
    empty; the point is ``idx[p, v, 0]``), or, when the list cannot tell (``exact`` False), the
    lower bound ``tau[p, v]`` on it."""
    if not filled[p]:
        _fill_row(C, keys, idx, count, tau, filled, head, nxt, p)
    c = count[p, v]
    drop = 0
    while drop < c and a[idx[p, v, drop]] != p:
        drop += 1
    if drop > 0:
        for t in range(drop, c):
            keys[p, v, t - drop] = keys[p, v, t]
            idx[p, v, t - drop] = idx[p, v, t]
        c -= drop
        count[p, v] = c
    if c > 0 and keys[p, v, 0] <= tau[p, v]:
        return keys[p, v, 0], True
    return tau[p, v], tau[p, v] == _INF


@nb.njit(cache=True)
def _exact_front(C, a, keys, idx, count, tau, filled, head, nxt, p, v):
    """The exact cheapest key of ``(p, v)``; rebuilds row ``p`` from all its members if needed
    (one read of each member's row refreshes all k lists of the row)."""
    w, exact = _front(C, a, keys, idx, count, tau, filled, head, nxt, p, v)
    if not exact:
        _fill_row(C, keys, idx, count, tau, filled, head, nxt, p)
        w, exact = _front(C, a, keys, idx, count, tau, filled, head, nxt, p, v)
    return w


@nb.njit(cache=True)
def _move(C, a, keys, idx, count, tau, filled, W, head, nxt, prv, i, p, v):
    """Move point ``i`` from cluster ``p`` to ``v`` and enter it into the lists of row ``v``.

    ``W`` (k, k) caches list fronts (NaN: recompute); entries whose front was ``i`` go stale.
    """
    k = n_cols(C)
    for m in range(k):
        if count[p, m] > 0 and idx[p, m, 0] == i:
            W[p, m] = np.nan
    if prv[i] >= 0:
        nxt[prv[i]] = nxt[i]
    else:
        head[p] = nxt[i]
    if nxt[i] >= 0:
        prv[nxt[i]] = prv[i]
    a[i] = v
    prv[i] = -1
    nxt[i] = head[v]
    if head[v] >= 0:
        prv[head[v]] = i
    head[v] = i
    if not filled[v]:
        return
    row = np.empty(k)
    row_keys(C, i, v, row)
    for m in range(k):
        key = row[m]
        if key < tau[v, m]:
            _insert(keys, idx, count, tau, v, m, key, i)
            if idx[v, m, 0] == i:
                W[v, m] = key


_BLOCKS = 64          # row blocks of the parallel O(nk) passes (results do not depend on it)


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


@nb.njit(cache=True, parallel=True)
def argmin_rows(C, u, a, regret):
    """``a[i] = argmin_j C[i, j] - u[j]`` (first index on ties) and ``regret[i]`` = second-best
    minus best reduced cost, in parallel over row blocks; returns ``max |C|``."""
    n, k = C.shape
    step = (n + _BLOCKS - 1) // _BLOCKS
    big = np.zeros(_BLOCKS)
    for blk in nb.prange(_BLOCKS):
        top = 0.0
        for i in range(blk * step, min(n, (blk + 1) * step)):
            best, second, row_top = _row_scan(C, u, i)
            j = 0
            while j < k - 1 and C[i, j] - u[j] != best:
                j += 1
            a[i] = j
            regret[i] = second - best
            top = max(top, row_top)
        big[blk] = top
    return big.max()


@nb.njit(cache=True, parallel=True)
def argmin_points(view, u, a, regret):
    """`argmin_rows` for an on-demand cost ``view = (XT, CT, w)``, block by block: the same
    labels (first index on ties), regrets and ``max |C|``, without an (n, k) matrix."""
    XT, CT, w = view
    d, n = XT.shape
    k = CT.shape[1]
    n_blocks = (n + BLOCK - 1) // BLOCK
    tops = np.zeros(n_blocks)
    for blk in nb.prange(n_blocks):
        lo = blk * BLOCK
        m = min(n, lo + BLOCK) - lo
        xb, wb, col = np.empty((d, BLOCK)), np.empty(BLOCK), np.empty(BLOCK)
        best, second = np.full(BLOCK, _INF), np.full(BLOCK, _INF)
        arg, top = np.zeros(BLOCK, np.int64), np.zeros(BLOCK)
        load_block(XT, w, lo, m, xb, wb)
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
        for t in range(m):
            a[lo + t] = arg[t]
            regret[lo + t] = second[t] - best[t]
        tops[blk] = top[:m].max()
    return tops.max()


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def initial_excess(cnt, u, lo, cap, f, has_dummy):
    """Choose the dummy flows ``f`` consistent with ``u`` and return the node excesses (K,)."""
    k = cnt.shape[0]
    n = cnt.sum()
    e = np.zeros(k + 1 if has_dummy else k, np.int64)
    for j in range(k):
        f[j] = 0
        if has_dummy and cap[j] > 0:
            if u[j] < u[k]:
                f[j] = cap[j]
            elif u[j] == u[k]:
                f[j] = min(max(cnt[j] - lo[j], 0), cap[j])
        e[j] = cnt[j] - lo[j] - f[j]
    if has_dummy:
        e[k] = f.sum() - (n - lo.sum())
    return e


@nb.njit(cache=True, inline="always")
def _cached_front(C, a, keys, idx, count, tau, filled, W, head, nxt, p, v):
    """`_front` through the cache ``W`` of exact arc keys (filled when the answer is exact).

    An empty list of a built row answers with its bound ``tau`` at once: on a large k most
    pairs of clusters are far apart and have no boundary points, and this is the common case.
    """
    w = W[p, v]
    if not np.isnan(w):
        return w, True
    if filled[p] and count[p, v] == 0:
        return tau[p, v], tau[p, v] == _INF
    w, exact = _front(C, a, keys, idx, count, tau, filled, head, nxt, p, v)
    if exact:
        W[p, v] = w
    return w, exact


@nb.njit(cache=True, inline="always")
def _edge(C, a, u, cap, f, keys, idx, count, tau, filled, W, head, nxt, p, v):
    """Reduced weight of the usable arc ``p -> v`` (inf when unusable)."""
    k = n_cols(C)
    if p < k and v < k:
        w = W[p, v]
        if np.isnan(w):
            w = _exact_front(C, a, keys, idx, count, tau, filled, head, nxt, p, v)
            W[p, v] = w
        return w - u[v] + u[p] if w < _INF else _INF
    if v == k:
        return u[p] - u[k] if f[p] < cap[p] else _INF
    return u[k] - u[v] if f[v] > 0 else _INF


@nb.njit(cache=True)
def _through(C, a, u, cap, f, keys, idx, count, tau, filled, W, head, nxt, dist, s, v):
    """``(distance to v via the settled node s, exact)``; not exact: a lower bound."""
    k = n_cols(C)
    if s < k and v < k:
        w, exact = _cached_front(C, a, keys, idx, count, tau, filled, W, head, nxt, s, v)
        return max(dist[s] + u[s] + w - u[v], dist[s]), exact
    rw = _edge(C, a, u, cap, f, keys, idx, count, tau, filled, W, head, nxt, s, v)
    return dist[s] + max(rw, 0.0), True


@nb.njit(cache=True)
def _resolve(C, a, u, cap, f, keys, idx, count, tau, filled, W, head, nxt, dist, pred, order,
             settled, v):
    """Exact tentative distance of ``v`` over all settled nodes (rebuilding rows whose lists
    only gave a lower bound on the way)."""
    while True:
        best = _INF
        arg = -1
        exact = True
        for q in range(settled):
            s = order[q]
            if s != v:
                nd, ok = _through(C, a, u, cap, f, keys, idx, count, tau, filled, W, head, nxt,
                                  dist, s, v)
                if nd < best:
                    best, arg, exact = nd, s, ok
        if exact or arg < 0:
            dist[v] = best
            pred[v] = arg
            return
        _fill_row(C, keys, idx, count, tau, filled, head, nxt, arg)


@nb.njit(cache=True)
def _dijkstra(C, a, u, e, cap, f, keys, idx, count, tau, filled, W, head, nxt, dist, pred, done,
              bound, order):
    """Shortest paths from all over-full nodes until every under-full node is settled.

    Arcs whose list only bounds their weight from below are relaxed with the bound (``bound``
    marks such tentative distances) and made exact before their head is settled.
    Returns the number of settled nodes (in ``order``) and the largest settled distance.
    """
    k = n_cols(C)
    K = e.shape[0]
    sinks = 0
    rem = np.empty(K, np.int64)           # unsettled nodes (settling swaps one out)
    for j in range(K):
        dist[j] = 0.0 if e[j] > 0 else _INF
        pred[j] = -1
        done[j] = False
        bound[j] = False
        rem[j] = j
        if e[j] < 0:
            sinks += 1
    n_rem = K
    settled = 0
    top = 0.0
    while sinks > 0:
        p = -1
        at = -1
        best = _INF
        for r in range(n_rem):            # the smallest tentative distance, lowest node on ties
            j = rem[r]
            if dist[j] < best or (dist[j] == best and j < p):
                best, p, at = dist[j], j, r
        if p < 0:
            break
        if bound[p]:
            _resolve(C, a, u, cap, f, keys, idx, count, tau, filled, W, head, nxt, dist, pred,
                     order, settled, p)
            bound[p] = False
            continue
        n_rem -= 1
        rem[at] = rem[n_rem]
        done[p] = True
        order[settled] = p
        settled += 1
        top = best
        if e[p] < 0:
            sinks -= 1
            if sinks == 0:
                break
        for r in range(n_rem):
            v = rem[r]
            if p < k and v < k:
                w, exact = _cached_front(C, a, keys, idx, count, tau, filled, W, head, nxt, p, v)
                nd = max(best + u[p] + w - u[v], best)
                lower = not exact
            elif p == k or v == k:
                rw = _edge(C, a, u, cap, f, keys, idx, count, tau, filled, W, head, nxt, p, v)
                nd = best + max(rw, 0.0)
                lower = False
            else:
                continue
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = p
                bound[v] = lower
    return settled, top


@nb.njit(cache=True)
def _path_amount(C, a, u, e, cap, f, keys, idx, count, tau, filled, W, head, nxt, pred, t, tol, trust,
                 memo, stack):
    """Units to send along the tree path to sink ``t`` (0 when it is no longer tight).

    ``memo[v]`` (-1: unknown) caches how many units the tree path to ``v`` can carry, so sinks
    that share a path prefix walk it once; the caller resets it after every send.
    """
    k = n_cols(C)
    depth = 0
    v = t
    while memo[v] < 0 and pred[v] >= 0:
        stack[depth] = v
        depth += 1
        v = pred[v]
    if memo[v] < 0:                       # the root: an over-full node
        memo[v] = max(e[v], 0)
    amount = memo[v]
    while depth > 0:
        depth -= 1
        w = stack[depth]
        p = pred[w]
        if amount > 0:
            rw = _edge(C, a, u, cap, f, keys, idx, count, tau, filled, W, head, nxt, p, w)
            if rw == _INF or (rw > tol and not trust):
                amount = 0
            elif p < k and w < k:
                amount = min(amount, 1)
            elif w == k:
                amount = min(amount, cap[p] - f[p])
            else:
                amount = min(amount, f[w])
        memo[w] = amount
    return min(amount, -e[t])


@nb.njit(cache=True)
def _send(C, a, e, f, keys, idx, count, tau, filled, W, head, nxt, prv, pred, t, amount):
    """Send ``amount`` units along the tree path to ``t`` (fronts are valid: just checked)."""
    k = n_cols(C)
    v = t
    while pred[v] >= 0:
        p = pred[v]
        if p < k and v < k:
            _move(C, a, keys, idx, count, tau, filled, W, head, nxt, prv, idx[p, v, 0], p, v)
        elif v == k:
            f[p] += amount
        else:
            f[v] -= amount
        v = p
    e[v] -= amount
    e[t] += amount


@nb.njit(cache=True)
def successive_shortest_paths(C, a, u, e, cap, f, head, nxt, prv, n_cand, rho, rows, tol, max_rounds):
    """Drive every excess to zero; keeps every point at an argmin of ``C - u``.

    Returns ``(rounds, moves)``; ``rounds = -1`` if ``max_rounds`` was exceeded, ``-2`` if an
    under-full node became unreachable (infeasible sizes).
    """
    k = n_cols(C)
    K = e.shape[0]
    keys = np.empty((k, k, n_cand))
    idx = np.empty((k, k, n_cand), np.int64)
    count = np.zeros((k, k), np.int64)
    tau = np.full((k, k), _INF)
    filled = np.zeros(k, np.bool_)
    fill_all(C, a, u, rho, rows, keys, idx, count, tau, filled)
    W = np.full((k, k), np.nan)
    dist = np.empty(K)
    pred = np.empty(K, np.int64)
    done = np.empty(K, np.bool_)
    bound = np.empty(K, np.bool_)
    order = np.empty(K, np.int64)
    memo = np.empty(K, np.int64)
    stack = np.empty(K, np.int64)
    rounds = 0
    moves = 0
    while (e > 0).any():
        rounds += 1
        if rounds > max_rounds:
            return -1, moves
        settled, top = _dijkstra(C, a, u, e, cap, f, keys, idx, count, tau, filled, W, head, nxt,
                                 dist, pred, done, bound, order)
        for j in range(K):
            u[j] += dist[j] if done[j] else top
        trust = True
        memo[:] = -1
        for q in range(settled):
            t = order[q]
            while e[t] < 0:
                amount = _path_amount(C, a, u, e, cap, f, keys, idx, count, tau, filled, W, head, nxt,
                                      pred, t, tol, trust, memo, stack)
                if amount <= 0:
                    break
                trust = False
                _send(C, a, e, f, keys, idx, count, tau, filled, W, head, nxt, prv, pred, t, amount)
                memo[:] = -1
                moves += amount
        if trust:
            return -2, moves
    return rounds, moves
