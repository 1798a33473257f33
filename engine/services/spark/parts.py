"""Cutting a world into parts that are analysed independently.

A part is a set of whole components of the *linkage graph*, whose nodes are the entities of
the input tables and whose edges are everything the single-machine analysis can use to tie two
entities together:

* money between two non-hub accounts (transfers with a hub are kept with the account's part,
  and the hub's account row goes to every part that has one; the world's hubs are passed to
  every part, so a part that sees only some of a hub's transfers still treats it as a hub);
* a holding between a party and a non-hub account;
* a ticket paid by an account (travel ``payer_account``);
* a shared exact identifier: document number (letters and digits, upper case), phone (last 9
  digits), e-mail (lower case), between parties and travellers;
* a shared leg: the same route number on the same departure day (co-travel).

Entity resolution's fuzzy matches (names, transliterations, birth dates) are found inside a
part only; two records that only such a match ties, in different parts, are not compared (see
docs/scale.md for what that means for the results).

Components are packed into parts so that parts carry similar numbers of rows: the components
heavier than ``total / (4 · n_parts)`` are placed largest first on the lightest part, the rest
are spread by a hash of their id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.detect.frame import PLACEHOLDER_NAMES

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

#: Digits of a phone number that identify it (as :func:`engine.detect.frame.digits`).
PHONE_DIGITS = 9


def hub_accounts(transactions: DataFrame, accounts: DataFrame, hub_degree: int) -> DataFrame:
    """Accounts in the transactions that are hubs by the rule of
    :func:`engine.detect.frame.build_frame`: kind ``placeholder``, a placeholder name (``CASH``,
    ``ATM``, ``UNKNOWN``, ``EXTERNAL``) or more than ``hub_degree`` distinct counterparties.

    Returns a DataFrame with one column ``account``.
    """
    from pyspark.sql import functions as F  # noqa: N812

    pairs = transactions.select(
        F.least("src_account", "dst_account").alias("lo"),
        F.greatest("src_account", "dst_account").alias("hi"),
    ).distinct()
    ends = pairs.select(F.col("lo").alias("account")).unionByName(
        pairs.where(F.col("lo") != F.col("hi")).select(F.col("hi").alias("account"))
    )
    degree = ends.groupBy("account").count()
    placeholder = accounts.where(F.col("kind") == "placeholder").select(
        F.col("account_id").alias("account")
    )
    by_degree = degree.where(F.col("count") > hub_degree).select("account")
    named = degree.where(F.upper("account").isin(list(PLACEHOLDER_NAMES))).select("account")
    in_graph = degree.select("account")
    return (
        by_degree.unionByName(named).unionByName(placeholder.join(in_graph, "account")).distinct()
    )


def _doc_key(col: Column) -> Column:
    from pyspark.sql import functions as F  # noqa: N812

    return F.upper(F.regexp_replace(col, r"[^0-9A-Za-z]", ""))


def _phone_key(col: Column) -> Column:
    from pyspark.sql import functions as F  # noqa: N812

    d = F.regexp_replace(col, r"\D", "")
    return F.when(F.length(d) >= 6, F.substring(d, -PHONE_DIGITS, PHONE_DIGITS))


def _keyed(df: DataFrame, node: Column, key: Column, prefix: str) -> DataFrame:
    from pyspark.sql import functions as F  # noqa: N812

    return (
        df.select(node.alias("src"), key.alias("k"))
        .where(F.col("k").isNotNull() & (F.col("k") != ""))
        .select("src", F.concat(F.lit(prefix), F.col("k")).alias("dst"))
    )


def linkage_edges(tables: dict[str, DataFrame], hubs: DataFrame) -> DataFrame:
    """Edges ``(src, dst)`` between entity keys (``a:`` account, ``p:`` party, ``r:`` travel
    record) and identifier keys (``d:``, ``t:``, ``e:``, ``g:``), as strings."""
    from pyspark.sql import functions as F  # noqa: N812

    tx, hold, par, trav = (
        tables["transactions"],
        tables["holdings"],
        tables["parties"],
        tables["travel"],
    )
    hub_set = hubs.select(F.col("account").alias("h"))

    def non_hub(df: DataFrame, column: str) -> DataFrame:
        return df.join(hub_set, df[column] == hub_set["h"], "left_anti")

    acc = lambda c: F.concat(F.lit("a:"), F.col(c))  # noqa: E731
    money = non_hub(non_hub(tx, "src_account"), "dst_account").select(
        acc("src_account").alias("src"), acc("dst_account").alias("dst")
    )
    in_graph = (
        tx.select(F.col("src_account").alias("account"))
        .unionByName(tx.select(F.col("dst_account").alias("account")))
        .distinct()
        .join(hub_set, F.col("account") == F.col("h"), "left_anti")
    )
    holdings = hold.join(in_graph, hold["account_id"] == in_graph["account"]).select(
        F.concat(F.lit("p:"), F.col("party_id")).alias("src"), acc("account_id").alias("dst")
    )
    payer = trav.join(in_graph, trav["payer_account"] == in_graph["account"]).select(
        F.concat(F.lit("r:"), F.col("record_id")).alias("src"), acc("payer_account").alias("dst")
    )
    p = F.concat(F.lit("p:"), F.col("party_id"))
    r = F.concat(F.lit("r:"), F.col("record_id"))
    keys = [
        _keyed(par, p, _doc_key(F.col("id_document_number")), "d:"),
        _keyed(par, p, _phone_key(F.col("phone")), "t:"),
        _keyed(par, p, F.lower(F.trim(F.col("email"))), "e:"),
        _keyed(trav, r, _doc_key(F.col("traveller_document")), "d:"),
        _keyed(
            trav,
            r,
            F.when(
                F.col("route_number").isNotNull() & F.col("departure").isNotNull(),
                F.concat_ws("|", F.col("route_number"), F.to_date("departure").cast("string")),
            ),
            "g:",
        ),
    ]
    out = money.unionByName(holdings).unionByName(payer)
    for k in keys:
        out = out.unionByName(k)
    return out


def entity_nodes(tables: dict[str, DataFrame], hubs: DataFrame) -> DataFrame:
    """Every entity key that must land in a part (column ``key``): non-hub accounts in the
    transactions, parties (of the parties table and of holdings) and travel records."""
    from pyspark.sql import functions as F  # noqa: N812

    tx = tables["transactions"]
    accounts = (
        tx.select(F.col("src_account").alias("account"))
        .unionByName(tx.select(F.col("dst_account").alias("account")))
        .distinct()
        .join(hubs, "account", "left_anti")
        .select(F.concat(F.lit("a:"), F.col("account")).alias("key"))
    )
    parties = (
        tables["parties"]
        .select("party_id")
        .unionByName(tables["holdings"].select("party_id"))
        .select(F.concat(F.lit("p:"), F.col("party_id")).alias("key"))
    )
    records = tables["travel"].select(F.concat(F.lit("r:"), F.col("record_id")).alias("key"))
    return accounts.unionByName(parties).unionByName(records).distinct()


def pack(weights: list[tuple[int, int]], n_parts: int, light_total: int) -> dict[int, int]:
    """Place heavy components (``(component, weight)``, any order) on the lightest part.

    ``light_total`` is the summed weight of the components not listed (spread evenly by
    hash), counted as ``light_total / n_parts`` on every part from the start.
    """
    load = [light_total / max(n_parts, 1)] * n_parts
    out: dict[int, int] = {}
    for component, weight in sorted(weights, key=lambda cw: (-cw[1], cw[0])):
        part = min(range(n_parts), key=lambda i: (load[i], i))
        out[component] = part
        load[part] += weight
    return out
