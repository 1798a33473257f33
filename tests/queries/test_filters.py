"""The shared filters: hand-computed answers for time, amount, channel and country."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.queries.filters import (
    Filters,
    active_members,
    filter_evidence,
    filter_transactions,
    filter_trips,
    transaction_mask,
)

DAY = 86_400_000_000
T0 = int(pd.Timestamp("2024-03-01", tz="UTC").value // 1000)
COUNTRY = {"A": "SY", "B": "TR", "C": "AE", "D": "DE"}


def tx() -> pd.DataFrame:
    return pd.DataFrame({
        "tx_id": ["t1", "t2", "t3", "t4", "t5"],
        "ts": pd.to_datetime([T0, T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY, T0 + 10 * DAY], unit="us", utc=True),
        "src_account": ["A", "B", "B", "C", "D"],
        "dst_account": ["B", "C", "C", "A", "D"],
        "amount_base": [100.0, 2500.0, 50.0, 9000.0, 10.0],
        "channel": ["money_transfer", "wire", "cash", "wire", None],
    })  # fmt: skip


def kept(filters: Filters) -> list[str]:
    return filter_transactions(tx(), filters, COUNTRY)["tx_id"].tolist()


def test_nothing_filtered_keeps_everything():
    assert not Filters().active and Filters().describe() == ""
    assert kept(Filters()) == ["t1", "t2", "t3", "t4", "t5"]


def test_time_range_is_half_open():
    assert kept(Filters(start=T0 + DAY, end=T0 + 3 * DAY)) == ["t2", "t3"]
    assert kept(Filters(start=T0 + 3 * DAY)) == ["t4", "t5"]
    assert Filters(start=T0, end=T0 + 3 * DAY).describe() == "from 2024-03-01 to 2024-03-03"


def test_amount_channel_and_country():
    assert kept(Filters(min_amount=100, max_amount=2500)) == ["t1", "t2"]
    assert kept(Filters(channels=("wire", "cash"))) == ["t2", "t3", "t4"]
    # either end's country: A is SY (t1 sends, t4 receives)
    assert kept(Filters(countries=("SY",))) == ["t1", "t4"]
    both = Filters(countries=("AE",), channels=("wire",), min_amount=5000)
    assert kept(both) == ["t4"]
    assert both.describe() == "at least 5,000; by wire; touching AE"


def test_mask_on_arrays():
    mask = transaction_mask(np.array([1, 2, 3]), np.array([5.0, 50.0, 500.0]),
                            np.array(["wire", "cash", "wire"], dtype=object),
                            np.array(["DE", None, "FR"], dtype=object),
                            np.array(["FR", "DE", None], dtype=object),
                            Filters(start=2, countries=("DE",)))  # fmt: skip
    assert mask.tolist() == [False, True, False]


def test_trips_by_departure_and_country_only():
    trips = pd.DataFrame({
        "record_id": ["r1", "r2", "r3"],
        "departure": pd.to_datetime([T0, T0 + 5 * DAY, None], unit="us", utc=True),
        "origin": ["IST", "ADB", "IST"], "destination": ["ADB", "DXB", "DXB"],
        "payer_account": ["B", None, "B"],
    })  # fmt: skip
    places = {"IST": "TR", "ADB": "TR", "DXB": "AE"}
    ids = lambda f: filter_trips(trips, f, places)["record_id"].tolist()  # noqa: E731
    assert ids(Filters(min_amount=10**9, channels=("cash",))) == ["r1", "r2", "r3"]
    assert ids(Filters(end=T0 + DAY)) == ["r1"]  # a trip with no departure is out of any range
    assert ids(Filters(countries=("AE",))) == ["r2", "r3"]


def test_evidence_and_members_follow_what_is_left():
    evidence = pd.DataFrame({
        "evidence_id": ["e1", "e2", "e3", "e4"],
        "tx_ids": [["t1", "t2"], ["t9"], [], None],
        "record_ids": [[], ["r1"], [], None],
    })  # fmt: skip
    left = filter_evidence(evidence, ["t2"], [])
    assert left["evidence_id"].tolist() == ["e1", "e3", "e4"]
    assert filter_evidence(evidence, [], ["r1"])["evidence_id"].tolist() == ["e2", "e3", "e4"]
    members = pd.DataFrame({"entity_id": ["A", "B", "P1", "P2"],
                            "accounts": [None, None, ["A"], ["D"]]})  # fmt: skip
    shown = filter_transactions(tx(), Filters(end=T0 + DAY), COUNTRY)  # t1: A -> B
    assert active_members(members, shown, pd.DataFrame())["entity_id"].tolist() == ["A", "B", "P1"]
