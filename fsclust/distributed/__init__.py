"""Fixed-size k-means past one machine: the same exact steps on dask arrays.

``FixedSizeKMeans(...).fit(X)`` with a ``dask.array.Array`` runs here, on the active
``dask.distributed`` client or dask's local scheduler. Importing this package does not import dask;
its modules do (`fsclust.distributed.fit`, `.step`, `.blocks`, `.lists`, `.data`), so install the
``dask`` extra (``pip install -e ".[dask]"``) to use them.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_dask_array"]


def is_dask_array(value: Any) -> bool:
    """Whether ``value`` is a ``dask.array.Array`` (False, without importing dask, when dask is
    not imported: then no value can be one)."""
    module = sys.modules.get("dask.array")
    return module is not None and isinstance(value, module.Array)
