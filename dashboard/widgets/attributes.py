"""An entity's attributes as labelled fields (name, birth date, document ...), not raw JSON."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.widgets.text import md

#: Field labels, in the order shown; fields not listed follow with their name made readable.
LABELS = {
    "name": "Name", "kind": "Kind", "birth_date": "Born", "nationality": "Nationality",
    "id_document_type": "Document type", "id_document_number": "Document number",
    "phone": "Phone", "email": "E-mail", "address": "Address", "city": "City",
    "country": "Country", "institution": "Bank", "opened": "Opened",
}  # fmt: skip
#: Fields never shown (bookkeeping, not about the entity).
HIDDEN = {"batch_id", "party_id", "account_id", "entity_id"}


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def fields(attributes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of the attributes worth showing, known fields first."""
    shown = {k: v for k, v in attributes.items() if k not in HIDDEN and not _blank(v)}
    order = [k for k in LABELS if k in shown] + sorted(k for k in shown if k not in LABELS)
    return [(LABELS.get(k, k.replace("_", " ").capitalize()), str(shown[k])) for k in order]


def attribute_fields(attributes: Mapping[str, Any], columns: int = 3) -> None:
    """Draw the attributes as labelled fields in ``columns`` columns."""
    pairs = fields(attributes)
    if not pairs:
        return
    cols = st.columns(columns)
    for i, (label, value) in enumerate(pairs):
        cols[i % columns].markdown(f"**{md(label)}**  \n{md(value)}")
