"""Where a case came from: "split from case 12 on 3 March", "case 9 merged into this case",
from the store's case lineage (:mod:`engine.services.case_identity`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
import streamlit as st

from dashboard import state
from engine.services.case_identity import all_case_runs, case_history, case_runs


def _lineage() -> pa.Table:
    """The whole lineage, read on every run like the decisions (a few hundred rows a run; not
    cached, so a store whose lineage changed without a new run is never shown stale)."""
    return state.workbench().store.read_ledger("case_lineage")


def _day(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d}" if at else "an earlier run"


def sentences(history: list[dict[str, Any]], case_id: int) -> list[str]:
    """The lineage rows of case ``case_id`` (:func:`case_history`) as sentences, oldest first."""
    out = []
    for row in history:
        kind, old, new, day = row["kind"], row["old_id"], row["new_id"], _day(row["at"])
        if kind == "new" and new == case_id:
            out.append(f"New case on {day}.")
        elif kind == "split" and new == case_id:
            out.append(f"Split from case {old} on {day}.")
        elif kind == "split":
            out.append(f"Case {new} split from this case on {day}.")
        elif kind == "merge" and new == case_id:
            out.append(f"Case {old} merged into this case on {day}.")
        elif kind == "merge":
            out.append(f"Merged into case {new} on {day}.")
        elif kind == "gone":
            out.append(f"No longer found by the analysis of {day}.")
    return out


def lineage_caption(case_id: int) -> None:
    """One caption with the case's history (nothing for a case with none to tell)."""
    told = sentences(case_history(_lineage(), int(case_id)), int(case_id))
    if told:
        st.caption(" ".join(told), help="Cases keep their number across analysis runs while "
                   "their core accounts and transactions stay mostly the same.")  # fmt: skip


def missing_case(case_id: int) -> None:
    """Say what happened to a case the address names but the latest run does not have."""
    told = sentences(case_history(_lineage(), int(case_id)), int(case_id))
    st.warning(f"Case {int(case_id)} is not in the latest analysis. " + " ".join(told))


def runs_of(case_id: int, run_id: str | None) -> set[str]:
    """The runs in which the case had this id (and ``run_id``, the run shown)."""
    runs = case_runs(_lineage(), int(case_id))
    return runs | {run_id} if run_id else runs


def runs_by_case(cases: dict[int, str | None]) -> dict[str, set[str]]:
    """:func:`runs_of` of many cases (``{case id: run shown}``), keyed by the id as text, from
    one read of the lineage (the Clusters list)."""
    known = all_case_runs(_lineage())
    return {
        str(c): known.get(int(c), set()) | ({run} if run else set()) for c, run in cases.items()
    }
