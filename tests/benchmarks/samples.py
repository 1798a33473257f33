"""Small hand-made files in the AMLworld, SAML-D, AMLSim and AMLGentex layouts.

Each holds a few hundred ordinary payments between 60 accounts and two planted, labelled
laundering schemes: a fan-in (12 mules each pay a collector just under 10,000 within two days,
and the collector wires the lot abroad) and a cycle (five accounts pass 48,000 round a loop
four times, a few hours apart). The labels and typology names sit in the columns each
dataset uses, so the external benchmark has to read them from the right place.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START = dt.datetime(2023, 1, 1, 8, 0)


@dataclass
class Row:
    ts: dt.datetime
    src: str
    dst: str
    amount: float
    laundering: bool
    typology: str  # "" for ordinary payments


def rows(seed: int = 3) -> list[Row]:
    """Ordinary payments plus the fan-in and cycle schemes (about 370 rows)."""
    rng = np.random.default_rng(seed)
    people = [f"P{i:03d}" for i in range(60)]
    out = [
        Row(START + dt.timedelta(hours=float(rng.uniform(0, 24 * 60))),
            people[a], people[b], round(float(rng.lognormal(4.5, 1.0)), 2), False, "")
        for a, b in rng.integers(0, 60, (300, 2)) if a != b
    ]  # fmt: skip
    mules = [f"M{i:02d}" for i in range(12)]
    day = START + dt.timedelta(days=20)
    for i, mule in enumerate(mules):
        out.append(Row(day + dt.timedelta(hours=i), people[i], mule, 9_800.0, False, ""))
        out.append(Row(day + dt.timedelta(hours=4 * i + 2), mule, "COLLECT", 9_750.0, True,
                       "Fan_In"))  # fmt: skip
    out.append(Row(day + dt.timedelta(days=3), "COLLECT", "ABROAD", 115_000.0, True, "Fan_In"))
    loop = [f"L{i}" for i in range(5)]
    for turn in range(4):
        for j, acc in enumerate(loop):
            when = START + dt.timedelta(days=35 + 3 * turn, hours=6 * j)
            out.append(Row(when, acc, loop[(j + 1) % 5], 48_000.0 - 50 * j, True, "Cycle"))
    return sorted(out, key=lambda r: r.ts)


def laundering_accounts(sample: list[Row]) -> set[str]:
    """Every account that sent or received a labelled row (what the benchmark should find)."""
    return {a for r in sample if r.laundering for a in (r.src, r.dst)}


def _write_csv(path: Path, header: list[str], body: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(body)
    return path


def bank(account: str) -> str:
    """The AMLworld bank id of an account (leading zeros kept, as in the published files)."""
    return "010" if account.startswith("P") else "0212"


def amlworld(folder: Path, sample: list[Row]) -> Path:
    """``HI-Tiny_Trans.csv`` (with its duplicated ``Account`` header), ``HI-Tiny_accounts.csv``
    and ``HI-Tiny_Patterns.txt``; returns the transactions file."""
    header = ["Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received",
              "Receiving Currency", "Amount Paid", "Payment Currency", "Payment Format",
              "Is Laundering"]  # fmt: skip

    def line(r: Row) -> list[object]:
        return [r.ts.strftime("%Y/%m/%d %H:%M"), bank(r.src), r.src, bank(r.dst), r.dst,
                r.amount, "US Dollar", r.amount, "US Dollar", "Wire", int(r.laundering)]  # fmt: skip

    trans = _write_csv(folder / "HI-Tiny_Trans.csv", header, [line(r) for r in sample])
    accounts = sorted({(bank(a), a) for r in sample for a in (r.src, r.dst)})
    _write_csv(folder / "HI-Tiny_accounts.csv",
               ["Bank Name", "Bank ID", "Account Number", "Entity ID", "Entity Name"],
               [[f"Bank {b}", b, a, f"E{a}", f"Entity {a}"] for b, a in accounts])  # fmt: skip
    with open(folder / "HI-Tiny_Patterns.txt", "w", encoding="utf-8") as handle:
        for typology in ("Fan_In", "Cycle"):
            name = "FAN-IN" if typology == "Fan_In" else "CYCLE:  Max 5 hops"
            handle.write(f"BEGIN LAUNDERING ATTEMPT - {name}\n")
            for r in sample:
                if r.typology == typology:
                    handle.write(",".join(str(v) for v in line(r)) + "\n")
            handle.write("END LAUNDERING ATTEMPT - " + name.split(":")[0] + "\n\n")
    return trans


def samld(folder: Path, sample: list[Row]) -> Path:
    """``SAML-D.csv`` with ``Is_laundering`` and ``Laundering_type``."""
    header = ["Time", "Date", "Sender_account", "Receiver_account", "Amount", "Payment_currency",
              "Received_currency", "Sender_bank_location", "Receiver_bank_location",
              "Payment_type", "Is_laundering", "Laundering_type"]  # fmt: skip
    body = [
        [r.ts.strftime("%H:%M:%S"), r.ts.strftime("%Y-%m-%d"), r.src, r.dst, r.amount,
         "UK pounds", "UK pounds", "UK", "UAE" if r.dst == "ABROAD" else "UK", "Cross-border",
         int(r.laundering), r.typology or "Normal_Small_Fan_Out"]
        for r in sample
    ]  # fmt: skip
    return _write_csv(folder / "SAML-D.csv", header, body)


def amlsim(folder: Path, sample: list[Row]) -> Path:
    """An AMLSim output folder: ``transactions.csv`` (``is_sar``, ``alert_id``),
    ``accounts.csv`` and ``alerts.csv`` (the typology of each alert)."""
    alert = {"Fan_In": "1", "Cycle": "2"}
    _write_csv(folder / "transactions.csv",
               ["tran_id", "orig_acct", "bene_acct", "tx_type", "base_amt", "tran_timestamp",
                "is_sar", "alert_id"],
               [[i, r.src, r.dst, "TRANSFER", r.amount, r.ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 str(r.laundering), alert.get(r.typology, "-1")]
                for i, r in enumerate(sample)])  # fmt: skip
    accounts = sorted({a for r in sample for a in (r.src, r.dst)})
    _write_csv(folder / "accounts.csv", ["acct_id", "bank_id", "first_name", "last_name"],
               [[a, "bank_a", "Name", a] for a in accounts])  # fmt: skip
    _write_csv(folder / "alerts.csv",
               ["alert_id", "alert_type", "is_sar", "tran_id", "orig_acct", "bene_acct"],
               [[alert[r.typology], r.typology.lower(), "True", i, r.src, r.dst]
                for i, r in enumerate(sample) if r.typology])  # fmt: skip
    return folder


def amlgentex(folder: Path, sample: list[Row]) -> Path:
    """``tx_log.parquet`` with ``isSAR`` and ``patternID`` (steps are days)."""
    pattern = {"Fan_In": 1, "Cycle": 2}
    table = pa.table({
        "step": [(r.ts - START).days for r in sample],
        "type": ["TRANSFER"] * len(sample),
        "amount": [r.amount for r in sample],
        "nameOrig": [r.src for r in sample],
        "nameDest": [r.dst for r in sample],
        "bankOrig": ["x"] * len(sample),
        "bankDest": ["x"] * len(sample),
        "isSAR": [int(r.laundering) for r in sample],
        "patternID": [pattern.get(r.typology, -1) for r in sample],
    })  # fmt: skip
    path = folder / "tx_log.parquet"
    pq.write_table(table, path)
    return path


WRITERS = {"amlworld": amlworld, "samld": samld, "amlsim": amlsim, "amlgentex": amlgentex}
