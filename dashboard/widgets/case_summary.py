"""What a case says in words: its summary sentence, its red flags named, its evidence merged.

Pure functions over the frames of :class:`engine.queries.ClusterDetail` (tested without
Streamlit) plus the texts that explain the three scores on one scale. The red flags' names and
reasons come from the typology registry (:data:`engine.detect.typologies.DESCRIPTIONS`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from engine.core.config import DEFAULT_BASE_CURRENCY
from engine.detect.typologies import typology

#: Entities listed on one merged evidence card (the rest are counted).
CARD_ENTITIES = 8

#: The three scores a case shows, explained on one scale.
SCORE_HELP = (
    "**How to read the scores.** Each finding is judged by how unlikely it is by chance in "
    "this data: its q-value (a p-value corrected for the many findings tested). A finding's "
    "*evidence weight* is its pattern's weight times the square root of −log10 q: with a "
    "pattern weight of 1, q = 0.01 gives 1.4 and q = 0.0001 gives 2. The *case score* (0 to 1) "
    "adds up the weights of its red flags, raises the sum when different patterns and kinds of "
    "evidence (money, travel, identity) agree and with the share of its money crossing "
    "borders, and maps it as sum / (sum + 20): 0.5 means a "
    "sum of 20. It ranks cases against each other; it is not a probability. An account's "
    "*risk* takes, per pattern, its strongest finding (pattern weight × −log10 p, at most 12) "
    "and adds them up, raised by half for every further kind of evidence; 0 means no finding."
)


def flag_label(pattern: str) -> str:
    """The human name of a red flag (the pattern name itself when it has no spec)."""
    try:
        return typology(pattern).label
    except KeyError:
        return pattern.replace("_", " ")


def flag_reason(pattern: str) -> str:
    """One line saying why ``pattern`` is a red flag (empty when it has no spec)."""
    try:
        return typology(pattern).reason
    except KeyError:
        return ""


def money(amount: float | None, currency: str = DEFAULT_BASE_CURRENCY) -> str:
    """An amount with its currency, rounded to whole units (``12,400 EUR``)."""
    return f"{amount or 0:,.0f} {currency}"


def _period(stamps: pd.Series) -> str:
    stamps = pd.to_datetime(stamps.dropna(), utc=True)
    if stamps.empty:
        return ""
    first, last = stamps.min(), stamps.max()
    if first.date() == last.date():
        return f"on {first:%d %b %Y}"
    return f"between {first:%d %b %Y} and {last:%d %b %Y} ({(last - first).days + 1} days)"


def _name(row: Any, side: str) -> str:
    name = row.get(f"{side}_name")
    return str(name) if isinstance(name, str) and name else str(row.get(f"{side}_account"))


def summary_sentence(
    info: dict[str, Any],
    transactions: pd.DataFrame,
    trips: pd.DataFrame | None = None,
    currency: str = DEFAULT_BASE_CURRENCY,
) -> str:
    """One sentence from the case's evidence: who pays whom, how much, where, over what time.

    The receiver named is the one that takes in most money inside the case, the payer count
    is how many distinct accounts pay it; countries come from the case's record, the period
    from its transactions (and trips)."""
    parts: list[str] = []
    if transactions is None or transactions.empty:
        head = "No transfers inside the case"
    else:
        tx = transactions
        amount = tx["amount_base"] if "amount_base" in tx else tx["amount"]
        by_dst = amount.groupby(tx["dst_account"]).sum().sort_values(ascending=False)
        top = by_dst.index[0]
        into_top = tx[tx["dst_account"] == top]
        payers = into_top["src_account"].nunique()
        receiver = _name(into_top.iloc[0], "dst")
        head = (
            f"{payers} account{'s' if payers != 1 else ''} paid {receiver} "
            f"{money(by_dst.iloc[0], currency)} in {len(into_top)} transfer"
            f"{'s' if len(into_top) != 1 else ''}"
        )
        if len(by_dst) > 1:
            # the case's own totals when it has them (the frame may be capped to its largest rows)
            total = float(info.get("volume") or amount.sum())
            count = int(info.get("n_transactions") or len(tx))
            accounts = int(info.get("n_accounts") or
                           pd.concat([tx["src_account"], tx["dst_account"]]).nunique())  # fmt: skip
            head += f"; {count:,} transfers move {money(total, currency)} among {accounts} accounts"
    parts.append(head)
    countries = [c for c in (info.get("countries") or []) if c]
    if countries:
        shown = ", ".join(countries[:6]) + (
            f" and {len(countries) - 6} more" if len(countries) > 6 else ""
        )
        parts.append(f"in {shown}")
    stamps = []
    if transactions is not None and not transactions.empty:
        stamps.append(transactions["ts"])
    if trips is not None and not trips.empty and "departure" in trips:
        stamps.append(trips["departure"])
        parts.append(f"with {len(trips)} trip{'s' if len(trips) != 1 else ''}")
    if stamps:
        period = _period(pd.concat(stamps))
        if period:
            parts.append(period)
    return " ".join(parts) + "."


def merge_cards(evidence: pd.DataFrame) -> pd.DataFrame:
    """Evidence cards merged per pattern: one row per red flag with its name and reason, the
    number of findings, their summed weight, the best finding's description, the entities
    named (most often named first) and the transactions and travel records counted once.

    Rows are ordered by summed weight, strongest first."""
    columns = ["pattern", "label", "reason", "source", "findings", "weight", "description",
               "entities", "n_entities", "n_tx", "n_records"]  # fmt: skip
    if evidence is None or evidence.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for pattern, group in evidence.groupby("pattern", sort=False):
        group = group.sort_values("weight", ascending=False, na_position="last")
        counts: Counter[str] = Counter()
        txs: set[str] = set()
        recs: set[str] = set()
        for card in group.itertuples():
            counts.update(_items(card.entity_ids))
            txs.update(_items(card.tx_ids))
            recs.update(_items(card.record_ids))
        entities = [e for e, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        rows.append({
            "pattern": pattern, "label": flag_label(str(pattern)),
            "reason": flag_reason(str(pattern)), "source": group["source"].iloc[0],
            "findings": len(group), "weight": float(group["weight"].fillna(0).sum()),
            "description": group["description"].iloc[0], "entities": entities,
            "n_entities": len(entities), "n_tx": len(txs), "n_records": len(recs),
        })  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)


def _items(values: Any) -> list[str]:
    if values is None or isinstance(values, float):
        return []
    return [str(v) for v in values]
