"""engine.services.anx: the i2 ANX XML of a case, read back with a hardened parser."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from lxml import etree

from engine.queries import Network, Workbench
from engine.services.anx import anx
from engine.services.case_scrubber import pseudonymised_case_file
from engine.services.export import case_file
from engine.store import open_store
from tests.dashboard import world


def parse(data: bytes) -> etree._Element:
    """Parse ANX without DTDs, entities or network access (what an importer should do)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
    )
    root = etree.fromstring(data, parser)
    assert root.getroottree().docinfo.doctype == ""
    return root


def chart(root: etree._Element) -> tuple[dict[str, str], list[etree._Element]]:
    entities = {e.get("EntityId"): e for e in root.iter("Entity")}
    links = [item for item in root.iter("ChartItem") if item.find("Link") is not None]
    return {k: v.getparent().getparent().get("Label") for k, v in entities.items()}, links


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    home = world.build(tmp_path_factory.mktemp("anx") / "store")
    return Workbench(open_store("embedded", home=home))


def test_hostile_text_is_escaped_not_markup():
    net = Network(
        nodes=[
            {
                "id": "A<1>",
                "kind": "account",
                "label": 'x"&<!ENTITY e SYSTEM "file:///">',
                "amount": 1.0,
            },
            {"id": "B", "kind": "party", "label": "Bob\x07", "amount": 0.0},
        ],
        edges=[{"source": "B", "target": "A<1>", "kind": "owner", "amount": 0.0, "count": 1}],
    )
    tx = pd.DataFrame(
        {
            "tx_id": ["T1"],
            "ts": [pd.Timestamp("2024-03-01 10:00", tz="UTC")],
            "src_account": ["A<1>"],
            "dst_account": ["C"],
            "amount": [1250.5],
            "currency": ["EUR"],
            "channel": ["wire"],
        }
    )
    labels, links = chart(parse(anx("Case <1>", net, tx)))
    assert labels["A<1>"] == 'x"&<!ENTITY e SYSTEM "file:///">'
    assert labels["B"] == "Bob" and "C" in labels
    transfer = next(i for i in links if i.find("Link").get("End2Id") == "C")
    assert transfer.get("DateTime") == "2024-03-01T10:00:00"
    assert transfer.get("Label") == "1,250.50 EUR"
    values = {a.get("AttributeClass"): a.get("Value") for a in transfer.iter("Attribute")}
    assert values["amount"] == "1250.5" and values["currency"] == "EUR"
    assert any(i.find("Link").get("End1Id") == "B" for i in links)


def test_case_file_anx_matches_its_transactions(wb):
    archive = zipfile.ZipFile(io.BytesIO(case_file(wb, cluster_id=1)))
    labels, links = chart(parse(archive.read("case.anx")))
    tx = wb.cluster_detail(1).transactions
    transfers = [i for i in links if i.find("Link/LinkStyle").get("Type") == "Transaction"]
    assert len(transfers) == len(tx)
    ends = {(i.find("Link").get("End1Id"), i.find("Link").get("End2Id")) for i in transfers}
    assert ends == set(zip(tx["src_account"], tx["dst_account"], strict=True))
    amounts = sorted(
        float(a.get("Value"))
        for i in transfers
        for a in i.iter("Attribute")
        if a.get("AttributeClass") == "amount"
    )
    assert amounts == pytest.approx(sorted(tx["amount"]))
    assert "TR01COLLECT" in labels and "Amina Yusuf" in archive.read("case.anx").decode()


def test_pseudonymised_anx_names_nobody(wb):
    archive = zipfile.ZipFile(io.BytesIO(pseudonymised_case_file(wb, cluster_id=1)))
    text = archive.read("case.anx").decode()
    labels, links = chart(parse(text.encode()))
    assert links and labels
    for _, name, _, doc, account in world.SENDERS:
        for secret in (name, doc, account, *name.split()):
            assert secret not in text, secret
    assert "TR01COLLECT" not in text and world.COLLECTOR[1] not in text
