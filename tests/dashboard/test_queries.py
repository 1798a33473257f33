"""engine.queries: the dashboard's read services, on the tiny world and on a hub."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from engine.core import schema
from engine.queries import MAX_NODES, Workbench
from engine.store import open_store
from engine.store.base import Batch
from tests.dashboard import world


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    home = world.build(tmp_path_factory.mktemp("q") / "store")
    return Workbench(open_store("embedded", home=home))


def test_overview_counts(wb):
    figures = wb.overview()
    assert figures["transactions"] == 24
    assert figures["flagged_clusters"] == 1
    assert figures["volume"] == pytest.approx(61480.0)


def test_corridors_use_account_countries(wb):
    corridors = wb.corridors().set_index("corridor")
    assert corridors.loc["TR → AE", "amount"] == 14000
    assert corridors.loc["SY → TR", "count"] == 2


def test_cluster_filters(wb):
    assert wb.cluster_list(min_score=0.5)["cluster_id"].tolist() == [1]
    assert wb.cluster_list(patterns=["paid_ticket"])["cluster_id"].tolist() == [1]
    assert wb.cluster_list(countries=["DE"])["cluster_id"].tolist() == [2]
    assert wb.cluster_list(patterns=["temporal_cycle"]).empty


def test_cluster_detail_gathers_everything(wb):
    detail = wb.cluster_detail(1)
    assert len(detail.transactions) == 6  # five payments to the collector and one onward
    assert set(detail.trips["record_id"]) == {"R1", "R2", "R3", "R4", "R5", "R9"}
    kinds = {n["kind"] for n in detail.network.nodes}
    assert kinds == {"account", "party", "trip"}
    assert detail.network.note == ""
    assert detail.flows.iloc[0]["amount"] == 14000
    with pytest.raises(KeyError):
        wb.cluster_detail(99)


def test_entity_detail_of_a_person(wb):
    detail = wb.entity_detail("P3")
    assert detail.kind == "party"
    assert detail.holdings["account_id"].tolist() == ["AF01SEND3"]
    assert "P5" in detail.links["other"].tolist()  # the shared passport
    assert detail.clusters["cluster_id"].tolist() == [1]


def test_search_by_name_document_and_account(wb):
    assert set(wb.search("haddad")["entity_id"]) >= {"P2", "P4", "IQ01SEND2", "IQ01SEND4"}
    assert set(wb.search("N0003")["entity_id"]) >= {"P3", "P5"}
    assert wb.search("TR01COLL")["entity_id"].tolist() == ["TR01COLLECT"]
    assert wb.search("   ").empty


def test_paths_respect_time_and_skip_placeholders(wb):
    shortest = wb.shortest_path("P1", "P7")
    assert shortest["from"].tolist() == ["SY01SEND1", "TR01COLLECT"]
    assert shortest["to"].tolist() == ["TR01COLLECT", "AE01HAWALA"]
    timed = wb.time_respecting_path("P1", "P7")
    assert timed["ts"].is_monotonic_increasing
    # backwards in time there is no path; and CASH never links the senders to each other
    assert wb.time_respecting_path("P7", "P1").empty
    assert wb.shortest_path("P1", "P2").empty


def test_trace_is_pro_rata_and_time_aware(wb):
    forward = wb.trace("SY01SEND1").set_index("account")
    assert forward.loc["AE01HAWALA", "amount"] == pytest.approx(3000)
    backward = wb.trace("AE01HAWALA", "backward").set_index("account")
    # 14,000 left the collector, who had received 16,000 from five senders
    assert backward.loc["SY01SEND5", "amount"] == pytest.approx(14000 * 3400 / 16000)
    with pytest.raises(ValueError):
        wb.trace("SY01SEND1", "sideways")


def test_routes_place_airports(wb):
    routes, missing = wb.routes(wb.cluster_detail(1).trips)
    assert set(zip(routes["origin"], routes["destination"], strict=True)) == {
        ("IST", "ADB"),
        ("ADB", "ATH"),
    }
    assert missing == []
    assert routes.set_index("origin").loc["IST", "legs"] == 5


def test_hub_picture_is_capped_with_a_note(tmp_path):
    """A hub paying 3,000 accounts draws at most MAX_NODES nodes and says what it folded."""
    n = 3000
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    tx = pa.table(
        {
            "tx_id": [f"H{i}" for i in range(n)],
            "ts": [t0 + dt.timedelta(minutes=i) for i in range(n)],
            "src_account": ["HUB"] * n,
            "dst_account": [f"C{i:05d}" for i in range(n)],
            "amount": [float(i + 1) for i in range(n)],
            "amount_base": [float(i + 1) for i in range(n)],
        }
    )
    with open_store("embedded", home=tmp_path / "hub") as store:
        store.write_batch(
            Batch(
                "hub",
                "hub.csv",
                "transactions",
                "canonical",
                {"transactions": schema.conform(tx, "transactions")},
            )
        )
        hub = Workbench(store)
        net = hub.neighbourhood("HUB")
    assert len(net.nodes) <= MAX_NODES + 1
    ids = {node["id"] for node in net.nodes}
    assert "HUB" in ids and "C02999" in ids  # the largest counterparties are kept
    assert "__other__" in ids and "C00000" not in ids
    assert net.omitted_nodes == n + 1 - (len(net.nodes) - 1)
    assert "folded" in net.note


def test_money_over_time_periods(wb):
    weeks = wb.money_over_time("week")
    assert (weeks["period"].dt.day_of_week == 0).all()  # weeks start on Monday
    assert weeks["amount"].sum() == pytest.approx(61480.0)
    months = wb.money_over_time("month").set_index(["period", "channel"])
    assert months.loc[(pd.Timestamp("2024-02-01", tz="UTC"), "cash"), "count"] == 5
    with pytest.raises(ValueError):
        wb.money_over_time("year")


def test_refresh_forgets_everything_derived_from_the_old_data(tmp_path):
    """After an upload, paths and transaction listings see the new transfers: the row times
    and hub-free graphs are rebuilt along with the graph (they once outlived a refresh)."""
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    def upload(store, batch_id, rows):
        tx = pa.table(
            {
                "tx_id": [r[0] for r in rows],
                "ts": [t0 + dt.timedelta(hours=r[3]) for r in rows],
                "src_account": [r[1] for r in rows],
                "dst_account": [r[2] for r in rows],
                "amount": [100.0] * len(rows),
                "amount_base": [100.0] * len(rows),
            }
        )
        store.write_batch(
            Batch(batch_id, f"{batch_id}.csv", "transactions", "canonical",
                  {"transactions": schema.conform(tx, "transactions")})
        )  # fmt: skip

    with open_store("embedded", home=tmp_path / "s") as store:
        upload(store, "b1", [("T1", "A", "B", 1)])
        bench = Workbench(store)
        assert bench.shortest_path("A", "C").empty
        assert len(bench.entity_detail("A").transactions) == 1
        upload(store, "b2", [("T2", "B", "C", 2), ("T3", "A", "B", 3)])
        bench.refresh()
        assert bench.shortest_path("A", "C")["tx_id"].tolist() == ["T1", "T2"]
        assert bench.time_respecting_path("A", "C")["tx_id"].tolist() == ["T1", "T2"]
        assert sorted(bench.entity_detail("A").transactions["tx_id"]) == ["T1", "T3"]


def test_warm_up_loads_everything_and_keeps_the_version(tmp_path):
    """warm_up reads every table and builds the graph, so the first page finds them cached;
    the version it records means the first page does not throw that work away."""
    home = world.build(tmp_path / "store")
    bench = Workbench(open_store("embedded", home=home))
    bench.warm_up()
    assert set(schema.INPUT_TABLES) <= set(bench._tables)
    assert {"graph", "names", "_row_ts", "_hubless"} <= set(vars(bench))
    assert bench.seen_version == bench.version()
    graph = bench.graph
    bench.sync()  # nothing changed: the warm data stays
    assert bench.graph is graph
