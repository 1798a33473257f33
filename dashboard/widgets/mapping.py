"""Column mapping on the Upload page: a mapping file (the CLI's ``--mapping``) or columns
picked by hand for a bank export with its own header (``Buchungstag;Betrag;Empfaenger``).

:func:`header` reads the first line of an upload (delimiter sniffed like the loaders do);
:func:`mapping_from_choices` turns the picks into the same :class:`loaders.mapping.Mapping` a
mapping file gives (see docs/formats.md), so both paths load the file the same way.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard.widgets.text import md
from engine.core.errors import MoneytrailError
from engine.services.column_mapping import Mapping
from engine.services.column_mapping import header as read_header
from engine.services.column_mapping import parse as parse_mapping
from engine.services.column_mapping import read as read_mapping

#: Transaction fields an investigator can pick a column for (field → label).
FIELDS = {
    "ts": "Date / timestamp",
    "amount": "Amount",
    "src_account": "Sender account",
    "dst_account": "Receiver account",
    "counterparty": "Counterparty (single-account statement)",
    "direction": "Debit / credit marker",
    "currency": "Currency",
    "reference": "Reference / purpose",
    "channel": "Channel",
}
NONE = "(none)"


def header(data: bytes, name: str = "upload.csv") -> tuple[list[str], str]:
    """Column names of an upload's header line and its delimiter, read by the loader's own
    header reader (so the picks name the columns the loader will see).

    Raises
    ------
    InputError
        If the file is empty, binary or has no header line.
    """
    with tempfile.TemporaryDirectory(prefix="moneytrail-header-") as folder:
        path = Path(folder) / f"upload{''.join(Path(name).suffixes[-2:])}"
        path.write_bytes(data)
        names, delimiter = read_header(path, name)
    return [n.strip() for n in names if n.strip()], delimiter


def mapping_from_choices(
    choices: dict[str, str],
    *,
    delimiter: str,
    own_account: str = "",
    decimal: str = ".",
    date_format: str = "",
    currency: str = "",
) -> Mapping:
    """The mapping for the picked columns (``field → column``; :data:`NONE` skipped).

    Raises
    ------
    InputError
        If the picks do not make a valid mapping (as a mapping file would).
    """
    columns: dict[str, Any] = {f: c for f, c in choices.items() if c and c != NONE}
    if own_account.strip():
        columns["own_account"] = {"value": own_account.strip()}
    data: dict[str, Any] = {"kind": "transactions", "delimiter": delimiter, "columns": columns}
    if decimal == ",":
        data.update(decimal=",", thousands=".")
    if date_format.strip():
        data["date_formats"] = [date_format.strip()]
    if currency.strip():
        data["currency"] = currency.strip()
    return parse_mapping(data, name="columns picked on the Upload page")


def mapping_file(name: str, data: bytes) -> Mapping:
    """Parse an uploaded TOML/YAML mapping file (same rules as ``--mapping``)."""
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="moneytrail-mapping-") as folder:
        path = Path(folder) / f"mapping{suffix}"
        path.write_bytes(data)
        return read_mapping(path)


def mapping_picker(files: list[Any] | None) -> Mapping | None:
    """Draw the mapping choices; the mapping to use for the uploads, or None (auto-detect)."""
    how = st.radio(
        "Columns",
        ["Recognise automatically", "Mapping file", "Pick the columns"],
        horizontal=True,
        key="mapping_how",
        help="For a bank export with its own header, give a mapping file (as the CLI's "
        "--mapping, docs/formats.md) or pick which column is which.",
    )
    if how == "Mapping file":
        upload = st.file_uploader("Mapping file (TOML or YAML)", type=["toml", "yaml", "yml"],
                                  key="mapping_file")  # fmt: skip
        if upload is None:
            return None
        try:
            return mapping_file(upload.name, upload.getvalue())
        except MoneytrailError as exc:
            st.error(f"Mapping file refused: {exc}")
            return None
    if how != "Pick the columns":
        return None
    if not files:
        st.caption("Choose a file first: its columns are offered here.")
        return None
    try:
        names, delimiter = header(files[0].getvalue(), files[0].name)
    except MoneytrailError as exc:
        st.error(f"Cannot read the columns of {md(files[0].name)}: {md(str(exc))}")
        return None
    st.caption(md(f"Columns of {files[0].name} (separated by {delimiter!r}): {', '.join(names)}"))
    options = [NONE, *names]
    cols = st.columns(3)
    choices = {
        field: cols[i % 3].selectbox(label, options, key=f"map-{field}")
        for i, (field, label) in enumerate(FIELDS.items())
    }
    c1, c2, c3, c4 = st.columns(4)
    own = c1.text_input("Own account (statement of one account)", key="map-own")
    decimal = c2.selectbox("Decimal mark", [".", ","], key="map-decimal")
    date_format = c3.text_input("Date format", placeholder="%d.%m.%Y", key="map-date")
    currency = c4.text_input("Currency if none given", placeholder="EUR", key="map-currency")
    try:
        return mapping_from_choices(choices, delimiter=delimiter, own_account=own,
                                    decimal=decimal, date_format=date_format, currency=currency)  # fmt: skip
    except MoneytrailError as exc:
        st.error(f"These columns do not make a mapping: {exc}")
        return None
