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


def test_a_time_that_is_past_year_9999_in_utc_is_a_failure_not_a_crash():
    # fuzz crash: OverflowError from datetime.astimezone in the Python fallback
    # (a value Arrow cannot cast sends the column through the Python fallback)
    text = pa.array(["9999-12-31T23:59:59-10:00", "2024-01-05T10:00:00+02:00", "2024-M-X1"])
    out, failed = to_timestamp(text)
    assert out.to_pylist() == [None, dt.datetime(2024, 1, 5, 8, tzinfo=dt.UTC), None]
    assert failed.tolist() == [True, False, True]


def test_times_past_year_9999_are_failures_on_every_path():
    fast = pa.array(["9999-12-31T23:59:59-10:00", "2024-01-01T00:00:00Z", None])
    out, failed = to_timestamp(fast)  # Arrow casts the whole column in one go
    assert out.to_pylist() == [None, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), None]
    assert failed.tolist() == [True, False, False]  # a null is missing, not bad
    typed = pa.array([253_402_300_800_000_000, 0], pa.timestamp("us", tz="UTC"))  # 10000-01-01
    out, failed = to_timestamp(typed)
    assert out.null_count == 1 and failed.tolist() == [True, False]
