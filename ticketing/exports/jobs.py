"""The export job: write the CSV of an export's filters into storage, record the outcome.

Idempotent: it claims the row with one conditional UPDATE (pending → running), so a second
run of the same job — RQ retry, duplicate enqueue — finds it taken or finished and does
nothing. While it writes, a side thread refreshes ``heartbeat_at`` every
``EXPORT_HEARTBEAT_SECONDS`` on its own connection; if the worker dies, the heartbeat stops
and ``run_upkeep`` fails the export after ``EXPORT_STALE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

from flask import current_app
from sqlalchemy import Engine

from ..core import jobs
from ..core.errors import QueueUnavailable
from ..core.extensions import db
from ..core.redact import failure_reason
from ..models import Export
from . import services
from .csvwriter import write_csv
from .stores import get_storage

log = logging.getLogger(__name__)

QUEUE = "exports"
DRAIN_BELL = "exports-drain"


class Heartbeat:
    """A daemon thread that stamps ``heartbeat_at`` while the export is being written."""

    def __init__(self, engine: Engine, export_id: str, interval: float) -> None:
        self.engine = engine
        self.export_id = export_id
        self.interval = max(0.05, interval)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{export_id}", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    services.heartbeat(connection, self.export_id)
            except Exception:  # noqa: BLE001 - a missed beat must not kill the export
                log.warning("export %s: heartbeat failed", self.export_id, exc_info=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def run_export(export_id: str) -> str:
    """Write export ``export_id``'s CSV; returns the export's final status."""
    config = current_app.config
    if not services.claim_export(export_id):
        db.session.rollback()
        export = db.session.get(Export, export_id)
        status = export.status if export else "missing"
        log.info("export %s: nothing to do (status %s)", export_id, status)
        return status
    db.session.commit()  # "running" is visible before the long read starts
    export = db.session.get(Export, export_id)
    log.info("export %s: started (attempt %s)", export_id, export.attempts)
    started = time.monotonic()
    storage = get_storage()
    key = services.storage_key(export)
    try:
        filters = services.loaded_filters(export)
        columns = list(export.columns)
        interval = float(config["EXPORT_HEARTBEAT_SECONDS"])
        with Heartbeat(db.engine, export_id, interval), storage.writer(key) as handle:
            rows = write_csv(handle, filters, columns, use_copy=config["EXPORT_USE_COPY"])
        db.session.rollback()  # end the read snapshot
        size = storage.size(key)
        elapsed = int((time.monotonic() - started) * 1000)
        if not services.finish_export(export_id, key, rows, size, elapsed):
            db.session.rollback()
            storage.delete(key)
            log.warning("export %s: finished after upkeep failed it; file removed", export_id)
            return "failed"
        db.session.commit()
    except Exception as err:
        db.session.rollback()
        elapsed = int((time.monotonic() - started) * 1000)
        services.fail_export(export_id, failure_reason(err), elapsed)
        db.session.commit()
        log.exception("export %s: failed", export_id)
        raise
    log.info("export %s: done, %s rows, %s bytes in %s ms", export_id, rows, size, elapsed)
    return "done"


def enqueue_export(export_id: str, job_id: str) -> None:
    """Queue the export job (after the export is committed). When the queue is down the
    export is marked failed (the caller commits) and ``QueueUnavailable`` raised."""
    try:
        jobs.enqueue(
            QUEUE,
            run_export,
            export_id,
            job_id=job_id,
            job_timeout=int(current_app.config["EXPORT_JOB_TIMEOUT"]),
            result_ttl=3600,
        )
    except QueueUnavailable as err:
        log.error("export %s: could not enqueue: %s", export_id, err)
        services.fail_export(export_id, err.message)
        raise


def drain_exports(hint: str | None = None) -> dict[str, int]:
    """The bell's job: run every export waiting without a live claim (pending whose job was
    lost, or running whose worker died), oldest first, until none is left or
    ``EXPORT_DRAIN_SECONDS`` pass. Each is claimed by ``run_export``'s conditional UPDATE, so
    two drains (or a drain and the export's own job) never write the same export twice."""
    jobs.answer_bell(DRAIN_BELL)
    report = {"ran": 0, "done": 0}
    tried: set[str] = set()
    while True:
        waiting = [i for i in services.claimable_ids() if i not in tried]
        db.session.rollback()
        if not waiting:
            break
        for export_id in waiting:
            tried.add(export_id)
            report["ran"] += 1
            try:
                if run_export(export_id) == "done":
                    report["done"] += 1
            except Exception:  # noqa: BLE001 - recorded on the row; the next one runs
                db.session.rollback()
    log.info("exports drain: %s", report)
    return report


def ring_waiting_exports() -> dict[str, int]:
    """Poll and upkeep: ring the exports drain when exports wait without a live claim (a job
    Redis lost, a worker that died) — the database is the record, Redis only the bell."""
    waiting = len(services.claimable_ids(limit=1000))
    db.session.rollback()
    if waiting:
        try:
            jobs.ring(
                QUEUE,
                drain_exports,
                DRAIN_BELL,
                job_timeout=int(current_app.config["EXPORT_JOB_TIMEOUT"]),
                result_ttl=600,
                description="run exports waiting without a worker",
            )
        except QueueUnavailable:
            log.warning("exports: %s waiting, the queue is down; rung again later", waiting)
    return {"waiting": waiting}
