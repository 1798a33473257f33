"""Hand-built worlds for the detector tests: a few accounts, a few transfers, exact answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyarrow as pa
import pytest

from engine.core import schema
from engine.detect.config import DetectionConfig
from engine.detect.frame import Frame, build_frame

T0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


@dataclass
class World:
    """Collects rows; ``frame()`` turns them into a detection frame."""

    tx: list[dict] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    parties: list[dict] = field(default_factory=list)
    holdings: list[dict] = field(default_factory=list)
    travel: list[dict] = field(default_factory=list)

    def pay(self, src: str, dst: str, amount: float, day: float, channel: str = "wire", **kw):
        tx_id = kw.pop("tx_id", f"t{len(self.tx)}")
        ts = T0 + dt.timedelta(days=day)
        self.tx.append(dict(tx_id=tx_id, ts=ts, src_account=src, dst_account=dst,
                            amount=amount, amount_base=amount, currency="EUR",
                            channel=channel, **kw))  # fmt: skip
        return tx_id

    def account(self, account_id: str, country: str = "DE", kind: str = "personal", **kw):
        self.accounts.append(dict(account_id=account_id, country=country, kind=kind, **kw))

    def party(self, party_id: str, name: str, accounts: tuple[str, ...] = (), role="owner", **kw):
        self.parties.append(dict(party_id=party_id, name=name, kind="person", **kw))
        for a in accounts:
            self.holdings.append(dict(party_id=party_id, account_id=a, role=role))

    def trip(self, record_id: str, name: str, origin: str, destination: str, day: float, **kw):
        dep = T0 + dt.timedelta(days=day)
        self.travel.append(dict(record_id=record_id, traveller_name=name, origin=origin,
                                destination=destination, departure=dep,
                                arrival=dep + dt.timedelta(hours=3), **kw))  # fmt: skip

    def tables(self) -> dict[str, pa.Table]:
        def table(rows: list[dict], name: str) -> pa.Table:
            if not rows:
                return schema.empty(name)
            cols = {f.name: [r.get(f.name) for r in rows] for f in schema.ALL_TABLES[name]}
            return pa.Table.from_pydict(cols, schema=schema.ALL_TABLES[name])

        return {
            "transactions": table(self.tx, "transactions"),
            "accounts": table(self.accounts, "accounts"),
            "parties": table(self.parties, "parties"),
            "holdings": table(self.holdings, "holdings"),
            "travel": table(self.travel, "travel"),
        }

    def frame(self, config: DetectionConfig | None = None) -> Frame:
        """The frame, with money thresholds as written (a hand-built world of a few transfers
        has no money scale of its own; tests/detect/test_money_scale.py tests the scaling)."""
        config = config or DetectionConfig(money_thresholds="absolute")
        return build_frame(**self.tables(), config=config)


@pytest.fixture
def world() -> World:
    return World()


def accounts_of(frame: Frame, hits, i: int | None = None) -> set[str]:
    """Account ids of one instance (or of all instances) of ``hits``."""
    nodes = hits.nodes_of(i) if i is not None else hits.flagged_nodes()
    return set(frame.graph.account_of(nodes))


def anchors_of(frame: Frame, hits) -> set[str]:
    nodes = hits.anchor[hits.anchor >= 0]
    return set(frame.graph.account_of(nodes))
