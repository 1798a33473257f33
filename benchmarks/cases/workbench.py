"""The investigator's workbench on the server: how long the Cluster page's interactions take.

For the top clusters of a world (``medium``: about 2.3M transactions; ``tiny`` when quick),
after the first load (tables read, graph built: :meth:`Workbench.warm_up`), the server-side
time of what each click asks for:

* ``open``: the case's detail (members, evidence, transactions, trips, flows);
* ``picture``: the network folded to 300 elements and laid out (the base layout included);
* ``picture_again``: the same picture when the base layout is known (what later clicks pay);
* ``expand``: the picture with the largest account's neighbourhood drawn in;
* ``time_range``: detail and picture for the case's middle third of time;
* ``channel``: detail and picture for wire transfers only;
* the pure steps alone: ``layout`` (spring layout of the picture's nodes), ``folding`` and
  ``filtering`` (the mask over the case's transactions).

Reported per cluster with the elements drawn (at most 300 by construction). The issue's target is
under 1 s per interaction after the first load. Timings a headless-Chromium run measured
(``tests/dashboard/test_browser_workbench.py`` with ``MONEYTRAIL_BROWSER_TIMES``, on the
world in ``MONEYTRAIL_WORKBENCH_HOME``) are added when the file named by
``MONEYTRAIL_BROWSER_TIMES`` exists. A prepared store (``moneytrail demo --scale medium
--no-serve --home DIR``) is used when ``MONEYTRAIL_WORKBENCH_HOME`` names one; otherwise the
world is generated, stored and analysed here (a few minutes for medium).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import BenchContext, Measurement, case, timed

HOME_ENV = "MONEYTRAIL_WORKBENCH_HOME"
TIMES_ENV = "MONEYTRAIL_BROWSER_TIMES"
TOP = 3


def _store_home(ctx: BenchContext, scale: str) -> Path:
    """A store with the world analysed: the prepared one, or one built in the workdir."""
    given = os.environ.get(HOME_ENV)
    if given and not ctx.quick:
        return Path(given)
    from engine.services.pipeline import analyze
    from engine.store import open_store
    from engine.store.base import Batch
    from engine.synth import generate

    home = ctx.workdir / f"workbench-{scale}"
    if (home / ".analysed").exists():
        return home
    world = generate(scale, seed=ctx.seed)
    with open_store("embedded", home=home) as store:
        for name, table in world.tables.items():
            store.write_batch(Batch(f"bench-{name}", f"{name}.parquet", name, "canonical",
                                    {name: table}))  # fmt: skip
        analyze(store)
    (home / ".analysed").touch()
    return home


def _members(detail: Any) -> tuple[list[str], list[str], list[str]]:
    m = detail.members
    is_account = m["entity_kind"] == "account"
    return (
        m.loc[is_account & m["core"], "entity_id"].tolist(),
        m.loc[is_account & ~m["core"], "entity_id"].tolist(),
        m.loc[m["entity_kind"] == "party", "entity_id"].tolist(),
    )


@case("workbench", quick=True)
def workbench(ctx: BenchContext) -> list[Measurement]:
    """Server time of the Cluster page's interactions (open, picture, expand, time range,
    channel) and of layout, folding and filtering alone, on the medium world."""
    from engine.queries import Workbench
    from engine.queries.filters import Filters
    from engine.queries.folding import fold
    from engine.queries.layout import spring_layout
    from engine.store import open_store

    scale = "tiny" if ctx.quick else "medium"
    home = _store_home(ctx, scale)
    out: list[Measurement] = []
    with open_store("embedded", home=home) as store:
        wb = Workbench(store)
        _, warm = timed(wb.warm_up)
        n_tx = wb.table("transactions").num_rows
        size = f"{n_tx / 1e6:.2g}M tx ({scale})"
        out.append(Measurement("workbench/first_load", "moneytrail", size, warm, {},
                               "tables read, graph built (once per server)"))  # fmt: skip
        clusters = wb.cluster_list()
        for cid in clusters["cluster_id"].head(TOP).tolist():
            wb._layouts.clear()
            detail, t_open = timed(wb.cluster_detail, int(cid))
            core, context, parties = _members(detail)
            args = (core, parties, detail.trips)
            net, t_picture = timed(wb.picture, *args, context=context)
            _, t_again = timed(wb.picture, *args, context=context, repeat=3)
            biggest = max(core, key=lambda a: (_moved(net, a), a)) if core else ""
            grown, t_expand = timed(wb.picture, *args, context=context, expanded=[biggest])
            span = wb.time_span(core) or (0, 1)
            third = (span[1] - span[0]) // 3
            middle = Filters(start=span[0] + third, end=span[1] - third)
            wire = Filters(channels=("wire",))
            timings: dict[str, float] = {}
            for name, filters in (("time_range", middle), ("channel", wire)):
                start = time.perf_counter()
                narrowed = wb.cluster_detail(int(cid), filters)
                wb.picture(core, parties, narrowed.trips, context=context, filters=filters)
                timings[name] = time.perf_counter() - start
            rows = wb._rows(core)
            _, t_filter = timed(wb.row_mask, rows, middle, repeat=3)
            raw = wb.network([*core, *context], parties, detail.trips, max_nodes=10**9)
            _, t_fold = timed(fold, raw.nodes, raw.edges, keep=core[:40], repeat=3)
            links = [(e["source"], e["target"], e["amount"]) for e in net.edges]
            _, t_layout = timed(spring_layout, [n["id"] for n in net.nodes], links, repeat=3)
            metrics = {
                "open_s": t_open,
                "picture_s": t_picture,
                "picture_again_s": t_again,
                "expand_s": t_expand,
                "time_range_s": timings["time_range"],
                "channel_s": timings["channel"],
                "layout_s": t_layout,
                "folding_s": t_fold,
                "filtering_s": t_filter,
                "elements": float(len(net.nodes) + len(net.edges)),
                "elements_expanded": float(len(grown.nodes) + len(grown.edges)),
                "raw_elements": float(len(raw.nodes) + len(raw.edges)),
                "case_transactions": float(len(rows)),
                "accounts": float(len(core) + len(context)),
            }
            slowest = max(v for k, v in metrics.items() if k.endswith("_s") and k != "open_s")
            out.append(Measurement(f"workbench/cluster_{cid}", "moneytrail", size, slowest,
                                   metrics, "slowest interaction after the first load, "
                                   "2 shared cores"))  # fmt: skip
    out.extend(_browser_times())
    return out


def _moved(net: Any, node: str) -> float:
    return next((float(n["amount"]) for n in net.nodes if n["id"] == node), 0.0)


def _browser_times() -> list[Measurement]:
    """The headless-Chromium interaction times, when a run of the browser test wrote them."""
    path = os.environ.get(TIMES_ENV)
    if not path or not Path(path).exists():
        return []
    data = json.loads(Path(path).read_text())
    world = str(data.pop("world", ""))
    metrics = {k: float(v) for k, v in data.items()}
    return [Measurement("workbench/browser", "moneytrail", Path(world).name or "?",
                        max(metrics.values(), default=None), metrics,
                        "click to the picture redrawn and Streamlit idle, headless Chromium "
                        f"(tests/dashboard/test_browser_workbench.py on {world})")]  # fmt: skip
