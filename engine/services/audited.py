"""The investigator's journeys, each checked against the user's role and recorded once.

:class:`AuditedSession` wraps the engine services a person uses (ingest, the workbench's
cluster, entity, search and path queries, case-file export, decisions and casework) so that every call first checks
:func:`engine.security.auth.require` and then leaves exactly one entry in the audit log. Reads record
*before* the data is returned, so if the log cannot be written the data is not shown (fail
closed). The dashboard's actions and the CLI call these instead of the raw services: the CLI as
:func:`engine.security.auth.cli_user` (the operating-system user), the dashboard as the
signed-in user.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Any

from engine.core.errors import InputError
from engine.security import auth
from engine.security.audit import AuditTrail, open_audit_log

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import pandas as pd

    from engine.core.config import Settings
    from engine.queries import ClusterDetail, EntityDetail, Workbench
    from engine.services.ingest import IngestReport
    from engine.services.pipeline import RunSummary
    from engine.store.base import Store


class AuditedSession:
    """One user's access to a store: role checks and audit entries around each journey.

    Parameters
    ----------
    user:
        The signed-in user.
    store:
        The store to read and write.
    workbench:
        The query layer over ``store`` (built on first use when not given).
    log:
        The audit log (default: the one kept with ``store``: the file in the EmbeddedStore's
        folder, the ``(:AuditEntry)`` chain in the database for Neo4j).
    settings:
        The program's settings (where the log lives when they name one explicitly).
    """

    def __init__(
        self,
        user: auth.User,
        store: Store,
        *,
        workbench: Workbench | None = None,
        log: AuditTrail | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.user = user
        self.store = store
        self._workbench = workbench
        self.log = log or open_audit_log(store, settings=settings)

    @property
    def workbench(self) -> Workbench:
        if self._workbench is None:
            from engine.queries import Workbench

            self._workbench = Workbench(self.store)
        return self._workbench

    def _record(self, action: str, target: str, **details: Any) -> None:
        self.log.record(self.user, action, target, **details)

    def _require(self, action: str) -> None:
        """Raise AccessDenied (after recording the refusal) unless the role allows ``action``."""
        if not auth.allowed(self.user, action):
            self._record("access_denied", action, role=self.user.role)
            auth.require(self.user, action)

    def record(self, action: str, target: str = "", **details: Any) -> None:
        """Check the role for ``action`` and record it: for what a caller shows from data it
        already holds (a page rerun showing a cluster it has cached)."""
        self._require(action)
        self._record(action, target, **details)

    # -- journeys ----------------------------------------------------------------------------

    def analyze(
        self, runner: Callable[..., RunSummary] | None = None, **options: Any
    ) -> RunSummary:
        """Run the analysis over the whole store (``analyze``); one entry with the run id and
        the counts, or ``analyze_failed`` with the error when it stops. ``runner`` is the
        engine (default :func:`engine.services.pipeline.analyze`; the Spark engine passes
        :func:`engine.services.spark.engine.analyze_spark`)."""
        from engine.core.errors import MoneytrailError
        from engine.services.pipeline import analyze

        self._require("analyze")
        try:
            summary = (runner or analyze)(self.store, **options)
        except MoneytrailError as exc:
            self._record("analyze_failed", "store", error=str(exc))
            raise
        self._record(
            "analyze",
            f"run:{summary.run_id}",
            transactions=summary.n_transactions,
            accounts=summary.n_accounts,
            clusters=summary.n_clusters,
        )
        if self._workbench is not None:
            self._workbench.refresh()
        return summary

    def clusters(self, top: int, lister: Callable[[Store, int], Sequence[Any]]) -> Sequence[Any]:
        """The ``top`` ranked clusters (``view_cluster``), read by ``lister``; one entry naming
        how many were listed."""
        self._require("view_cluster")
        self._record("list_clusters", "clusters", top=int(top))
        return lister(self.store, int(top))

    def manage_user(self, change: str, name: str, apply: Callable[[], Any], **details: Any) -> Any:
        """Change a user (``manage_users``): the entry is written first, so a change is never
        made when it cannot be recorded; ``apply`` makes the change and its result is returned.
        A change that fails after the entry is recorded as ``manage_users_failed``."""
        self._require("manage_users")
        self._record("manage_users", f"user:{name}", change=change, **details)
        try:
            return apply()
        except Exception as exc:
            self._record("manage_users_failed", f"user:{name}", change=change, error=str(exc))
            raise

    def ingest(self, path: str | os.PathLike[str], **options: Any) -> IngestReport:
        """Upload one file (``upload``); one entry with the batch id and the row counts.

        A file the loaders refuse is recorded as ``upload_refused`` and the error re-raised.
        """
        from engine.services.ingest import ingest_file, sanitise_source_name

        self._require("upload")
        options.setdefault("uploaded_by", self.user.name)
        try:
            report = ingest_file(self.store, path, **options)
        except InputError as exc:
            source = sanitise_source_name(options.get("source_name") or os.fspath(path))
            self._record("upload_refused", source, error=str(exc))
            raise
        self._record(
            "upload",
            f"batch:{report.batch_id}",
            source=report.source,
            status=report.status,
            format=report.format,
            accepted=report.accepted,
            rejected=report.rejected,
            duplicate=report.duplicate,
            conflicts=report.conflicts,
        )
        if self._workbench is not None:
            self._workbench.refresh()
        return report

    def ingest_paths(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        progress_for: Callable[[Any], Any] | None = None,
        **options: Any,
    ) -> list[IngestReport]:
        """Upload several files (folders expanded), each as in :meth:`ingest`: one entry per
        file; a refused file gets a ``refused`` report and does not stop the others."""
        from engine.services.ingest import ingest_paths

        self._require("upload")
        return ingest_paths(
            self.store, paths, progress_for=progress_for, ingest=self.ingest, **options
        )

    def decide(
        self, entity_id: str, decision: str, reason: str, *, kind: str = "account",
        members: list[str] | None = None, run_id: str | None = None,
    ) -> int:  # fmt: skip
        """Record an investigator's decision about an account or a case (``record_decision``);
        one entry naming the decision, its reason and how many rows it stored."""
        from engine.services.feedback import record_decision

        self._require("record_decision")
        rows = record_decision(
            self.store, entity_id, decision, reason=reason, decided_by=self.user.name,
            kind=kind, members=members or [], run_id=run_id,
        )  # fmt: skip
        target = f"cluster:{entity_id}" if kind == "case" else f"entity:{entity_id}"
        self._record("record_decision", target, decision=decision, reason=reason,
                     rows=rows.num_rows)  # fmt: skip
        return rows.num_rows

    def add_note(self, kind: str, entity_id: str, text: str) -> str:
        """Add a note about a case or an entity (``annotate``); one entry naming the note (its
        id and length, not its text). Returns the note's id."""
        from engine.services import casework

        self._require("annotate")
        row = casework.add_note(self.store, kind, entity_id, text, author=self.user.name)
        entry = row["entry_id"][0].as_py()
        self._record("add_note", _work_target(kind, entity_id), note=entry,
                     chars=len(row["value"][0].as_py()))  # fmt: skip
        return str(entry)

    def set_status(self, kind: str, entity_id: str, status: str) -> None:
        """Set the workflow status of a case or an entity (``annotate``); one entry."""
        from engine.services import casework

        self._require("annotate")
        casework.set_status(self.store, kind, entity_id, status, author=self.user.name)
        self._record("set_status", _work_target(kind, entity_id), status=status)

    def assign(self, kind: str, entity_id: str, assignee: str | None) -> None:
        """Assign a case or an entity to an enabled user, or unassign it (``None``)
        (``annotate``); one entry."""
        from engine.services import casework

        self._require("annotate")
        name = (assignee or "").strip() or None
        if name is not None:
            user = auth.UserDirectory().get(name)
            if user is None or user.disabled:
                raise InputError(f"{name!r} is not an enabled user", field="assignee")
        casework.assign(self.store, kind, entity_id, name, author=self.user.name)
        self._record("assign", _work_target(kind, entity_id), assignee=name)

    def import_feedback(self, path: str | os.PathLike[str]) -> Any:
        """Load a file of past decisions (``record_decision``); one entry with the outcome."""
        from engine.services.feedback import import_feedback

        self._require("record_decision")
        report = import_feedback(self.store, path, decided_by=self.user.name)
        self._record("feedback_import", f"batch:{report.batch_id}", source=report.source,
                     status=report.status, accepted=report.accepted,
                     rejected=report.rejected)  # fmt: skip
        return report

    def cluster(self, cluster_id: int) -> ClusterDetail:
        """Open one cluster (``view_cluster``)."""
        self._require("view_cluster")
        self._record("view_cluster", f"cluster:{int(cluster_id)}")
        return self.workbench.cluster_detail(int(cluster_id))

    def entity(self, entity_id: str) -> EntityDetail:
        """Open one account or person (``view_entity``)."""
        self._require("view_entity")
        self._record("view_entity", f"entity:{entity_id}")
        return self.workbench.entity_detail(entity_id)

    def search(self, text: str, limit: int = 20) -> pd.DataFrame:
        """Search accounts and people by id, name, document or phone (``search``)."""
        self._require("search")
        hits = self.workbench.search(text, limit=limit)
        self._record("search", text, hits=len(hits))
        return hits

    def paths(self, source: str, target: str) -> dict[str, pd.DataFrame]:
        """Shortest and time-respecting paths between two entities (``follow_money``)."""
        self._require("follow_money")
        self._record("follow_money", f"{source} -> {target}")
        return {
            "shortest": self.workbench.shortest_path(source, target),
            "time_respecting": self.workbench.time_respecting_path(source, target),
        }

    def trace(self, entity_id: str, direction: str = "forward", hops: int = 4) -> pd.DataFrame:
        """Trace money forward or backward from one entity (``follow_money``)."""
        self._require("follow_money")
        self._record("trace", f"entity:{entity_id}", direction=direction, hops=hops)
        return self.workbench.trace(entity_id, direction, hops)

    def export(
        self,
        *,
        cluster_id: int | None = None,
        entity_id: str | None = None,
        identified: bool = False,
    ) -> bytes:
        """A case-file ZIP; pseudonymised unless ``identified`` (which needs
        ``export_identified``). One entry with the file's SHA-256, so a copy found later can be
        traced to who exported it."""
        from engine.services.case_scrubber import pseudonymised_case_file
        from engine.services.export import case_file

        self._require("export_identified" if identified else "export")
        build = case_file if identified else pseudonymised_case_file
        data = build(self.workbench, cluster_id=cluster_id, entity_id=entity_id)
        target = f"cluster:{cluster_id}" if cluster_id is not None else f"entity:{entity_id}"
        self._record(
            "export_identified" if identified else "export",
            target,
            pseudonymised=not identified,
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        return data


def _work_target(kind: str, entity_id: str) -> str:
    """The audit target of casework: ``cluster:<id>`` for a case (as its views and
    decisions), ``entity:<id>`` otherwise."""
    return f"cluster:{entity_id}" if kind == "case" else f"entity:{entity_id}"
