"""Upload: drop transaction, travel and KYC files; see what was accepted and what was not."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import state
from engine.errors import MoneytrailError

st.title("Upload")
st.caption(
    "Transactions (CSV, Parquet, JSONL, goAML XML, camt.053, AMLworld, SAML-D, AMLSim), "
    "travel records (manifests, bookings, crossings) and KYC extracts. A file uploaded twice "
    "changes nothing."
)

files = st.file_uploader("Files", accept_multiple_files=True, key="upload_files")
if st.button("Ingest", type="primary", disabled=not files):
    reports = []
    for file in files or []:
        with st.spinner(f"reading {file.name}"):
            try:
                reports.append((file.name, state.upload(file.name, file.getvalue()), None))
            except MoneytrailError as exc:
                reports.append((file.name, None, str(exc)))
    st.session_state["last_upload"] = [
        (name, getattr(report, "__dict__", report), error) for name, report, error in reports
    ]

for name, report, error in st.session_state.get("last_upload") or []:
    if error:
        st.error(f"{name}: {error}")
        continue
    values = report if isinstance(report, dict) else {}
    status = values.get("status", "written")
    accepted = values.get("rows_accepted", values.get("accepted", 0))
    duplicate = values.get("rows_duplicate", values.get("duplicates", 0))
    rejected = values.get("rows_rejected", values.get("rejected", 0))
    box = st.warning if status == "duplicate" else st.success
    box(
        f"**{name}**: {status} · {accepted:,} rows accepted · {duplicate:,} duplicates · "
        f"{rejected:,} rejected",
        icon="✅" if status != "duplicate" else "♻️",
    )
    reasons = values.get("reasons") or {}
    if isinstance(reasons, str):
        reasons = json.loads(reasons or "{}")
    if reasons:
        st.dataframe(
            pd.DataFrame(
                sorted(reasons.items(), key=lambda kv: -kv[1]), columns=["reason", "rows"]
            ),
            hide_index=True,
        )
    batch_id = values.get("batch_id")
    if rejected and batch_id:
        st.download_button(
            f"Download the {rejected:,} rejected rows with reasons",
            state.rejected_rows(batch_id),
            file_name=f"rejected-{name}.csv",
            mime="text/csv",
            key=f"rejected-{batch_id}",
        )

if st.session_state.get("last_upload") and st.button(
    "Analyse now", help="Find communities and rank clusters with the new data"
):
    with st.spinner("analysing"):
        summary = state.analyze()
    st.success(f"Analysis done: {getattr(summary, 'n_clusters', '?')} clusters ranked.")

st.subheader("Batch history")
batches = state.workbench().frame("batches")
if batches.empty:
    st.info("Nothing uploaded yet.")
else:
    st.dataframe(
        batches.sort_values("uploaded_at", ascending=False)[
            [
                "uploaded_at",
                "uploaded_by",
                "source",
                "kind",
                "format",
                "rows_accepted",
                "rows_duplicate",
                "rows_rejected",
                "batch_id",
            ]
        ],
        hide_index=True,
        width="stretch",
    )
