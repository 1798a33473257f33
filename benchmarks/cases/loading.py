"""Loading: canonical transactions CSV into the EmbeddedStore, and goAML XML, in rows per second.

``load_csv`` writes a canonical ``transactions.csv`` (quick: 200k rows; standard: 1M; large:
also 10M) and times three subjects on the same file:

* ``pyarrow``: plain ``pyarrow.csv.read_csv`` with type inference — the floor, no validation;
* ``moneytrail-load``: :func:`loaders.registry.load_file` — streamed, validated, normalised;
* ``moneytrail``: :func:`engine.services.ingest.ingest_file` into a fresh EmbeddedStore — hashing,
  loading and the atomic batch write, streamed (Parquet parts, key deduplication, fsync).

``load_goaml`` writes a goAML report (quick: 5k transactions; full: 100k) with persons,
accounts and signatories, and times loading and ingesting it. CPU seconds (all threads of
the process: pyarrow reads with several) and rows per CPU-second are reported next to wall
seconds, with the load average, since the machine may be shared.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

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


@case("load_goaml")
def load_goaml(ctx: BenchContext) -> list[Measurement]:
    """goAML XML (hardened streaming parse) → canonical tables → EmbeddedStore."""
    from loaders.registry import load_file

    sizes = [5_000] if ctx.quick else [100_000]
    out: list[Measurement] = []
    work = ctx.workdir / "loading-goaml"
    work.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        size = f"{n / 1e3:g}k tx"
        path = work / "report.xml"
        path.write_text(goaml_report(n, ctx.seed), encoding="utf-8")
        mib = path.stat().st_size / 2**20
        result, seconds, cpu = _timed_cpu(load_file, path, batch_id="bench")
        assert result.tables["transactions"].num_rows == n
        rows = sum(t.num_rows for t in result.tables.values())
        out.append(
            Measurement(
                "load_goaml",
                "moneytrail-load",
                size,
                seconds,
                {
                    "tx_per_s": n / seconds,
                    "tx_per_cpu_s": n / cpu,
                    **_rates(rows, seconds, cpu, mib),
                },
                "lxml iterparse, entities/DTD/network off; all tables",
            )
        )
        report, seconds, cpu = _timed_cpu(_ingest, path, work / "store")
        out.append(
            Measurement(
                "load_goaml",
                "moneytrail",
                size,
                seconds,
                {"tx_per_s": n / seconds, "tx_per_cpu_s": n / cpu, "cpu_s": cpu, "file_mib": mib},
                "engine.services.ingest.ingest_file into a fresh EmbeddedStore",
            )
        )
        assert report.accepted >= n
    shutil.rmtree(work, ignore_errors=True)
    return out
