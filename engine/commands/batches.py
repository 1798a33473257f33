"""``moneytrail batches``: list the uploads, show one with its rejected rows (and, with
``--conflicts``, its conflicting duplicates), take one back."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from engine.commands.options import HomeOption, StoreOption

batches_app = typer.Typer(
    help="List uploaded batches, show one with its rejected rows, or remove one.",
    no_args_is_help=True,
)
BatchId = Annotated[str, typer.Argument(help="Batch id, or its first characters (6 or more).")]


def _open(store: str | None, home: str | None):  # type: ignore[no-untyped-def]
    from engine.core.config import Settings
    from engine.store import open_store

    # the audit log of an EmbeddedStore lives in its folder (engine.security.audit)
    return open_store(settings=Settings.from_env(store=store, home=home))


@batches_app.command("list")
def list_batches(store: StoreOption = None, home: HomeOption = None) -> None:
    """Every batch, oldest first: id, file, format, who and when, rows kept and refused."""
    with _open(store, home) as opened:
        rows = opened.read_table("batches").sort_by("uploaded_at").to_pylist()
    if not rows:
        typer.echo("no batches")
        return
    typer.echo(
        "batch         uploaded (UTC)    accepted  rejected  duplicate  conflict  format    by"
        "  source"
    )
    for b in rows:
        typer.echo(
            f"{b['batch_id'][:12]}  {b['uploaded_at']:%Y-%m-%d %H:%M}  {b['rows_accepted']:>8,}"
            f"  {b['rows_rejected']:>8,}  {b['rows_duplicate']:>9,}  {b['rows_conflict']:>8,}"
            f"  {b['format']:<8}  {b['uploaded_by']}  {b['source']}"
        )


@batches_app.command("show")
def show(
    batch_id: BatchId,
    limit: Annotated[int, typer.Option(help="Rejected rows to list (0: all).")] = 100,
    quarantine: Annotated[
        str | None, typer.Option(help="Write all its rejected rows to this CSV.")
    ] = None,
    conflicts: Annotated[
        bool,
        typer.Option(
            "--conflicts",
            help="Also list its conflicting duplicates: rows whose key was stored already "
            "with other content, with the stored and the incoming values.",
        ),
    ] = False,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """One batch: its counts, the reasons rows were refused, and the rejected rows."""
    from rich.console import Console

    from engine.services.batches import batch_conflicts, batch_rejects, find_batch
    from loaders.quarantine import export_rejected

    with _open(store, home) as opened:
        row = find_batch(opened, batch_id)
        rejects = batch_rejects(opened, row["batch_id"])
        clashes = batch_conflicts(opened, row["batch_id"]) if conflicts else None
    console = Console(soft_wrap=True, emoji=False)
    console.print(f"batch {row['batch_id']}", markup=False, highlight=False)
    for key in ("source", "kind", "format", "uploaded_by", "uploaded_at", "rows_accepted",
                "rows_rejected", "rows_duplicate", "rows_conflict"):  # fmt: skip
        console.print(f"  {key}: {row[key]}", markup=False, highlight=False)
    for reason, n in sorted(json.loads(row["reasons"] or "{}").items(), key=lambda kv: -kv[1]):
        console.print(f"  refused {n:,}: {reason}", markup=False, highlight=False)
    shown = rejects if limit <= 0 else rejects.slice(0, limit)
    if shown.num_rows:
        console.print("  rejected rows (row, field, value, reason):", markup=False)
    for r in shown.to_pylist():
        console.print(f"  {r['row']:>8}  {r['field']}  {r['value']!r}  {r['reason']}",
                      markup=False, highlight=False)  # fmt: skip
    if shown.num_rows < rejects.num_rows:
        console.print(
            f"  ... {rejects.num_rows - shown.num_rows:,} more (--limit 0 or --quarantine)"
        )
    if clashes is not None:
        _print_conflicts(console, clashes, limit)
    if quarantine:
        with open(quarantine, "w", encoding="utf-8", newline="") as out:
            export_rejected(rejects, out)
        console.print(f"wrote {rejects.num_rows:,} rejected rows to {quarantine}", markup=False)


def _print_conflicts(console: Any, clashes: Any, limit: int) -> None:
    """Each conflicting duplicate: table, key, the batch whose row was kept, and every column
    that differs as ``stored -> incoming``."""
    if clashes.num_rows == 0:
        console.print("  no conflicting duplicates", markup=False)
        return
    console.print(
        f"  {clashes.num_rows:,} conflicting duplicates (key known with other content; the "
        "stored row was kept, the incoming one quarantined):",
        markup=False,
    )
    shown = clashes if limit <= 0 else clashes.slice(0, limit)
    for c in shown.to_pylist():
        stored, incoming = json.loads(c["stored"]), json.loads(c["incoming"])
        changes = "; ".join(
            f"{f}: {stored.get(f)!r} -> {incoming.get(f)!r}" for f in c["fields"].split(",") if f
        )
        console.print(
            f"  {c['table']} {c['key']!r} (kept from batch {str(c['stored_batch_id'])[:12]}): "
            f"{changes}",
            markup=False,
            highlight=False,
        )
    if shown.num_rows < clashes.num_rows:
        console.print(f"  ... {clashes.num_rows - shown.num_rows:,} more (--limit 0)")


@batches_app.command("remove")
def remove(
    batch_id: BatchId,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Take a batch back: its rows, its rejected rows and its record (audited; admin's job)."""
    from engine.security.auth import cli_user
    from engine.services.batches import find_batch, remove_batch

    with _open(store, home) as opened:
        row = find_batch(opened, batch_id)
        if not yes:
            typer.confirm(
                f"remove batch {row['batch_id'][:12]} ({row['source']}, "
                f"{row['rows_accepted']:,} rows) from {opened.describe()}?",
                abort=True,
            )
        receipt = remove_batch(opened, row["batch_id"], cli_user())
    rows = ", ".join(f"{n:,} {name}" for name, n in sorted(receipt.removed.items())) or "no rows"
    typer.echo(
        f"removed batch {receipt.batch_id[:12]} ({receipt.source}): {rows}, "
        f"{receipt.rejected:,} rejected rows, {receipt.conflicts:,} conflicting duplicates; "
        "run `moneytrail analyze` to refresh the results"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(batches_app, name="batches")
