"""Loading: canonical transactions CSV into the EmbeddedStore, and goAML XML, in rows per second.

``load_csv`` writes a canonical ``transactions.csv`` (quick: 200k rows; standard: 1M; large:
also 10M) and times three subjects on the same file:

* ``pyarrow``: plain ``pyarrow.csv.read_csv`` with type inference — the floor, no validation;
* ``moneytrail-load``: :func:`loaders.registry.load_file` — streamed, validated, normalised;
* ``moneytrail``: :func:`engine.services.ingest.ingest_file` into a fresh EmbeddedStore — hashing,
  loading and the atomic batch write, streamed (Parquet parts, key deduplication, fsync).

``load_goaml`` writes a goAML report (quick: 5k transactions; full: 100k) with persons,
accounts and signatories, ``load_camt053`` a camt.053 statement of as many entries with their
counterparties, and each times loading and ingesting it (streamed in chunks), then loading a
canonical CSV of as many transactions in the same run as the reference
(``csv-reference``). CPU seconds (all threads of
the process: pyarrow reads with several) and rows per CPU-second are reported next to wall
seconds, with the load average, since the machine may be shared.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from benchmarks.harness import BenchContext, Measurement, case, timed
from engine.core import schema


def canonical_transactions(n: int, seed: int) -> pa.Table:
    """A canonical transactions table with ``n`` rows (vectorised, seconds for 10M)."""
    rng = np.random.default_rng(seed)
    n_accounts = max(10, n // 10)
    ids = pc.binary_join_element_wise("DE", pa.array(np.arange(n_accounts)).cast(pa.string()), "")
    return pa.table(
        {
            "tx_id": pc.binary_join_element_wise("t", pa.array(np.arange(n)).cast(pa.string()), ""),
            "ts": pa.array(rng.integers(1_700_000_000_000_000, 1_730_000_000_000_000, n)).cast(
                schema.TS
            ),
            "src_account": ids.take(pa.array(rng.integers(0, n_accounts, n))),
            "dst_account": ids.take(pa.array(rng.integers(0, n_accounts, n))),
            "amount": np.round(rng.lognormal(5, 1.5, n), 2),
            "currency": pa.array(np.array(["EUR", "USD", "GBP"])[rng.integers(0, 3, n)]),
            "amount_base": np.round(rng.lognormal(5, 1.5, n), 2),
            "channel": pa.array(np.array(["wire", "cash", "card"])[rng.integers(0, 3, n)]),
            "reference": pa.array(np.array(["rent", "invoice", ""])[rng.integers(0, 3, n)]),
        }
    )


def _timed_cpu(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    cpu = time.process_time()
    result, seconds = timed(fn, *args, **kwargs)
    return result, seconds, time.process_time() - cpu


def _rates(rows: int, seconds: float, cpu: float, mib: float) -> dict[str, float]:
    """Throughput figures of one run: wall and CPU rates, the file size and the load."""
    return {
        "rows_per_s": rows / seconds,
        "rows_per_cpu_s": rows / max(cpu, 1e-9),
        "cpu_s": cpu,
        "file_mib": mib,
        "load_avg": os.getloadavg()[0],
    }


def _ingest(path: Path, home: Path):  # type: ignore[no-untyped-def]
    from engine.services.ingest import ingest_file
    from engine.store.embedded import EmbeddedStore

    shutil.rmtree(home, ignore_errors=True)
    with EmbeddedStore(home) as store:
        return ingest_file(store, path)


@case("load_csv")
def load_csv(ctx: BenchContext) -> list[Measurement]:
    """Canonical transactions CSV → validated tables → EmbeddedStore, vs plain pyarrow."""
    from loaders.registry import load_file

    sizes = ctx.sizes([200_000], [1_000_000], [10_000_000])
    out: list[Measurement] = []
    work = ctx.workdir / "loading"
    work.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        size = f"{n / 1e6:g}M tx"
        path = work / f"{n}" / "transactions.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pacsv.write_csv(canonical_transactions(n, ctx.seed), path)
        mib = path.stat().st_size / 2**20
        table, seconds, cpu = _timed_cpu(pacsv.read_csv, path)
        assert table.num_rows == n
        del table
        out.append(
            Measurement(
                "load_csv",
                "pyarrow",
                size,
                seconds,
                _rates(n, seconds, cpu, mib),
                "pyarrow.csv.read_csv, type inference, no validation",
            )
        )
        result, seconds, cpu = _timed_cpu(load_file, path, batch_id="bench")
        assert result.tables["transactions"].num_rows == n and result.rejected.num_rows == 0
        del result
        out.append(
            Measurement(
                "load_csv",
                "moneytrail-load",
                size,
                seconds,
                _rates(n, seconds, cpu, mib),
                "loaders.registry.load_file: streamed, validated, normalised",
            )
        )
        report, seconds, cpu = _timed_cpu(_ingest, path, work / f"{n}" / "store")
        assert report.accepted == n
        out.append(
            Measurement(
                "load_csv",
                "moneytrail",
                size,
                seconds,
                _rates(n, seconds, cpu, mib),
                "engine.services.ingest.ingest_file into a fresh EmbeddedStore (hash, load, atomic write)",
            )
        )
        shutil.rmtree(path.parent, ignore_errors=True)
    return out


def goaml_report(n: int, seed: int) -> str:
    """A goAML report with ``n`` transactions between ``n // 5`` customers' accounts."""
    rng = np.random.default_rng(seed)
    customers = max(2, n // 5)
    parts = ["<?xml version='1.0' encoding='UTF-8'?>\n<report><rentity_id>1</rentity_id>"
             "<currency_code_local>EUR</currency_code_local>"]  # fmt: skip
    src = rng.integers(0, customers, n)
    dst = rng.integers(0, customers, n)
    amounts = np.round(rng.lognormal(5, 1.5, n), 2)
    days = rng.integers(1, 28, n)
    for i in range(n):
        parts.append(
            f"<transaction><transactionnumber>G{i}</transactionnumber>"
            f"<date_transaction>2024-03-{days[i]:02d}T10:00:00</date_transaction>"
            f"<transmode_code>wire</transmode_code><amount_local>{amounts[i]}</amount_local>"
            f"<t_from_my_client><from_account><institution_name>Bank</institution_name>"
            f"<iban>DE{src[i]:020d}</iban><signatory><is_primary>true</is_primary><t_person>"
            f"<first_name>P{src[i]}</first_name><last_name>Doe</last_name>"
            f"<birthdate>1980-01-01T00:00:00</birthdate></t_person></signatory></from_account>"
            f"</t_from_my_client><t_to><to_account><iban>DE{dst[i]:020d}</iban></to_account>"
            f"</t_to></transaction>\n"
        )
    parts.append("</report>\n")
    return "".join(parts)


def camt053_statement(n: int, seed: int) -> str:
    """A camt.053.001.08 statement of one account with ``n`` booked entries.

    Each entry has the elements :mod:`engine.synth.camt` writes (amount with currency,
    direction, status, booking and value dates, servicer reference, bank transaction code, and
    transaction details with references, the counterparty's name, IBAN and agent, and a
    remittance line), between the statement's account and ``n // 5`` counterparties.
    """
    rng = np.random.default_rng(seed)
    others = max(2, n // 5)
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    parts = [
        f"<?xml version='1.0' encoding='UTF-8'?>\n<Document xmlns=\"{ns}\"><BkToCstmrStmt>"
        "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2024-04-01T00:00:00</CreDtTm></GrpHdr><Stmt>"
        "<Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy>"
        "<Ownr><Nm>Kara Import GmbH</Nm></Ownr><Svcr><FinInstnId><BICFI>COBADEFFXXX</BICFI>"
        "</FinInstnId></Svcr></Acct>"
    ]
    other = rng.integers(0, others, n)
    credit = rng.random(n) < 0.5
    amounts = np.round(rng.lognormal(5, 1.5, n), 2)
    days = rng.integers(1, 28, n)
    for i in range(n):
        side, family = ("Dbtr", "RCDT") if credit[i] else ("Cdtr", "ICDT")
        direction = "CRDT" if credit[i] else "DBIT"
        parts.append(
            f'<Ntry><Amt Ccy="EUR">{amounts[i]}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
            f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-03-{days[i]:02d}</Dt></BookgDt>"
            f"<ValDt><Dt>2024-03-{days[i]:02d}</Dt></ValDt><AcctSvcrRef>C{i}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>ESCT</SubFmlyCd>"
            f"</Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs><AcctSvcrRef>C{i}</AcctSvcrRef>"
            f"<EndToEndId>E{i}</EndToEndId></Refs><RltdPties><{side}><Pty><Nm>Party {other[i]}"
            f"</Nm></Pty></{side}><{side}Acct><Id><IBAN>TR{other[i]:024d}</IBAN></Id>"
            f"</{side}Acct></RltdPties><RltdAgts><{side}Agt><FinInstnId><BICFI>TCZBTR2AXXX"
            f"</BICFI></FinInstnId></{side}Agt></RltdAgts><RmtInf><Ustrd>invoice {i}</Ustrd>"
            f"</RmtInf></TxDtls></NtryDtls></Ntry>\n"
        )
    parts.append("</Stmt></BkToCstmrStmt></Document>\n")
    return "".join(parts)


def _csv_reference(ctx: BenchContext, case_name: str, n: int, work: Path) -> Measurement:
    """Canonical CSV of ``n`` transactions loaded in the same run: the reference for XML."""
    from loaders.registry import load_file

    path = work / "reference.csv"
    pacsv.write_csv(canonical_transactions(n, ctx.seed), path)
    result, seconds, cpu = _timed_cpu(load_file, path, batch_id="bench")
    assert result.tables["transactions"].num_rows == n
    mib = path.stat().st_size / 2**20
    path.unlink()
    return Measurement(
        case_name,
        "csv-reference",
        f"{n / 1e3:g}k tx",
        seconds,
        {
            "tx_per_s": n / seconds,
            "tx_per_cpu_s": n / max(cpu, 1e-9),
            **_rates(n, seconds, cpu, mib),
        },
        "canonical CSV of as many transactions, loaders.registry.load_file, same run",
    )


def _load_xml(ctx: BenchContext, case_name: str, write: Any, what: str) -> list[Measurement]:
    """Time loading and ingesting an XML file of 100k transactions (quick: 5k), with CSV."""
    from loaders.registry import load_file

    sizes = [5_000] if ctx.quick else [100_000]
    out: list[Measurement] = []
    work = ctx.workdir / f"loading-{case_name}"
    work.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        size = f"{n / 1e3:g}k tx"
        path = work / "file.xml"
        path.write_text(write(n, ctx.seed), encoding="utf-8")
        mib = path.stat().st_size / 2**20
        result, seconds, cpu = _timed_cpu(load_file, path, batch_id="bench")
        assert result.tables["transactions"].num_rows == n
        rows = sum(t.num_rows for t in result.tables.values())
        del result
        out.append(
            Measurement(
                case_name,
                "moneytrail-load",
                size,
                seconds,
                {
                    "tx_per_s": n / seconds,
                    "tx_per_cpu_s": n / max(cpu, 1e-9),
                    **_rates(rows, seconds, cpu, mib),
                },
                f"{what}: hardened lxml iterparse (entities/DTD/network off), all tables",
            )
        )
        report, seconds, cpu = _timed_cpu(_ingest, path, work / "store")
        assert report.accepted >= n
        out.append(
            Measurement(
                case_name,
                "moneytrail",
                size,
                seconds,
                {
                    "tx_per_s": n / seconds,
                    "tx_per_cpu_s": n / max(cpu, 1e-9),
                    "cpu_s": cpu,
                    "file_mib": mib,
                    "load_avg": os.getloadavg()[0],
                },
                "engine.services.ingest.ingest_file into a fresh EmbeddedStore, streamed in chunks",
            )
        )
        out.append(_csv_reference(ctx, case_name, n, work))
    shutil.rmtree(work, ignore_errors=True)
    return out


@case("load_goaml")
def load_goaml(ctx: BenchContext) -> list[Measurement]:
    """goAML XML (hardened streaming parse) → canonical tables → EmbeddedStore, beside CSV."""
    return _load_xml(ctx, "load_goaml", goaml_report, "goAML report")


@case("load_camt053")
def load_camt053(ctx: BenchContext) -> list[Measurement]:
    """camt.053 XML (hardened streaming parse) → canonical tables → EmbeddedStore, beside CSV."""
    return _load_xml(ctx, "load_camt053", camt053_statement, "camt.053 statement")
