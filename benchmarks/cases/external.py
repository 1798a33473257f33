"""Detection quality on public AML datasets the user downloaded (AMLworld, SAML-D, AMLSim,
AMLGentex): ``moneytrail bench --external FORMAT=PATH``.

The data goes through the same path as a user's upload: :func:`engine.services.ingest.ingest_file`
(the loaders in :mod:`loaders.public`, which never load a ground-truth column) into a fresh
EmbeddedStore, then the whole analysis (:func:`engine.services.pipeline.analyze_tables`). Only after
that does this module open the original files again and read the label columns (and the
account columns needed to know which accounts a labelled transaction touched), to score:

* account level: precision, recall and F1 of the accounts a detector flagged (risk > 0) and of
  the accounts in the top-20 clusters, against the *laundering accounts* (every account that
  sent or received at least one labelled transaction);
* cluster level: the share of the top-20 clusters whose accounts are mostly (> 50 %)
  laundering accounts;
* per typology, where the dataset names them (SAML-D ``Laundering_type``, AMLSim
  ``alerts.csv``, AMLworld ``*_Patterns.txt``, an AMLGentex typology column): the recall of
  each typology's accounts among the flagged accounts and among the top-20 clusters' accounts.

Nothing here downloads anything: see docs/benchmarks.md for where each dataset is published.
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from benchmarks.harness import BenchContext, CaseSkipped, Measurement, case

FORMATS = ("amlworld", "samld", "amlsim", "amlgentex")
TOP = 20
TRUE_VALUES = {"1", "true", "t", "yes", "y", "1.0"}
#: Column names (lower case) an AMLGentex export may use for the typology of a transaction.
TYPOLOGY_COLUMNS = ("typology", "modeltype", "model_type", "pattern_type", "patterntype")


@dataclass
class Dataset:
    """The files of one external dataset: what the loaders read, and where the labels are."""

    fmt: str
    inputs: list[Path]  # given to the loaders (no label is ever loaded from them)
    labelled: Path  # the transactions file whose label column is read for scoring
    typology_file: Path | None = None  # AMLworld *_Patterns.txt or AMLSim alerts.csv


@dataclass
class Labels:
    """Ground truth read from the original files: for scoring only, never for detection."""

    n_tx: int
    n_laundering_tx: int
    accounts: set[str]  # accounts that sent or received a labelled transaction
    typologies: dict[str, set[str]] = field(default_factory=dict)  # typology → its accounts


def locate(fmt: str, path: Path) -> Dataset:
    """Find a dataset's files from the file or folder the user named.

    Raises
    ------
    FileNotFoundError
        A file the layout needs is not there (the message names what was looked for).
    ValueError
        ``fmt`` is not one of :data:`FORMATS`.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown external format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "amlworld":
        trans = _one(path, "*_Trans.csv")
        prefix = trans.name[: -len("_Trans.csv")]
        accounts = trans.with_name(f"{prefix}_accounts.csv")
        patterns = trans.with_name(f"{prefix}_Patterns.txt")
        inputs = [trans] + ([accounts] if accounts.is_file() else [])
        return Dataset(fmt, inputs, trans, patterns if patterns.is_file() else None)
    if fmt == "samld":
        file = _one(path, "*.csv")
        return Dataset(fmt, [file], file)
    if fmt == "amlsim":
        trans = _one(path, "transactions.csv")
        accounts, alerts = trans.with_name("accounts.csv"), trans.with_name("alerts.csv")
        inputs = [trans] + ([accounts] if accounts.is_file() else [])
        return Dataset(fmt, inputs, trans, alerts if alerts.is_file() else None)
    file = _one(path, "tx_log.parquet") if path.is_dir() else path
    return Dataset(fmt, [file], file)


def _one(path: Path, pattern: str) -> Path:
    if path.is_file():
        return path
    found = sorted(path.glob(pattern)) if path.is_dir() else []
    if len(found) != 1:
        what = (
            "no file" if not found else f"{len(found)} files ({', '.join(p.name for p in found)})"
        )
        raise FileNotFoundError(f"{path}: expected one {pattern}, found {what}")
    return found[0]


# --- labels (read after the analysis, from the original files) ------------------------------


def _laundering_rows(cols: dict[str, pa.Array]) -> tuple[int, dict[str, list[Any]]]:
    """The number of rows, and the other columns of the rows whose ``label`` is true
    (``1``, ``true``, ``yes``, any case), as Python lists: only those rows go through Python."""
    text = pc.utf8_lower(pc.utf8_trim_whitespace(cols["label"].cast(pa.string())))
    mask = pc.fill_null(pc.is_in(text, pa.array(sorted(TRUE_VALUES))), False)
    return len(text), {k: pc.filter(v, mask).to_pylist() for k, v in cols.items() if k != "label"}


def _csv_columns(path: Path, wanted: dict[str, int]) -> dict[str, pa.Array]:
    """Columns by position, as text (bank ids keep their leading zeros; AMLworld repeats the
    name ``Account``, so columns are addressed by position rather than name)."""
    with open(path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    names = [f"c{i}" for i in range(len(header))]
    keep = [names[i] for i in wanted.values()]
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(
            include_columns=keep, column_types={n: pa.string() for n in keep}
        ),
    )
    return {key: table.column(names[i]).combine_chunks() for key, i in wanted.items()}


def _header(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return pq.read_schema(path).names
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def _position(header: list[str], *names: str, nth: int = 0) -> int:
    """Position of the ``nth`` column called any of ``names`` (case-insensitive)."""
    lowered = {n.lower() for n in names}
    hits = [i for i, h in enumerate(header) if h.strip().lower() in lowered]
    if len(hits) <= nth:
        raise KeyError(f"column {' or '.join(names)} not found in {header}")
    return hits[nth]


def _account(*parts: str | None) -> str | None:
    if any(p is None or not str(p).strip() for p in parts):
        return None
    return ":".join(str(p).strip() for p in parts)


def read_labels(data: Dataset) -> Labels:
    """The laundering accounts (and typologies) of a dataset, from its original files."""
    header = _header(data.labelled)
    typologies: dict[str, set[str]] = {}
    if data.fmt == "amlworld":
        second = (
            header.index("Account.1") if "Account.1" in header else _position(header, "Account", nth=1)
        )  # fmt: skip
        n, rows = _laundering_rows(_csv_columns(data.labelled, {
            "label": _position(header, "Is Laundering"), "sb": _position(header, "From Bank"),
            "sa": _position(header, "Account"), "db": _position(header, "To Bank"), "da": second,
        }))  # fmt: skip
        rows = {
            "s": [_account(b, a) for b, a in zip(rows["sb"], rows["sa"], strict=True)],
            "d": [_account(b, a) for b, a in zip(rows["db"], rows["da"], strict=True)],
        }
        if data.typology_file:
            typologies = _amlworld_patterns(data.typology_file)
    elif data.fmt == "samld":
        n, rows = _laundering_rows(_csv_columns(data.labelled, {
            "label": _position(header, "Is_laundering"), "s": _position(header, "Sender_account"),
            "d": _position(header, "Receiver_account"),
            **({"t": _position(header, "Laundering_type")} if "Laundering_type" in header else {}),
        }))  # fmt: skip
    elif data.fmt == "amlsim":
        n, rows = _laundering_rows(_csv_columns(data.labelled, {
            "label": _position(header, "is_sar"), "s": _position(header, "orig_acct"),
            "d": _position(header, "bene_acct"), "alert": _position(header, "alert_id"),
        }))  # fmt: skip
        if data.typology_file:
            kinds = _amlsim_alert_types(data.typology_file)
            rows["t"] = [kinds.get((a or "").strip()) for a in rows["alert"]]
    else:  # AMLGentex: Parquet (or a CSV export of it)
        positions = {"label": _position(header, "isSAR", "is_sar"),
                     "s": _position(header, "nameOrig"), "d": _position(header, "nameDest")}  # fmt: skip
        typology = next((i for i, h in enumerate(header) if h.lower() in TYPOLOGY_COLUMNS), None)
        if typology is not None:
            positions["t"] = typology
        if data.labelled.suffix == ".parquet":
            table = pq.read_table(data.labelled, columns=[header[i] for i in positions.values()])
            cols = {k: table.column(header[i]).combine_chunks().cast(pa.string())
                    for k, i in positions.items()}  # fmt: skip
        else:
            cols = _csv_columns(data.labelled, positions)
        n, rows = _laundering_rows(cols)
    return _labels(n, rows, typologies)


def _labels(n: int, rows: dict[str, list[Any]], typologies: dict[str, set[str]]) -> Labels:
    """Labels from the laundering rows' ends (``s``, ``d``) and typology names (``t``)."""
    accounts: set[str] = set()
    typologies = {k: set(v) for k, v in typologies.items()}
    types = rows.get("t")
    for i, (src, dst) in enumerate(zip(rows["s"], rows["d"], strict=True)):
        ends = {str(a).strip() for a in (src, dst) if a is not None and str(a).strip()}
        accounts |= ends
        if types is not None and types[i] not in (None, ""):
            typologies.setdefault(str(types[i]).strip(), set()).update(ends)
    return Labels(n, len(rows["s"]), accounts, typologies)


def _amlworld_patterns(path: Path) -> dict[str, set[str]]:
    """``BEGIN LAUNDERING ATTEMPT - FAN-OUT`` … rows … ``END LAUNDERING ATTEMPT``: the accounts
    of each typology (rows have the ``*_Trans.csv`` layout)."""
    out: dict[str, set[str]] = {}
    current: str | None = None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line.startswith("BEGIN LAUNDERING ATTEMPT"):
                current = line.split("-", 1)[1].split(":")[0].strip() if "-" in line else "unknown"
            elif line.startswith("END LAUNDERING ATTEMPT"):
                current = None
            elif current and line:
                row = next(csv.reader([line]))
                if len(row) >= 5:
                    accounts = {_account(row[1], row[2]), _account(row[3], row[4])} - {None}
                    out.setdefault(current, set()).update(a for a in accounts if a)
    return out


def _amlsim_alert_types(path: Path) -> dict[str, str]:
    """``alert_id`` → ``alert_type`` from AMLSim's ``alerts.csv``."""
    header = _header(path)
    cols = _csv_columns(path, {"alert": _position(header, "alert_id"),
                               "type": _position(header, "alert_type")})  # fmt: skip
    return {
        (a or "").strip(): (t or "").strip()
        for a, t in zip(cols["alert"].to_pylist(), cols["type"].to_pylist(), strict=True)
        if a
    }


# --- analysis and scoring --------------------------------------------------------------------


def analyse(data: Dataset, workdir: Path) -> tuple[Any, dict[str, float]]:
    """Ingest the dataset's files into a fresh EmbeddedStore and analyse it (no labels)."""
    from engine.core import schema
    from engine.services.ingest import ingest_file
    from engine.services.pipeline import analyze_tables
    from engine.store.embedded import EmbeddedStore

    shutil.rmtree(workdir, ignore_errors=True)
    figures: dict[str, float] = {"accepted": 0, "rejected": 0}
    cpu, start = time.process_time(), time.perf_counter()
    with EmbeddedStore(workdir) as store:
        for path in data.inputs:
            report = ingest_file(store, path, format=data.fmt, uploaded_by="bench")
            figures["accepted"] += report.accepted
            figures["rejected"] += report.rejected
        figures["ingest_s"] = time.perf_counter() - start
        tables = {name: store.read_table(name) for name in schema.INPUT_TABLES}
    start = time.perf_counter()
    analysis = analyze_tables(tables)
    figures["analysis_s"] = time.perf_counter() - start
    figures["cpu_s"] = time.process_time() - cpu
    figures["accounts"] = analysis.frame.n_nodes
    figures["transactions"] = analysis.frame.n_tx
    shutil.rmtree(workdir, ignore_errors=True)
    return analysis, figures


def predictions(results: dict[str, pa.Table], top: int = TOP) -> dict[str, Any]:
    """Flagged accounts (risk > 0) and the core accounts of each of the ``top`` ranked clusters
    (members marked ``context``, or listed in a ``context_accounts`` column, left out)."""
    scores = results["scores"]
    is_account = pc.equal(scores["entity_kind"], "account")
    flagged = pc.filter(scores["entity_id"], pc.and_(is_account, pc.greater(scores["risk"], 0)))
    clusters = results["clusters"]
    top_ids = set(
        pc.filter(clusters["cluster_id"], pc.less_equal(clusters["rank"], top)).to_pylist()
    )
    members = results["cluster_members"]
    keep = pc.and_(
        pc.and_(
            pc.equal(members["entity_kind"], "account"),
            pc.not_equal(pc.fill_null(members["role"], ""), "context"),  # core members only
        ),
        pc.is_in(members["cluster_id"], pa.array(sorted(top_ids), pa.int64())),
    )
    by_cluster: dict[int, set[str]] = {c: set() for c in top_ids}
    for m in members.filter(keep).select(["cluster_id", "entity_id", "role"]).to_pylist():
        if m["role"] != "context":  # core members only: context is shown, not counted
            by_cluster[m["cluster_id"]].add(m["entity_id"])
    if "context_accounts" in clusters.column_names:
        for c in clusters.select(["cluster_id", "context_accounts"]).to_pylist():
            if c["cluster_id"] in by_cluster:
                by_cluster[c["cluster_id"]] -= set(c["context_accounts"] or [])
    return {"flagged": set(flagged.to_pylist()), "clusters": by_cluster}


def prf(predicted: set[str], truth: set[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted set against a true set (0 when empty)."""
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(truth) if truth else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(predicted: dict[str, Any], labels: Labels, known: set[str]) -> dict[str, Any]:
    """Account, cluster and typology metrics of ``predicted`` against ``labels``.

    ``known`` is the set of accounts the analysis saw; labelled accounts outside it (rows the
    loaders rejected) are counted as ``labelled_not_loaded`` and still count as missed.
    """
    truth = labels.accounts
    flagged = predicted["flagged"]
    clusters: dict[int, set[str]] = predicted["clusters"]
    in_top = set().union(*clusters.values()) if clusters else set()
    laundering_clusters = sum(
        1 for accounts in clusters.values() if accounts and len(accounts & truth) > 0.5 * len(accounts)
    )  # fmt: skip
    fp, fr, ff = prf(flagged, truth)
    tp, tr, tf = prf(in_top, truth)
    accounts = {
        "transactions": labels.n_tx,
        "laundering_tx": labels.n_laundering_tx,
        "laundering_accounts": len(truth),
        "labelled_not_loaded": len(truth - known),
        "flagged": len(flagged),
        "flagged_precision": fp,
        "flagged_recall": fr,
        "flagged_f1": ff,
        "top_accounts": len(in_top),
        "top_precision": tp,
        "top_recall": tr,
        "top_f1": tf,
        "top_clusters": len(clusters),
        "top_clusters_laundering": laundering_clusters,
        "top_cluster_precision": laundering_clusters / len(clusters) if clusters else 0.0,
    }
    typologies = {
        name: {
            "accounts": len(members),
            "flagged_recall": len(members & flagged) / len(members) if members else 0.0,
            "top_recall": len(members & in_top) / len(members) if members else 0.0,
        }
        for name, members in sorted(labels.typologies.items())
    }
    return {"accounts": accounts, "typologies": typologies}


def evaluate(fmt: str, path: Path, workdir: Path) -> dict[str, Any]:
    """Locate, ingest, analyse, then read the labels and score: the whole external run."""
    data = locate(fmt, path)
    analysis, figures = analyse(data, workdir)
    known = set(analysis.frame.graph.node_ids.to_pylist())
    labels = read_labels(data)  # only now, after the detectors have finished
    result = score(predictions(analysis.results), labels, known)
    return {"dataset": data, "figures": figures, **result}


@case("external", quick=True)
def external(ctx: BenchContext) -> list[Measurement]:
    """Detection quality on public datasets you downloaded (``--external FORMAT=PATH``)."""
    if not ctx.external:
        raise CaseSkipped(
            "no external data given: moneytrail bench --case external --external FORMAT=PATH "
            f"(FORMAT one of {', '.join(FORMATS)}; see the External data section)"
        )
    out: list[Measurement] = []
    for fmt, path in ctx.external:
        res = evaluate(fmt, path, ctx.workdir / f"external-{fmt}")
        f = res["figures"]
        n = f["transactions"]
        size = f"{fmt} {n / 1e6:.3g}M tx" if n >= 1e6 else f"{fmt} {n:,.0f} tx"
        out.append(Measurement("external", "moneytrail", size, f["ingest_s"] + f["analysis_s"],
                               dict(f), f"{', '.join(p.name for p in res['dataset'].inputs)}"))  # fmt: skip
        out.append(Measurement("external/accounts", "moneytrail", size, None,
                               {k: float(v) for k, v in res["accounts"].items()},
                               f"labels from {res['dataset'].labelled.name}"))  # fmt: skip
        for name, m in res["typologies"].items():
            out.append(Measurement("external/typology", "moneytrail", f"{fmt}: {name}", None,
                                   {k: float(v) for k, v in m.items()}))  # fmt: skip
    return out
