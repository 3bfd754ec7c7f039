"""Export rules: create, list, claim/finish/fail (used by the job), and upkeep.

Services flush; the caller commits — except ``run_upkeep``, which is itself an entry point
(the CLI's ``exports prune`` and the worker's schedule call it with no arguments) and commits
after each step, because the files it deletes cannot be rolled back.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import func, or_, select, update

from ..core.errors import Conflict, Gone, NotFound
from ..core.events import note_access
from ..core.extensions import db
from ..core.pagination import Page, paginate
from ..core.redact import without_paths
from ..core.vocab import AccessAction, ExportStatus
from ..models import Export, utcnow
from ..tickets.schemas import TicketFilterQuery
from .csvwriter import ALLOWED_COLUMNS, DEFAULT_COLUMNS
from .stores import get_storage

log = logging.getLogger(__name__)

MAX_ERROR = 1_000


def validate_columns(columns: list[str] | None) -> list[str]:
    """The requested columns in the order given (duplicates dropped), or the default list."""
    if columns is None:
        return list(DEFAULT_COLUMNS)
    unknown = [c for c in columns if c not in ALLOWED_COLUMNS]
    if unknown:
        raise ValidationError(
            f"Unknown column(s): {', '.join(unknown)}; allowed: {', '.join(ALLOWED_COLUMNS)}.",
            "columns",
        )
    if not columns:
        raise ValidationError("Name at least one column.", "columns")
    return list(dict.fromkeys(columns))


def stored_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Validated filters in their query-string form (JSON-safe, shown back to the user)."""
    return TicketFilterQuery().dump(filters)


def loaded_filters(export: Export) -> dict[str, Any]:
    """The export's filters as ``filter_tickets`` takes them."""
    return TicketFilterQuery().load(export.filters or {})


def create_export(
    filters: dict[str, Any],
    columns: list[str] | None = None,
    q: str | None = None,
    created_by_id: int | None = None,
) -> Export:
    """A pending export of the tickets ``filters`` (and ``q``) select; the caller enqueues it."""
    filters = dict(filters)
    if q:
        filters["q"] = q
    export = Export(
        id=str(uuid.uuid4()),
        status="pending",
        filters=stored_filters(filters),
        columns=validate_columns(columns),
        created_by_id=created_by_id,
    )
    export.job_id = f"export-{export.id}"
    db.session.add(export)
    db.session.flush()
    note_access(AccessAction.EXPORT_CREATED, details=_described(export))
    return export


def _described(export: Export) -> dict[str, Any]:
    """What the access log keeps about an export: which data, in which columns."""
    return {"export_id": export.id, "filters": export.filters, "columns": export.columns}


def note_download(export: Export) -> None:
    """Log that the caller is downloading ``export`` (who, which filters, how many rows)."""
    note_access(
        AccessAction.EXPORT_DOWNLOADED,
        subject_id=export.created_by_id,
        details={**_described(export), "row_count": export.row_count},
    )


def parse_id(export_id: str) -> str | None:
    try:
        return str(uuid.UUID(str(export_id)))
    except ValueError:
        return None


def get_export(export_id: str, owner_id: int | None = None) -> Export:
    """One export; a malformed id, or one owned by someone else when ``owner_id`` is given,
    is simply not found."""
    key = parse_id(export_id)
    export = db.session.get(Export, key) if key else None
    if export is None or (owner_id is not None and export.created_by_id != owner_id):
        raise NotFound("Export")
    return export


def list_exports(page: int = 1, per_page: int = 25, owner_id: int | None = None) -> Page:
    """Most recent first; ``owner_id`` restricts to one user's exports."""
    stmt = select(Export).order_by(Export.created_at.desc(), Export.id.desc())
    if owner_id is not None:
        stmt = stmt.where(Export.created_by_id == owner_id)
    return paginate(stmt, page, per_page)


def file_name(export: Export) -> str:
    """``tickets-20261127T034440Z.csv``: when the export was asked for, in UTC."""
    return f"tickets-{export.created_at.strftime('%Y%m%dT%H%M%SZ')}.csv"


def storage_key(export: Export) -> str:
    return f"{export.id}.csv"


def downloadable_key(export: Export) -> str:
    """The stored file's key, or the error a download of this export must answer."""
    if export.status == "expired":
        raise Gone("This export has expired; start a new one.", code="export_expired")
    if export.status == "failed":
        raise Conflict(f"This export failed: {export.error}", code="export_failed")
    if export.status != "done" or not export.storage_key:
        raise Conflict(
            f"This export is {export.status}; download it once it is done.",
            code="export_not_ready",
        )
    try:
        present = get_storage().exists(export.storage_key)
    except ValueError:  # a key that would leave the storage root: never served
        log.error("export %s has an unsafe storage key %r", export.id, export.storage_key)
        raise NotFound("Export file") from None
    if not present:
        raise Gone("This export's file is no longer available.", code="export_expired")
    return export.storage_key


# --------------------------------------------------------------------------- job state


def stale_cutoff(now: datetime | None = None) -> datetime:
    seconds = float(current_app.config["EXPORT_STALE_SECONDS"])
    return (now or utcnow()) - timedelta(seconds=seconds)


def max_attempts() -> int:
    return max(1, int(current_app.config["EXPORT_MAX_ATTEMPTS"]))


def _unclaimed(now: datetime):
    """Pending, or running without a live claim (its heartbeat — the lease — ran out)."""
    last_beat = func.coalesce(Export.heartbeat_at, Export.started_at, Export.created_at)
    return or_(
        Export.status == ExportStatus.PENDING,
        (Export.status == ExportStatus.RUNNING) & (last_beat < stale_cutoff(now)),
    )


def claimable(now: datetime | None = None):
    """The SQL condition of an export any worker may (re)run now."""
    return _unclaimed(now or utcnow()) & (Export.attempts < max_attempts())


def claimable_ids(limit: int = 20) -> list[str]:
    """Exports waiting for a worker, oldest first (the database is the record of the work)."""
    return list(
        db.session.scalars(
            select(Export.id).where(claimable()).order_by(Export.created_at).limit(limit)
        )
    )


def claim_export(export_id: str) -> bool:
    """Mark the export running if it is pending, or running with a dead heartbeat (its
    worker died), while it has attempts left.

    One conditional UPDATE, so two workers given the same export cannot both run it.
    """
    now = utcnow()
    result = db.session.execute(
        update(Export)
        .where(Export.id == export_id, claimable(now))
        .values(
            status="running",
            started_at=now,
            heartbeat_at=now,
            attempts=Export.attempts + 1,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def finish_export(export_id: str, key: str, rows: int, size: int, duration_ms: int) -> bool:
    """Record a complete file; False when the export is no longer ours (upkeep failed it)."""
    now = utcnow()
    ttl = timedelta(hours=float(current_app.config["EXPORT_TTL_HOURS"]))
    result = db.session.execute(
        update(Export)
        .where(Export.id == export_id, Export.status == "running")
        .values(
            status="done",
            storage_key=key,
            row_count=rows,
            size_bytes=size,
            duration_ms=duration_ms,
            finished_at=now,
            heartbeat_at=now,
            expires_at=now + ttl,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def fail_export(export_id: str, reason: str, duration_ms: int | None = None) -> None:
    """Record why the export failed (only while it is still pending or running)."""
    db.session.execute(
        update(Export)
        .where(
            Export.id == export_id, Export.status.in_((ExportStatus.PENDING, ExportStatus.RUNNING))
        )
        .values(
            status="failed",
            error=without_paths(reason)[:MAX_ERROR],  # shown to clients: no server paths
            duration_ms=duration_ms,
            finished_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


def heartbeat(connection, export_id: str) -> None:
    """Refresh the export's heartbeat on ``connection`` (the job's side connection)."""
    connection.execute(
        update(Export)
        .where(Export.id == export_id, Export.status == "running")
        .values(heartbeat_at=utcnow())
    )


# --------------------------------------------------------------------------- upkeep


def _prune_expired(now: datetime) -> tuple[int, int]:
    storage = get_storage()
    expired = files = 0
    due = db.session.scalars(
        select(Export).where(Export.status == "done", Export.expires_at <= now)
    ).all()
    for export in due:
        if export.storage_key:
            if storage.exists(export.storage_key):
                files += 1
            storage.delete(export.storage_key)
        export.status = "expired"
        expired += 1
        db.session.commit()
    return expired, files


def _fail_exhausted(now: datetime) -> int:
    """Exports whose worker died ``EXPORT_MAX_ATTEMPTS`` times: failed, with why. (One with
    attempts left is not failed: a worker runs it again.)"""
    stale = db.session.scalars(
        select(Export).where(_unclaimed(now), Export.attempts >= max_attempts())
    ).all()
    for export in stale:
        last = export.heartbeat_at or export.started_at or export.created_at
        fail_export(
            export.id,
            f"The export worker stopped {export.attempts} time(s) (no heartbeat since "
            f"{last.isoformat()}); start the export again.",
        )
        log.warning("export %s failed by upkeep: no heartbeat since %s", export.id, last)
    db.session.commit()
    return len(stale)


def run_upkeep() -> dict[str, int]:
    """Expire old files, fail exports whose workers died too often, remove abandoned partial
    files. (Exports waiting without a live claim are rung for a worker by the exports poll.)

    Returns what it did: ``expired`` (rows marked expired), ``files_deleted``,
    ``stale_failed`` (no heartbeat for EXPORT_STALE_SECONDS after EXPORT_MAX_ATTEMPTS runs)
    and ``partials_removed`` (temp files of dead writers).
    """
    now = utcnow()
    expired, files = _prune_expired(now)
    stale = _fail_exhausted(now)
    partials = 0
    remove_partials = getattr(get_storage(), "remove_partials", None)
    if remove_partials is not None:
        partials = remove_partials(float(current_app.config["EXPORT_STALE_SECONDS"]))
    report = {
        "expired": expired,
        "files_deleted": files,
        "stale_failed": stale,
        "partials_removed": partials,
    }
    log.info("export upkeep: %s", report)
    return report
