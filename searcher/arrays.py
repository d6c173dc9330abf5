"""numpy operations done faster than numpy does them here.

``np.unique`` of a plain 1-D array hashes its values first (numpy 2.4): 1.0 s for 1.3M
uint64 class hashes and 64 ms for 1M int32 where a sort and a comparison of neighbours take
28 ms and 4 ms.  The hot callers (a writer's live classes, repeat groups, near pairs) use
``unique`` below; results are identical (sorted distinct values, same dtype).
"""
from __future__ import annotations

import numpy as np


def unique(a) -> np.ndarray:
    """The sorted distinct values of a 1-D array, as ``np.unique(a)``."""
    a = np.sort(np.asarray(a).ravel())
    if len(a) < 2:
        return a
    return a[np.concatenate(([True], a[1:] != a[:-1]))]
