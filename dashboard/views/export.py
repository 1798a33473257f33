"""Export: a case file (ZIP of CSVs, GraphML and a readable HTML report) for a cluster or entity."""

from __future__ import annotations

import io
import zipfile

import streamlit as st

from dashboard import state
from dashboard.auth import allowed, guard
from dashboard.widgets.entity_picker import entity_picker

user = guard("export")
st.title("Export a case file")
st.caption(
    "A ZIP with the members, transactions, trips and evidence as CSV (spreadsheet formulas "
    "neutralised), the network as GraphML and as i2 Analyst's Notebook ANX XML, and a "
    "self-contained HTML report."
)
v = state.version()
kind, preset = st.session_state.get("export_target") or (
    "cluster",
    st.session_state.get("cluster_id"),
)
what = st.radio(
    "Case",
    ["cluster", "entity"],
    index=0 if kind == "cluster" else 1,
    horizontal=True,
    key="export_kind",
)
if what == "cluster":
    clusters = state.cluster_list(v, 0.0, (), ())
    if clusters.empty:
        st.info("No clusters yet.")
        st.stop()
    ids = clusters["cluster_id"].tolist()
    chosen = st.selectbox(
        "Cluster", ids, index=ids.index(preset) if preset in ids else 0, key="export_cluster"
    )
    name = f"moneytrail-cluster-{chosen}.zip"
    args = {"cluster_id": int(chosen)}
else:
    chosen = entity_picker(
        "Entity",
        key="export-entity",
        default=preset if kind == "entity" else st.session_state.get("entity_id"),
    )
    if not chosen:
        st.stop()
    name = f"moneytrail-entity-{chosen}.zip"
    args = {"entity_id": chosen}

identified = allowed(user, "export_identified") and st.checkbox(
    "identified (names kept)",
    key="export_identified",
    help="By default names, documents, phones and account and party ids are replaced by "
    "keyed pseudonyms, so the case file can be shared with partners. An identified export is "
    "recorded separately.",
)
if identified:
    name = name.replace(".zip", "-identified.zip")
if st.button("Build case file", type="primary", key="build_case"):
    with st.spinner("building"):
        st.session_state["case_file"] = (name, state.case_file(**args, identified=identified))
built = st.session_state.get("case_file")
if built and built[0] == name:
    st.download_button(
        "Download " + name, built[1], file_name=name, mime="application/zip", key="download_case"
    )
    st.caption(f"{len(built[1]) / 1024:,.0f} KiB")
    anx_name = name.replace(".zip", ".anx")
    st.download_button(
        "Download " + anx_name + " (i2 Analyst's Notebook)",
        zipfile.ZipFile(io.BytesIO(built[1])).read("case.anx"),
        file_name=anx_name,
        mime="application/xml",
        key="download_anx",
        help="The same case, pseudonymised the same way, as i2 ANX XML: entities, and one "
        "dated link per transaction with its amount and currency.",
    )
