"""Value parsing edge cases found by the loader fuzz run."""

from __future__ import annotations

import datetime as dt
import warnings

import pyarrow as pa

from loaders.values import to_timestamp


def test_simulation_steps_out_of_range_are_failures_without_numpy_warnings():
    steps = pa.array([1.0, float("inf"), float("nan"), -1e300, 3e15, None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf * unit used to warn "invalid value in cast"
        out, failed = to_timestamp(steps, step_start="2023-01-01")
    assert out.to_pylist()[0] == dt.datetime(2023, 1, 2, tzinfo=dt.UTC)
    assert out.to_pylist()[1:] == [None] * 5
    assert failed.tolist() == [False, True, True, True, True, False]  # a null is missing, not bad
