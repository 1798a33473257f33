"""i2 Analyst's Notebook Exchange (ANX) XML of a case: what i2 users import as a chart.

One ``ChartItem`` with an ``End/Entity`` per account, person and trip of the case network, and
one ``ChartItem`` with a ``Link`` per transaction (date, amount, currency, channel) and per
other network edge (holding, travel). Written with :mod:`xml.etree.ElementTree`, which escapes
every text and attribute value, so a name holding ``<``, ``&`` or quotes cannot change the
document; no DOCTYPE and no entities are written. The data given is already pseudonymised by
the case file's scrubber when the export is pseudonymised.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import pandas as pd

from engine.queries import Network

#: Most transaction links written (a larger case keeps its largest transfers).
ANX_MAX_LINKS = 5000
#: i2 icon type per node kind.
ICONS = {"account": "Account", "party": "Person", "trip": "Flight", "other": "Group"}


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # XML 1.0 forbids most control characters; drop them rather than write a broken file.
    return "".join(ch for ch in str(value) if ch in "\t\n\r" or ord(ch) >= 32)


def _entity(parent: ET.Element, identity: str, label: str, kind: str, **fields: Any) -> None:
    item = ET.SubElement(parent, "ChartItem", Label=_text(label), Description=_text(kind))
    end = ET.SubElement(item, "End")
    entity = ET.SubElement(end, "Entity", EntityId=_text(identity), Identity=_text(identity))
    icon = ET.SubElement(entity, "Icon")
    ET.SubElement(icon, "IconStyle", Type=ICONS.get(kind, "Group"))
    _attributes(item, fields)


def _attributes(item: ET.Element, fields: dict[str, Any]) -> None:
    present = {k: v for k, v in fields.items() if _text(v) != ""}
    if not present:
        return
    collection = ET.SubElement(item, "AttributeCollection")
    for name, value in present.items():
        ET.SubElement(collection, "Attribute", AttributeClass=name, Value=_text(value))


def _link(
    parent: ET.Element,
    source: str,
    target: str,
    label: str,
    kind: str,
    when: pd.Timestamp | None = None,
    **fields: Any,
) -> None:
    attrs: dict[str, str] = {"Label": _text(label), "Description": _text(kind)}
    if when is not None and not pd.isna(when):
        stamp = pd.Timestamp(when)
        attrs.update(DateSet="true", TimeSet="true", DateTime=stamp.strftime("%Y-%m-%dT%H:%M:%S"))
    item = ET.SubElement(parent, "ChartItem", attrib=attrs)
    link = ET.SubElement(item, "Link", End1Id=_text(source), End2Id=_text(target))
    ET.SubElement(link, "LinkStyle", ArrowStyle="ArrowOnHead", Type=kind)
    _attributes(item, fields)


def anx(title: str, net: Network, transactions: pd.DataFrame) -> bytes:
    """The ANX XML bytes (UTF-8) of one case: ``net``'s nodes as entities, ``transactions``
    (rows with ``src_account``, ``dst_account``, ``ts``, ``amount``, ``currency``) as dated
    links, and ``net``'s non-transfer edges as links."""
    chart = ET.Element("Chart", IdReferenceLinking="true")
    ET.SubElement(chart, "Summary").append(_origin(title))
    items = ET.SubElement(chart, "ChartItemCollection")
    known: set[str] = set()
    for node in net.nodes:
        ident = _text(node["id"])
        known.add(ident)
        _entity(items, ident, node.get("label") or ident, node.get("kind", "other"),
                amount=node.get("amount"))  # fmt: skip
    tx = transactions
    if not tx.empty and {"src_account", "dst_account"} <= set(tx.columns):
        if len(tx) > ANX_MAX_LINKS and "amount_base" in tx.columns:
            tx = tx.nlargest(ANX_MAX_LINKS, "amount_base")
        tx = tx.head(ANX_MAX_LINKS)
        for account in pd.unique(pd.concat([tx["src_account"], tx["dst_account"]])):
            if _text(account) not in known:
                known.add(_text(account))
                _entity(items, _text(account), _text(account), "account")
        for row in tx.to_dict("records"):
            amount, currency = row.get("amount"), row.get("currency") or ""
            _link(items, _text(row["src_account"]), _text(row["dst_account"]),
                  f"{amount:,.2f} {currency}".strip() if amount is not None else "",
                  "Transaction", row.get("ts"), amount=amount, currency=currency,
                  channel=row.get("channel"), transaction=row.get("tx_id"))  # fmt: skip
    for edge in net.edges:
        if edge.get("kind") == "transfer":
            continue
        if _text(edge["source"]) in known and _text(edge["target"]) in known:
            _link(items, _text(edge["source"]), _text(edge["target"]),
                  _text(edge.get("kind")), _text(edge.get("kind") or "link"))  # fmt: skip
    ET.indent(chart)
    return ET.tostring(chart, encoding="utf-8", xml_declaration=True)


def _origin(title: str) -> ET.Element:
    origin = ET.Element("Origin")
    ET.SubElement(origin, "Title").text = _text(title)
    ET.SubElement(origin, "Author").text = "moneytrail"
    return origin
