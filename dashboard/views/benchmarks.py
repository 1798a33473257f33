"""Benchmarks: the latest report (benchmarks/results/latest.md) with its plots."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard.auth import guard

guard("view_benchmarks")
st.title("Benchmarks")
folder = Path(
    os.environ.get("MONEYTRAIL_BENCH_RESULTS")
    or Path(__file__).resolve().parents[2] / "benchmarks" / "results"
)
report = folder / "latest.md"
if not report.is_file():
    st.info(f"No benchmark report yet ({report}). Run `moneytrail bench` or `make bench`.")
    st.stop()
st.caption(str(report))
st.markdown(report.read_text(encoding="utf-8"))
for picture in sorted(folder.glob("*.png")):
    st.image(str(picture), caption=picture.name)
