"""A binary min-heap of (key, item) pairs in preallocated arrays, for Numba kernels.

Lazy deletion: callers push a new pair when a key decreases and skip stale pops.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def heap_push(keys, items, size, key, item):
    """Insert; returns the new arrays (grown if full) and size."""
    if size == len(keys):
        grown_k = np.empty(2 * len(keys) + 1, dtype=keys.dtype)
        grown_i = np.empty(2 * len(items) + 1, dtype=items.dtype)
        grown_k[:size] = keys[:size]
        grown_i[:size] = items[:size]
        keys = grown_k
        items = grown_i
    i = size
    size += 1
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        items[i] = items[parent]
        i = parent
    keys[i] = key
    items[i] = item
    return keys, items, size


@numba.njit(cache=True, nogil=True)
def heap_pop(keys, items, size):
    """Remove the smallest pair; returns (key, item, new size). Ties: any order."""
    key = keys[0]
    item = items[0]
    size -= 1
    if size > 0:
        last_k = keys[size]
        last_i = items[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and keys[child + 1] < keys[child]:
                child += 1
            if keys[child] >= last_k:
                break
            keys[i] = keys[child]
            items[i] = items[child]
            i = child
        keys[i] = last_k
        items[i] = last_i
    return key, item, size
