"""The Cluster page's red flags, evidence cards and members, readable at a glance.

Red flags show their human name with the registry's one-line reason; evidence is one card per
pattern (:func:`dashboard.widgets.case_summary.merge_cards`), its entities buttons that open
the entity page; members are split into the case's core and its context.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.widgets.case_summary import (
    CARD_ENTITIES,
    SCORE_HELP,
    flag_label,
    flag_reason,
    merge_cards,
)
from dashboard.widgets.text import md


def red_flags(flags: list[str]) -> None:
    """Badges with the human names, and an expander with each flag's reason."""
    if not flags:
        st.markdown(":gray-badge[no red flags]")
        return
    st.markdown(" ".join(f":red-badge[{md(flag_label(f))}]" for f in flags))
    with st.expander(f"Why these {len(flags)} red flags", expanded=False):
        st.markdown("\n".join(f"- **{md(flag_label(f))}**: {md(flag_reason(f))}" for f in flags))


def evidence_cards(evidence: pd.DataFrame, labels: dict[str, str], key: str) -> None:
    """One card per pattern; entities as buttons opening the entity page."""
    st.markdown(SCORE_HELP)
    cards = merge_cards(evidence)
    if cards.empty:
        st.info("No evidence recorded.")
        return
    st.caption(f"{len(evidence):,} findings merged into {len(cards)} red flags, strongest first.")
    for i, card in enumerate(cards.itertuples()):
        with st.container(border=True):
            st.markdown(
                f"**{md(card.label)}** · {card.findings} finding{'s' if card.findings != 1 else ''}"
                f" · evidence weight {card.weight:.1f} · _{md(card.source or '')}_"
            )
            st.caption(md(card.reason))
            st.markdown("Strongest finding: " + md(card.description or ""))
            shown = card.entities[:CARD_ENTITIES]
            cols = st.columns(min(len(shown), 4) or 1)
            for j, entity in enumerate(shown):
                if cols[j % len(cols)].button(
                    labels.get(entity, entity), key=f"{key}-{i}-{j}", help=f"Open {entity}"
                ):
                    state.open_entity(entity)
            more = card.n_entities - len(shown)
            st.caption(
                (f"and {more} more entities · " if more > 0 else "")
                + f"{card.n_tx:,} transactions · {card.n_records:,} travel records"
            )


MEMBER_COLUMNS = {"label": "Name", "entity_id": "Id", "entity_kind": "Kind", "role": "Role",
                  "score": "Risk"}  # fmt: skip


def member_tables(members: pd.DataFrame) -> None:
    """Core members (who carry the findings) and context (first-hop counterparties) apart."""
    core = members["core"] if "core" in members else pd.Series(True, index=members.index)
    config = {"Risk": st.column_config.NumberColumn(
        "Risk", format="%.1f", help="Per pattern its strongest finding (weight × −log10 p), summed.")}  # fmt: skip
    st.markdown(f"**Core** · {int(core.sum())} members who carry the case's findings")
    st.dataframe(members.loc[core, list(MEMBER_COLUMNS)].rename(columns=MEMBER_COLUMNS),
                 hide_index=True, width="stretch", column_config=config)  # fmt: skip
    if (~core).any():
        st.markdown(
            f"**Context** · {int((~core).sum())} counterparties of the core (shown, not members;"
            " their transfers do not count as inside the case)"
        )
        st.dataframe(members.loc[~core, list(MEMBER_COLUMNS)].rename(columns=MEMBER_COLUMNS),
                     hide_index=True, width="stretch", column_config=config)  # fmt: skip
