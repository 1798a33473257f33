"""One size of the scaling benchmark, in a fresh process so its peak memory is its own.

Run as ``python -m benchmarks.scaling_worker --scale S [--tx N] --workdir DIR`` (without
``--tx`` the scale preset's own transaction budget); prints one JSON
object per stage (name, wall seconds, CPU seconds, peak resident memory so far in MiB) on
standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spark_stage(store: object, master: str) -> None:
    """``analyze --engine spark`` on ``store``: wall and CPU seconds, the driver's peak and the
    peak of its whole process tree (JVM and Python workers, sampled every 0.2 s), and how many
    of the local run's clusters it found with the same members."""
    import threading

    import psutil

    from engine.core import schema
    from engine.services.spark.compare import agreement
    from engine.services.spark.engine import analyze_spark

    local = {n: store.read_results(n) for n in schema.RESULT_TABLES}  # type: ignore[attr-defined]
    me = psutil.Process()
    peak = {"tree": 0.0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            peak["tree"] = max(peak["tree"], total / 2**20)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu, start = time.process_time(), time.perf_counter()
    summary = analyze_spark(store, master=master)  # type: ignore[arg-type]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    done.set()
    sampler.join()
    got = {n: store.read_results(n) for n in schema.RESULT_TABLES}  # type: ignore[attr-defined]
    agree = agreement(local, got)
    record = {
        "stage": "analyze_spark",
        "seconds": seconds,
        "cpu_s": cpu,
        "peak_mib": peak_mib(),
        "tree_peak_mib": peak["tree"],
        "clusters_local": agree.n_a,
        "clusters_spark": agree.n_b,
        "clusters_identical": agree.identical,
        "spark_stages": summary.seconds,
    }
    print(json.dumps(record), flush=True)


def main() -> None:
    """Generate, write, ingest, build and analyse one world, printing each stage's figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", required=True)
    parser.add_argument("--tx", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument(
        "--spark", default=None, help="Also analyse with the Spark engine on this master."
    )
    args = parser.parse_args()

    from engine.graph import build_transaction_graph
    from engine.services.ingest import ingest_paths
    from engine.services.pipeline import analyze
    from engine.store.embedded import EmbeddedStore
    from engine.synth import generate, write_world

    shutil.rmtree(args.workdir, ignore_errors=True)
    world_dir, home = args.workdir / "world", args.workdir / "store"

    def stage(name: str, fn: Callable[[], object]) -> object:
        cpu, start = time.process_time(), time.perf_counter()
        result = fn()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        record = {"stage": name, "seconds": seconds, "cpu_s": cpu, "peak_mib": peak_mib()}
        print(json.dumps(record), flush=True)
        return result

    overrides = {} if args.tx is None else {"tx_target": args.tx}
    world = stage("generate", lambda: generate(args.scale, seed=args.seed, **overrides))
    n_tx = world.tables["transactions"].num_rows
    print(json.dumps({"stage": "size", "transactions": n_tx}), flush=True)
    stage("write", lambda: write_world(world, world_dir))
    world = None  # free it before ingesting
    store = EmbeddedStore(home)
    files = sorted(p for p in world_dir.iterdir() if p.is_file())
    stage("ingest", lambda: list(ingest_paths(store, files, uploaded_by="bench")))
    transactions = store.read_table("transactions")
    stage("graph_build", lambda: build_transaction_graph(transactions))
    transactions = None
    stage("analyze", lambda: analyze(store))
    if args.spark:
        spark_stage(store, args.spark)
    shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
