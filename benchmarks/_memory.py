"""Peak memory of the running process, for the benchmarks that run each tool in a child process."""

from __future__ import annotations

import resource


def peak_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` from ``/proc/self/status``.

    ``ru_maxrss`` would report the parent's peak instead when that was higher: a child process
    inherits it at exec (a child of a 400 MB parent: ``ru_maxrss`` 408 MB, ``VmHWM`` 13.5 MB).
    Off Linux, ``ru_maxrss`` (KB) is the fallback.
    """
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
