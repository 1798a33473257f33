"""Upload: drop transaction, travel and KYC files; see what was accepted and what was not."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.auth import guard
from dashboard.widgets.mapping import mapping_picker
from dashboard.widgets.text import md
from engine.core.errors import MoneytrailError

guard("upload")
st.title("Upload")
st.caption(
    "Transactions (CSV, Parquet, JSONL, goAML XML, camt.053, AMLworld, SAML-D, AMLSim), "
    "travel records (manifests, bookings, crossings) and KYC extracts. A file uploaded twice "
    "changes nothing."
)

files = st.file_uploader("Files", accept_multiple_files=True, key="upload_files")
mapping = mapping_picker(files)
if st.button("Ingest", type="primary", disabled=not files, key="ingest"):
    reports = []
    for file in files or []:
        bar = st.progress(0.0, text=f"reading {file.name}")

        def show(done: int, total: int, bar=bar, name=file.name) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"reading {name}")

        try:
            reports.append(state.upload(file.name, file.getvalue(), progress=show, mapping=mapping))
        except MoneytrailError as exc:
            reports.append({"source": file.name, "status": "refused", "error": str(exc)})
        bar.empty()
    st.session_state["last_upload"] = reports

for report in st.session_state.get("last_upload") or []:
    name, status = report.get("source"), report.get("status")
    if status == "refused":
        st.error(f"**{md(name)}**: refused: {md(report.get('error'))}")
        continue
    text = (
        f"**{md(name)}**: {status} · {report.get('format', '')} {report.get('kind', '')} · "
        f"{report.get('accepted', 0):,} rows accepted · {report.get('duplicate', 0):,} duplicates"
        f" · {report.get('rejected', 0):,} rejected"
    )
    conflicts = int(report.get("conflicts") or 0)
    if conflicts:
        text += (
            f" · {conflicts:,} conflicting duplicate{'s' if conflicts != 1 else ''} quarantined"
            " (a known key with other content; see below)"
        )
    (st.info if status == "duplicate" else st.warning if conflicts else st.success)(text)
    for note in report.get("notes") or []:
        st.caption(md(note))
    reasons = report.get("reasons") or {}
    if reasons:
        st.markdown(
            "Rejected rows by reason:\n"
            + "\n".join(
                f"- {md(reason)}: {count:,}"
                for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1])
            )
        )
    if report.get("rejected_csv"):
        st.download_button(
            f"Download the {report['rejected']:,} rejected rows with reasons",
            report["rejected_csv"],
            file_name=f"rejected-{name}.csv",
            mime="text/csv",
            key=f"rejected-{report.get('batch_id')}",
            on_click=state.rejected_downloaded,
            args=(str(report.get("batch_id")),),
        )

if st.session_state.get("last_upload") and st.button(
    "Analyse now", help="Find communities and rank clusters with the new data", key="analyse"
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
                "rows_conflict",
                "rows_rejected",
                "batch_id",
            ]
        ],
        hide_index=True,
        width="stretch",
    )

st.subheader("Rejected rows of a batch")
refused = batches[batches["rows_rejected"] > 0] if not batches.empty else batches
if refused.empty:
    st.caption("No batch has rejected rows.")
else:
    import io

    import pyarrow.compute as pc

    from engine.services.ingest import export_rejected

    refused = refused.sort_values("uploaded_at", ascending=False)
    labels = {
        row.batch_id: f"{row.source} · {row.uploaded_at:%Y-%m-%d %H:%M} · "
        f"{row.rows_rejected:,} rejected · {row.batch_id[:12]}"
        for row in refused.itertuples()
    }
    chosen = st.selectbox(
        "Batch", list(labels), format_func=labels.__getitem__, key="rejected_batch"
    )
    rejected = state.workbench().table("rejected")
    rows = rejected.filter(pc.equal(rejected["batch_id"], chosen)).sort_by("row")
    st.dataframe(
        rows.select(["row", "field", "value", "reason"]).to_pandas(),
        hide_index=True,
        width="stretch",
    )
    buffer = io.BytesIO()
    export_rejected(rows, buffer)
    source = str(refused.set_index("batch_id").loc[chosen, "source"])
    st.download_button(
        f"Download these {rows.num_rows:,} rejected rows with reasons",
        buffer.getvalue(),
        file_name=f"rejected-{source}.csv",
        mime="text/csv",
        key=f"history-rejected-{chosen}",
        on_click=state.rejected_downloaded,
        args=(str(chosen),),
    )

st.subheader("Conflicting duplicates of a batch")
st.caption(
    "Rows whose key (transaction or travel record id) was already stored with other content: "
    "the stored row was kept, the incoming one quarantined here with both versions."
)
clashing = (
    batches[batches["rows_conflict"].fillna(0) > 0]
    if not batches.empty and "rows_conflict" in batches
    else batches.iloc[0:0]
)
if clashing.empty:
    st.caption("No batch has conflicting duplicates.")
else:
    import io

    import pyarrow.compute as pc

    from engine.services.ingest import export_rejected

    clashing = clashing.sort_values("uploaded_at", ascending=False)
    conflict_labels = {
        row.batch_id: f"{row.source} · {row.uploaded_at:%Y-%m-%d %H:%M} · "
        f"{int(row.rows_conflict):,} conflicting · {row.batch_id[:12]}"
        for row in clashing.itertuples()
    }
    picked = st.selectbox(
        "Batch",
        list(conflict_labels),
        format_func=conflict_labels.__getitem__,
        key="conflict_batch",
    )
    conflicts_table = state.workbench().table("conflicts")
    mine = conflicts_table.filter(pc.equal(conflicts_table["batch_id"], picked)).sort_by("key")
    st.dataframe(
        mine.select(
            ["table", "key", "fields", "stored", "incoming", "stored_batch_id"]
        ).to_pandas(),
        hide_index=True,
        width="stretch",
    )
    conflict_buffer = io.BytesIO()
    export_rejected(mine, conflict_buffer, name="conflicts")
    st.download_button(
        f"Download these {mine.num_rows:,} conflicting duplicates (both versions)",
        conflict_buffer.getvalue(),
        file_name=f"conflicts-{clashing.set_index('batch_id').loc[picked, 'source']}.csv",
        mime="text/csv",
        key=f"history-conflicts-{picked}",
        on_click=state.rejected_downloaded,
        args=(str(picked),),
    )
