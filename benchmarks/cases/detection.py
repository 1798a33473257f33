"""Detection quality against the generator's ground truth (which the detectors never read).

Measures, per world:

* per-pattern recall and precision of the detectors (a planted instance is recalled when one
  detected instance of the matching detector covers at least half of its accounts, or of its
  travel records for travel-only patterns; a detected instance is a true positive when at least
  half of its accounts, or records, belong to planted operations);
* cluster ranking: the share of planted smuggling and trafficking operations with most of their
  core members (facilitator roles: not paying relatives, victims or migrants) inside the top-N
  clusters, and the share of the top-N clusters that are planted operations (a cluster is one
  when it holds ≥ 3 core members of one operation or when most of its accounts are planted);
  N = 20 as the issue asks, and N = the number of planted operations;
* entity resolution: precision and recall of traveller → party links (a link to a second KYC
  record of the same person counts as right);
* account level: precision, recall and F1 of the accounts in the top-20 clusters, and of every
  account a detector flagged;
* the run time of the whole analysis (``analyze_tables``), stage by stage.

A world written to disk at the same scale and seed can be reused: set
``MONEYTRAIL_DETECTION_WORLD`` to its folder.

The ``worlds`` case scores every world (default, ``lookalike``, ``random`` with three seeds,
the AMLGentex development set and ``--external`` files) through the user's path, ingest,
analyze and the ranked clusters, with the figures of issue 15: account precision, recall and
F1 of the top 100 clusters and of the top N (N = planted operations), risk precision@k
(k = laundering accounts), per-typology instance recall, and a naive distinct-counterparty
baseline beside them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.harness import BenchContext, Measurement, case
from engine.detect.typologies import truth_names

#: Generator pattern name → detector pattern name (the typology registry's truth names).
PATTERN_MAP = truth_names()
NON_CORE = {"paying_relative", "victim", "migrant", "sender", "receiver", "relative"}


def _truth(world: Any) -> dict[str, pd.DataFrame]:
    t = {k: v.to_pandas() for k, v in world.truth.items()}
    ops = t["operations"][["op_id", "category"]]
    t["accounts"] = t["accounts"].merge(ops, on="op_id", how="left")
    t["accounts"] = t["accounts"].merge(
        t["patterns"][["pattern_id", "pattern"]], on="pattern_id", how="left"
    )
    t["trips"] = t["trips"].merge(
        t["patterns"][["pattern_id", "pattern"]], on="pattern_id", how="left"
    )
    # accounts of each pattern instance: marked accounts, its focus, and the endpoints of its
    # transactions
    tx = world.tables["transactions"].select(["tx_id", "src_account", "dst_account"]).to_pandas()
    ttx = t["transactions"].dropna(subset=["pattern_id"]).merge(tx, on="tx_id")
    ends = (
        pd.concat(
            [
                ttx[["pattern_id", "src_account"]].rename(columns={"src_account": "account_id"}),
                ttx[["pattern_id", "dst_account"]].rename(columns={"dst_account": "account_id"}),
                t["patterns"][["pattern_id", "focus"]].rename(columns={"focus": "account_id"}),
                t["accounts"][["pattern_id", "account_id"]],
            ]
        )
        .dropna()
        .drop_duplicates()
    )
    t["pattern_accounts"] = ends.merge(t["patterns"][["pattern_id", "pattern"]], on="pattern_id")
    return t


def pattern_quality(analysis: Any, world: Any) -> dict[str, dict[str, float]]:
    """Per detector pattern: planted, recalled, recall, detected, true, precision."""
    t = _truth(world)
    frame, det = analysis.frame, analysis.detection
    ids = np.array(frame.graph.node_ids.to_pylist(), object)
    recs = np.array(frame.record_ids.to_pylist(), object)
    planted_acc = set(t["accounts"]["account_id"][t["accounts"]["category"] != "hard_negative"])
    planted_rec = set(t["trips"]["record_id"])
    out: dict[str, dict[str, float]] = {}
    by_pattern = det.by_pattern()
    for gen_name in sorted(set(t["patterns"]["pattern"])):
        name = PATTERN_MAP.get(gen_name, gen_name)
        h = by_pattern.get(name)
        pa_ = t["pattern_accounts"]
        acc = pa_[pa_["pattern"] == gen_name].groupby("pattern_id")["account_id"].agg(set)
        trp = (
            t["trips"][t["trips"]["pattern"] == gen_name]
            .groupby("pattern_id")["record_id"]
            .agg(set)
        )
        inst_acc = [set(ids[h.nodes_of(i)]) for i in range(len(h))] if h is not None else []
        inst_rec = [set(recs[h.recs_of(i)]) for i in range(len(h))] if h is not None else []
        planted_ids = set(acc.index) | set(trp.index)
        recalled = 0
        for pid in planted_ids:
            want_a, want_r = acc.get(pid, set()), trp.get(pid, set())
            if (want_a and any(len(s & want_a) >= 0.5 * len(want_a) for s in inst_acc)) or (
                not want_a
                and want_r
                and any(len(s & want_r) >= 0.5 * len(want_r) for s in inst_rec)
            ):
                recalled += 1
        true = sum(
            (len(a & planted_acc) >= 0.5 * len(a))
            if a
            else (len(r & planted_rec) >= 0.5 * max(len(r), 1))
            for a, r in zip(inst_acc, inst_rec, strict=True)
        )
        n_det = len(inst_acc)
        out[name if name not in out else gen_name] = {
            "planted": len(planted_ids),
            "recalled": recalled,
            "recall": recalled / len(planted_ids) if planted_ids else float("nan"),
            "detected": n_det,
            "true": true,
            "precision": true / n_det if n_det else float("nan"),
        }
    return out


def ranking_quality(analysis: Any, world: Any, top: int = 20) -> dict[str, float]:
    """Operations found in the top clusters, and top clusters that are operations."""
    t = _truth(world)
    acc = t["accounts"]
    ops = acc[acc["category"].isin(["smuggling", "trafficking"])]
    core = ops[~ops["role"].isin(NON_CORE)]
    members = analysis.results["cluster_members"].to_pandas()
    members = members[(members["entity_kind"] == "account") & (members["role"] != "context")]
    in_top = members[members["cluster_id"] <= top]
    top_accounts = set(in_top["entity_id"])
    per_op = core.groupby("op_id")["account_id"].agg(set)
    found = sum(len(s & top_accounts) > 0.5 * len(s) for s in per_op)
    planted_all = set(acc["account_id"][acc["category"] != "hard_negative"])
    op_of = dict(zip(core["account_id"], core["op_id"], strict=False))
    n_top = int(in_top["cluster_id"].nunique())
    good = 0
    for _, grp in in_top.groupby("cluster_id"):
        ents = list(grp["entity_id"])
        core_ops = pd.Series([op_of[e] for e in ents if e in op_of])
        planted_share = sum(e in planted_all for e in ents) / len(ents)
        if (len(core_ops) and core_ops.value_counts().iloc[0] >= 3) or planted_share >= 0.5:
            good += 1
    predicted = top_accounts
    flagged = set(members["entity_id"])  # accounts in any ranked cluster
    risk = analysis.results["scores"].to_pandas()
    flagged = set(risk["entity_id"][risk["risk"] > 0])
    prf = _prf(predicted, planted_all)
    prf_flag = _prf(flagged, planted_all)
    return {
        "operations": len(per_op),
        "operations_in_top": found,
        "share_operations_in_top": found / len(per_op) if len(per_op) else float("nan"),
        "top_clusters": n_top,
        "top_clusters_planted": good,
        "share_top_planted": good / n_top if n_top else float("nan"),
        "account_precision": prf[0],
        "account_recall": prf[1],
        "account_f1": prf[2],
        "flagged_precision": prf_flag[0],
        "flagged_recall": prf_flag[1],
        "flagged_f1": prf_flag[2],
    }


def _prf(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(truth) if truth else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def er_quality(analysis: Any, world: Any) -> dict[str, float]:
    """Precision and recall of traveller → party links."""
    t = _truth(world)
    same = dict(
        zip(
            t["party_identities"]["party_id"], t["party_identities"]["same_person_as"], strict=False
        )
    )
    truth = dict(zip(t["identities"]["record_id"], t["identities"]["party_id"], strict=False))
    links = analysis.results["links"].to_pandas()
    links = links[(links["kind"] == "same_as") & (links["left_kind"] == "trip")]
    right = [
        same.get(p, p) == truth.get(r)
        for r, p in zip(links["left_id"], links["right_id"], strict=True)
    ]
    linked_ok = set(links["left_id"][right])
    known = set(analysis.frame.parties.column("party_id").to_pylist())
    linkable = {r for r, p in truth.items() if p in known}
    return {
        "links": len(links),
        "precision": float(np.mean(right)) if len(right) else float("nan"),
        "recall": len(linked_ok & linkable) / len(linkable) if linkable else float("nan"),
    }


def evaluate(world: Any, **kwargs: Any) -> dict[str, Any]:
    """Analyse ``world.tables`` and score the result against ``world.truth``."""
    from engine.services.pipeline import analyze_tables

    start = time.perf_counter()
    analysis = analyze_tables(world.tables, **kwargs)
    seconds = time.perf_counter() - start
    n_ops = int(
        world.truth["operations"].to_pandas()["category"].isin(["smuggling", "trafficking"]).sum()
    )
    return {
        "seconds": seconds,
        "stages": dict(analysis.summary.seconds),
        "patterns": pattern_quality(analysis, world),
        "ranking_top20": ranking_quality(analysis, world, 20),
        f"ranking_top{n_ops}": ranking_quality(analysis, world, n_ops),
        "er": er_quality(analysis, world),
        "analysis": analysis,
    }


#: A world already written with ``moneytrail generate`` (``write_world``) at the scale and seed
#: the case wants is read from this folder instead of being generated again (medium: ~2 minutes).
WORLD_DIR_ENV = "MONEYTRAIL_DETECTION_WORLD"


def read_world(path: str | Path, scale: str, seed: int) -> Any | None:
    """The world written at ``path`` when its ``truth/params.json`` says ``scale`` and ``seed``;
    ``None`` otherwise (the caller generates it). ``params`` is the parsed JSON, not ``Params``."""
    import json

    import pyarrow.parquet as pq

    from engine.core import schema
    from engine.synth.world import World

    path = Path(path)
    params_file = path / "truth" / "params.json"
    if not params_file.exists():
        return None
    params = json.loads(params_file.read_text())
    if (
        params.get("scale") != scale
        or params.get("seed") != seed
        or params.get("profile", "default") != "default"
    ):
        return None
    tables = {n: pq.read_table(path / f"{n}.parquet") for n in schema.INPUT_TABLES}
    truth = {f.stem: pq.read_table(f) for f in (path / "truth").glob("*.parquet")}
    return World(tables, truth, params)


@case("detection", quick=True)
def detection(ctx: BenchContext) -> list[Measurement]:
    """Detection quality and whole-analysis time per scale: ``small`` and ``medium``
    (``tiny`` when quick), plus ``large`` (10M transactions) with ``--scale large``."""
    import os

    from engine.synth import generate

    out: list[Measurement] = []
    on_disk = os.environ.get(WORLD_DIR_ENV)
    for scale in ctx.sizes(["tiny"], ["small", "medium"], ["large"]):
        world = (read_world(on_disk, scale, ctx.seed) if on_disk else None) or generate(
            scale, ctx.seed
        )
        size = f"{world.tables['transactions'].num_rows / 1e6:.2g}M tx ({scale})"
        res = evaluate(world)
        out.append(Measurement("detection", "moneytrail", size, res["seconds"],
                               {f"stage_{k}_s": v for k, v in res["stages"].items()},
                               "whole analysis, 2 cores"))  # fmt: skip
        for name, m in res["patterns"].items():
            out.append(Measurement(f"detection/{name}", "moneytrail", size, None,
                                   {k: float(v) for k, v in m.items()}))  # fmt: skip
        for key in [k for k in res if k.startswith("ranking_")] + ["er"]:
            out.append(Measurement(f"detection/{key}", "moneytrail", size, None,
                                   {k: float(v) for k, v in res[key].items()}))  # fmt: skip
        del res, world
    return out


# --- every world through the user's path: ingest, analyze, clusters ---------------------------

#: The independent development set (AMLGentex), relative to the repository; override with
#: ``MONEYTRAIL_AMLGENTEX_DEV`` (a folder holding ``tx_log.parquet``).
DEV_SET = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "amlgentex-dev"
DEV_SET_ENV = "MONEYTRAIL_AMLGENTEX_DEV"
#: Clusters whose accounts are scored, as the issue's table does (``clusters --top 100``).
TOP_CLUSTERS = 100
#: The generated worlds: (profile, seed); the scale comes from the run.
GENERATED = (("default", None), ("lookalike", 0), ("random", 1), ("random", 2), ("random", 3))


@dataclass
class Truth:
    """What a world's answers are, for scoring only (the analysis never sees it)."""

    accounts: set[str]  # laundering (planted) accounts
    instances: dict[str, tuple[str, set[str]]]  # instance id -> (typology, its accounts)
    operations: int  # N: planted operations


def core_accounts(row: dict[str, Any]) -> set[str]:
    """A ranked cluster's core accounts: its ``accounts`` when the cluster lists them apart
    from ``context_accounts``, else its account members less any marked as context."""
    if isinstance(row.get("accounts"), list | tuple):
        return set(row["accounts"])
    context = set(row.get("context_accounts") or [])
    return {
        m["entity_id"]
        for m in row.get("members", [])
        if m["entity_kind"] == "account" and m.get("role") != "context"
        and m["entity_id"] not in context
    }  # fmt: skip


def generated_truth(world: Any) -> Truth:
    """Planted accounts, instances and operations of a generated world (hard negatives and
    the look-alikes are not planted)."""
    t = _truth(world)
    ops = t["operations"]
    planted_ops = set(ops["op_id"][ops["category"] != "hard_negative"])
    acc = t["accounts"]
    accounts = set(acc["account_id"][acc["op_id"].isin(planted_ops)])
    pa_ = t["pattern_accounts"].merge(t["patterns"][["pattern_id", "op_id"]], on="pattern_id")
    pa_ = pa_[pa_["op_id"].isin(planted_ops)]
    instances = {
        pid: (str(grp["pattern"].iloc[0]), set(grp["account_id"]))
        for pid, grp in pa_.groupby("pattern_id")
    }
    return Truth(accounts, instances, len(planted_ops))


#: AMLSim's laundering typology codes (``AMLTypology``), which AMLGentex writes as
#: ``modelType`` of the laundering rows; named as the generator names them.
AMLSIM_TYPOLOGY = {"1": "fan_out", "2": "fan_in", "3": "cycle", "4": "bipartite", "5": "stack",
                   "6": "random", "7": "scatter_gather", "8": "gather_scatter"}  # fmt: skip


def amlgentex_truth(path: Path) -> Truth:
    """Laundering accounts and pattern instances of an AMLGentex ``tx_log.parquet``."""
    import pyarrow.parquet as pq

    from benchmarks.cases.external import locate, read_labels

    labels = read_labels(locate("amlgentex", path))
    columns = pq.read_schema(path).names
    instances: dict[str, tuple[str, set[str]]] = {}
    if {"patternID", "isSAR"} <= set(columns):
        kind = next((c for c in columns if c.lower() in ("typology", "modeltype")), None)
        frame = pq.read_table(
            path, columns=["isSAR", "patternID", "nameOrig", "nameDest"] + ([kind] if kind else [])
        ).to_pandas()
        frame = frame[frame["isSAR"].astype(int) == 1]
        for pid, grp in frame.groupby("patternID"):
            name = str(grp[kind].iloc[0]) if kind else "laundering"
            if kind and kind.lower() == "modeltype":
                name = AMLSIM_TYPOLOGY.get(name, name)
            ends = set(grp["nameOrig"].astype(str)) | set(grp["nameDest"].astype(str))
            instances[f"p{pid}"] = (name, ends)
    return Truth(labels.accounts, instances, len(instances) or len(labels.typologies) or 1)


def external_truth(fmt: str, path: Path) -> Truth:
    """Labels of an ``--external`` dataset; instances only where the format names them."""
    from benchmarks.cases.external import locate, read_labels

    data = locate(fmt, path)
    if fmt == "amlgentex" and data.labelled.suffix == ".parquet":
        return amlgentex_truth(data.labelled)
    labels = read_labels(data)
    instances = {name: (name, accs) for name, accs in labels.typologies.items()}
    return Truth(labels.accounts, instances, max(1, len(instances)))


def run_user_path(
    inputs: list[Path], workdir: Path, top: int | Callable[[], int], fmt: str = "auto"
) -> dict[str, Any]:
    """Ingest ``inputs`` into a fresh EmbeddedStore, analyse it and read the ``top`` ranked
    clusters, the risk scores and the loaded transactions: what ``moneytrail ingest``,
    ``analyze`` and ``clusters`` do, through the library calls behind them. ``top`` may be a
    function, called only once the analysis has finished (it may read the labels then)."""
    import shutil

    from engine.commands.clusters import ranked_clusters
    from engine.services.ingest import ingest_paths
    from engine.services.pipeline import analyze
    from engine.store.embedded import EmbeddedStore

    shutil.rmtree(workdir, ignore_errors=True)
    start = time.perf_counter()
    with EmbeddedStore(workdir) as store:
        reports = ingest_paths(store, inputs, format=fmt, uploaded_by="bench")
        refused = [r for r in reports if r.status == "refused"]
        if refused:
            raise RuntimeError(f"ingest refused: {refused[0].error}")
        ingest_s = time.perf_counter() - start
        start = time.perf_counter()
        summary = analyze(store)
        analysis_s = time.perf_counter() - start
        rows = ranked_clusters(store, top() if callable(top) else top)
        scores = store.read_results("scores").to_pandas()
        tx = store.read_table("transactions", columns=["src_account", "dst_account"]).to_pandas()
    shutil.rmtree(workdir, ignore_errors=True)
    return {"rows": rows, "scores": scores, "tx": tx, "ingest_s": ingest_s,
            "analysis_s": analysis_s, "accounts": summary.n_accounts,
            "transactions": summary.n_transactions}  # fmt: skip


def precision_at(ranked: list[str], truth: set[str], k: int) -> float:
    """Share of the first ``k`` of ``ranked`` that are in ``truth``."""
    top = ranked[:k]
    return sum(a in truth for a in top) / len(top) if top else 0.0


def naive_ranking(tx: pd.DataFrame) -> list[str]:
    """Accounts by their number of distinct counterparties, most first (ties by id)."""
    pairs = pd.concat(
        [tx[["src_account", "dst_account"]].set_axis(["a", "b"], axis=1),
         tx[["dst_account", "src_account"]].set_axis(["a", "b"], axis=1)]
    ).drop_duplicates()  # fmt: skip
    pairs = pairs[pairs["a"] != pairs["b"]]
    counts = pairs.groupby("a").size().reset_index(name="n")
    counts = counts.sort_values(["n", "a"], ascending=[False, True])
    return counts["a"].tolist()


def score_world(run: dict[str, Any], truth: Truth) -> dict[str, Any]:
    """The figures of one world: clusters at top 100 and top N, risk precision@k, per-typology
    instance recall, and the naive distinct-counterparty baseline beside them."""
    rows = sorted(run["rows"], key=lambda r: r["rank"])
    n_top = truth.operations
    top100 = set().union(*(core_accounts(r) for r in rows[:TOP_CLUSTERS])) if rows else set()
    top_n = set().union(*(core_accounts(r) for r in rows[:n_top])) if rows else set()
    k = len(truth.accounts)
    risk = run["scores"]
    risk = risk[risk["entity_kind"] == "account"].sort_values(
        ["risk", "entity_id"], ascending=[False, True]
    )
    risk_rank = risk["entity_id"][risk["risk"] > 0].tolist()
    naive = naive_ranking(run["tx"])
    p100, r100, f100 = _prf(top100, truth.accounts)
    pn, rn, fn = _prf(top_n, truth.accounts)
    naive_matched = set(naive[: len(top100)])
    clusters = {
        "top100_accounts": len(top100), "top100_precision": p100, "top100_recall": r100,
        "top100_f1": f100, "n_operations": n_top, "topN_accounts": len(top_n),
        "topN_precision": pn, "topN_recall": rn, "topN_f1": fn,
    }  # fmt: skip
    accounts = {
        "accounts": run["accounts"], "transactions": run["transactions"],
        "laundering_accounts": k, "risk_precision_at_k": precision_at(risk_rank, truth.accounts, k),
        "naive_precision_at_k": precision_at(naive, truth.accounts, k),
        "naive_f1_at_top100_size": _prf(naive_matched, truth.accounts)[2],
    }  # fmt: skip
    typologies: dict[str, dict[str, float]] = {}
    for name, members in truth.instances.values():
        slot = typologies.setdefault(name, {"planted": 0, "in_top100": 0, "in_topN": 0})
        slot["planted"] += 1
        slot["in_top100"] += len(members & top100) >= 0.5 * len(members)
        slot["in_topN"] += len(members & top_n) >= 0.5 * len(members)
    for slot in typologies.values():
        slot["recall_top100"] = slot["in_top100"] / slot["planted"]
        slot["recall_topN"] = slot["in_topN"] / slot["planted"]
    return {
        "clusters": clusters,
        "accounts": accounts,
        "typologies": dict(sorted(typologies.items())),
    }


def world_measurements(
    name: str, run: dict[str, Any], res: dict[str, Any], note: str
) -> list[Measurement]:
    """The rows of one world in the report: time, clusters, accounts, typologies."""
    out = [Measurement("worlds", "moneytrail", name, run["ingest_s"] + run["analysis_s"],
                       {"ingest_s": run["ingest_s"], "analysis_s": run["analysis_s"]}, note),
           Measurement("worlds/clusters", "moneytrail", name, None,
                       {k: float(v) for k, v in res["clusters"].items()}),
           Measurement("worlds/accounts", "moneytrail", name, None,
                       {k: float(v) for k, v in res["accounts"].items()})]  # fmt: skip
    for typ, m in res["typologies"].items():
        out.append(Measurement("worlds/typology", "moneytrail", f"{name}: {typ}", None,
                               {k: float(v) for k, v in m.items()}))  # fmt: skip
    return out


def evaluate_generated(
    profile: str, scale: str, seed: int, workdir: Path
) -> tuple[Any, dict, dict]:
    """Generate, write, then score one world through the user's path."""
    import shutil

    from engine.synth import generate, write_world

    world = generate(scale, seed, profile=profile)
    folder = workdir / "world"
    shutil.rmtree(folder, ignore_errors=True)
    write_world(world, folder)
    top = max(TOP_CLUSTERS, generated_truth(world).operations)
    run = run_user_path([folder], workdir / "store", top)
    res = score_world(run, generated_truth(world))
    shutil.rmtree(folder, ignore_errors=True)
    return world, run, res


def _world_note(world: Any) -> str:
    p = world.params
    if getattr(p, "profile", "default") == "default":
        return "default world (smuggling, trafficking, typologies, hard negatives)"
    r = world.realised
    return (f"{p.country} {p.amount_law} median {p.amount_median_eur:.0f} EUR, degree exp "
            f"{p.degree_exponent:.2f}, {p.days} d, laundering {r['laundering_account_share']:.1%}, "
            f"{r['patterns']:.0f} patterns, ratio {r['lookalike_per_laundering_transfer']:.0f}:1, "
            f"sizes {p.pattern_size[0]}-{p.pattern_size[1]}, spans {p.pattern_days[0]}-"
            f"{p.pattern_days[1]} d, date-only banks {p.date_only_bank_share:.0%}")  # fmt: skip


@case("worlds", quick=True)
def worlds(ctx: BenchContext) -> list[Measurement]:
    """Every world through ingest, analyze and clusters: default, lookalike, random (three
    seeds), the AMLGentex development set and ``--external`` files (tiny worlds when quick)."""
    import os

    from benchmarks.cases.external import locate

    out: list[Measurement] = []
    scale = "tiny" if ctx.quick else ("medium" if ctx.large else "small")
    for profile, seed in GENERATED:
        seed = ctx.seed if seed is None else seed
        world, run, res = evaluate_generated(profile, scale, seed, ctx.workdir / "worlds")
        name = f"{profile}" + (f" seed {seed}" if profile != "lookalike" else "") + f" ({scale})"
        out += world_measurements(name, run, res, _world_note(world))
        del world, run
    externals = list(ctx.external)
    dev = Path(os.environ.get(DEV_SET_ENV, DEV_SET)) / "tx_log.parquet"
    if (
        not ctx.quick
        and dev.is_file()
        and all(Path(p).resolve() != dev.resolve() for _, p in externals)
    ):
        externals.insert(0, ("amlgentex", dev))
    for fmt, path in externals:
        data = locate(fmt, Path(path))
        labels: list[Truth] = []

        def top_after_labels(
            fmt: str = fmt, path: Path = Path(path), labels: list[Truth] = labels
        ) -> int:
            labels.append(external_truth(fmt, path))  # the labels, once the analysis is done
            return max(TOP_CLUSTERS, labels[0].operations)

        run = run_user_path(data.inputs, ctx.workdir / "worlds" / "store", top_after_labels,
                            fmt=fmt)  # fmt: skip
        res = score_world(run, labels[0])
        out += world_measurements(f"{fmt} {Path(path).parent.name or Path(path).name}", run, res,
                                  f"external: {', '.join(p.name for p in data.inputs)}")  # fmt: skip
    return out
