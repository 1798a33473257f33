"""Binary searches over a time-sorted slice of a CSR row, shared by the temporal kernels."""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True)
def lower_bound(ts, lo, hi, value):  # type: ignore[no-untyped-def]
    """First position in ``ts[lo:hi]`` (sorted) with ``ts >= value``; ``hi`` if none."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if ts[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, nogil=True)
def upper_bound(ts, lo, hi, value):  # type: ignore[no-untyped-def]
    """First position in ``ts[lo:hi]`` (sorted) with ``ts > value``; ``hi`` if none."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if ts[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo
