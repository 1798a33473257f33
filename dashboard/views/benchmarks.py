"""Benchmarks: the latest full report (benchmarks/results/latest.md), or any dated one (quick
and single-case runs too, newest first), with its plots shown where the report places them.

The report is Markdown whose pictures are ``![caption](file.png)`` lines next to it; Streamlit's
Markdown cannot load local files, so each such line becomes an ``st.image`` of that file (looked
up by its bare name inside the results folder only) and the text around it stays Markdown.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from dashboard.auth import guard
from engine.core.config import Settings

PICTURE = re.compile(r"^!\[(?P<caption>[^\]]*)\]\((?P<file>[^)]+)\)\s*$")


def render(text: str, folder: Path) -> None:
    """Show a report: Markdown chunks, with each picture line replaced by its image."""
    chunk: list[str] = []
    for line in text.splitlines():
        match = PICTURE.match(line.strip())
        if not match:
            chunk.append(line)
            continue
        if chunk:
            st.markdown("\n".join(chunk))
            chunk = []
        picture = folder / Path(match["file"]).name  # never outside the results folder
        if picture.is_file():
            st.image(str(picture), caption=match["caption"])
        else:
            st.warning(f"Plot missing: {picture.name} ({match['caption']})")
    if chunk:
        st.markdown("\n".join(chunk))


guard("view_benchmarks")
st.title("Benchmarks")
folder = (
    Settings.from_env().bench_results
    or Path(__file__).resolve().parents[2] / "benchmarks" / "results"
)
reports = sorted(
    (p for p in folder.glob("*.md") if p.name != "latest.md"),
    key=lambda p: p.stat().st_mtime,
    reverse=True,
)
if (folder / "latest.md").is_file():
    reports.insert(0, folder / "latest.md")
if not reports:
    st.info(
        f"No benchmark report yet ({folder / 'latest.md'}). Run `moneytrail bench` or "
        "`make bench` (docs/benchmarks.md explains the report)."
    )
    st.stop()
chosen = st.selectbox("Report", reports, format_func=lambda p: p.name)
st.caption(str(chosen))
render(chosen.read_text(encoding="utf-8"), folder)
