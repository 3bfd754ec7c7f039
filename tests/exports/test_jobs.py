"""The export job and upkeep: outcomes recorded on the row, idempotence, concurrency,
expiry, dead workers, abandoned partial files."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ticketing.core.extensions import db
from ticketing.exports import services
from ticketing.exports.jobs import Heartbeat, run_export
from ticketing.models import Export, utcnow

from ..stats.helpers import insert_tickets
from .conftest import export_row, parse_csv


def run(app, export_id: str) -> str:
    with app.app_context():
        return run_export(export_id)


def file_of(app, export_id: str) -> Path:
    return Path(app.config["EXPORT_DIR"]) / f"{export_id}.csv"


def test_the_rows_are_those_selected_when_the_job_runs(app, pending_export):
    insert_tickets(app, [{"subject": "Before", "status": "open"}])
    export_id = pending_export({"status": ["open"]})
    insert_tickets(
        app, [{"subject": "After", "status": "open"}, {"subject": "X", "status": "closed"}]
    )
    assert run(app, export_id) == "done"
    _, rows = parse_csv(file_of(app, export_id).read_bytes())
    assert [r["subject"] for r in rows] == ["Before", "After"]
    done = export_row(app, export_id)
    assert (done.row_count, done.size_bytes) == (2, file_of(app, export_id).stat().st_size)
    assert done.duration_ms is not None and done.duration_ms >= 0
    assert done.attempts == 1 and done.started_at and done.finished_at and done.heartbeat_at


def test_running_the_job_twice_does_the_work_once(app, pending_export):
    insert_tickets(app, [{"subject": "One"}])
    export_id = pending_export()
    assert run(app, export_id) == "done"
    first = file_of(app, export_id).stat()
    insert_tickets(app, [{"subject": "Two"}])
    assert run(app, export_id) == "done"  # second delivery of the same job: nothing to do
    again = export_row(app, export_id)
    assert again.attempts == 1 and again.row_count == 1
    assert file_of(app, export_id).stat().st_mtime_ns == first.st_mtime_ns


def test_a_job_for_a_deleted_export_does_nothing(app):
    assert run(app, "5a0b4b6e-7f6e-4d7e-9a64-000000000000") == "missing"


def test_a_failing_job_ends_failed_with_the_reason(app, client, make_ticket, tmp_path):
    make_ticket()
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    app.extensions["export_storage"].root = blocker  # writes cannot create files here
    response = client.post("/api/exports", json={})
    assert response.status_code == 202  # the request succeeded; the job failed
    export = client.get(response.get_json()["status_url"]).get_json()
    assert export["status"] == "failed"
    assert "FileExistsError" in export["error"] or "NotADirectoryError" in export["error"]
    assert export["download_url"] is None and export["row_count"] is None
    assert export["finished_at"] and export["duration_ms"] is not None
    assert client.get(response.get_json()["status_url"] + "/download").status_code == 409


def test_a_database_error_mid_export_fails_it_and_leaves_no_file(app, pending_export, monkeypatch):
    from ticketing.exports import jobs

    insert_tickets(app, [{"subject": "x"}])
    export_id = pending_export()

    def broken(handle, *args, **kwargs):
        handle.write(b"half a file")
        raise RuntimeError("connection lost")

    monkeypatch.setattr(jobs, "write_csv", broken)
    with pytest.raises(RuntimeError):
        run(app, export_id)  # re-raised so RQ records the failure too
    failed = export_row(app, export_id)
    assert failed.status == "failed"
    assert failed.error == "RuntimeError: connection lost"
    assert list(Path(app.config["EXPORT_DIR"]).iterdir()) == []  # no half-written file


def test_two_exports_at_once(app, pending_export):
    insert_tickets(
        app, [{"subject": f"t{i}", "status": "open" if i % 2 else "closed"} for i in range(40)]
    )
    first = pending_export({"status": ["open"]})
    second = pending_export({"status": ["closed"]}, columns=["id", "status"])
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def worker(export_id):
        barrier.wait()
        results[export_id] = run(app, export_id)

    threads = [threading.Thread(target=worker, args=(x,)) for x in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {first: "done", second: "done"}
    _, open_rows = parse_csv(file_of(app, first).read_bytes())
    header, closed_rows = parse_csv(file_of(app, second).read_bytes())
    assert len(open_rows) == 20 and {r["status"] for r in open_rows} == {"open"}
    assert header == ["id", "status"] and len(closed_rows) == 20
    assert {r["status"] for r in closed_rows} == {"closed"}


def test_heartbeat_advances_while_the_export_runs(app, pending_export):
    export_id = pending_export(status="running", heartbeat_at=utcnow() - timedelta(hours=1))
    before = export_row(app, export_id).heartbeat_at
    with app.app_context(), Heartbeat(db.engine, export_id, 0.05):
        deadline = time.monotonic() + 10
        while export_row(app, export_id).heartbeat_at == before:
            assert time.monotonic() < deadline, "no heartbeat within 10 s"
            time.sleep(0.05)
    assert export_row(app, export_id).heartbeat_at > before


# ----------------------------------------------------------------------------- upkeep


def upkeep(app) -> dict:
    with app.app_context():
        return services.run_upkeep()


def test_prune_deletes_expired_files_and_marks_them_expired(app, client, make_ticket):
    make_ticket()
    old = client.post("/api/exports", json={}).get_json()["id"]
    fresh = client.post("/api/exports", json={}).get_json()["id"]
    with app.app_context():
        db.session.get(Export, old).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert file_of(app, old).exists()
    report = upkeep(app)
    assert report["expired"] == 1 and report["files_deleted"] == 1
    assert not file_of(app, old).exists()
    assert file_of(app, fresh).exists()
    item = client.get(f"/api/exports/{old}").get_json()
    assert item["status"] == "expired" and item["download_url"] is None
    assert client.get(f"/api/exports/{old}/download").status_code == 410
    assert client.get(f"/api/exports/{fresh}/download").status_code == 200
    assert upkeep(app)["expired"] == 0  # nothing left to do


def ring_waiting(app) -> dict:
    from ticketing.exports import jobs

    with app.app_context():
        return jobs.ring_waiting_exports()


def test_a_dead_workers_export_is_run_again_not_left_running(app, client, pending_export):
    """The worker died mid-export: its heartbeat (the claim's lease) stopped. The export is
    claimable again and the next worker runs it (in-process: the ring runs it at once)."""
    insert_tickets(app, [{"subject": "x"}])
    stale_seconds = app.config["EXPORT_STALE_SECONDS"]
    dead = pending_export(
        status="running",
        attempts=1,
        started_at=utcnow() - timedelta(seconds=stale_seconds + 120),
        heartbeat_at=utcnow() - timedelta(seconds=stale_seconds + 60),
    )
    alive = pending_export(status="running", attempts=1, started_at=utcnow(), heartbeat_at=utcnow())
    assert upkeep(app)["stale_failed"] == 0  # attempts left: not failed
    assert ring_waiting(app) == {"waiting": 1}
    again = client.get(f"/api/exports/{dead}").get_json()
    assert again["status"] == "done" and export_row(app, dead).attempts == 2
    assert client.get(f"/api/exports/{dead}/download").status_code == 200
    assert client.get(f"/api/exports/{alive}").get_json()["status"] == "running"
    assert ring_waiting(app) == {"waiting": 0}


def test_an_export_whose_workers_keep_dying_is_failed_at_last(app, client, pending_export):
    stale_seconds = app.config["EXPORT_STALE_SECONDS"]
    dead = pending_export(
        status="running",
        attempts=app.config["EXPORT_MAX_ATTEMPTS"],
        started_at=utcnow() - timedelta(seconds=stale_seconds + 120),
        heartbeat_at=utcnow() - timedelta(seconds=stale_seconds + 60),
    )
    assert ring_waiting(app) == {"waiting": 0}  # no attempts left
    assert upkeep(app)["stale_failed"] == 1
    failed = client.get(f"/api/exports/{dead}").get_json()
    assert failed["status"] == "failed" and "worker stopped" in failed["error"]


def test_a_job_finishing_after_upkeep_failed_it_keeps_it_failed(app, pending_export, monkeypatch):
    from ticketing.exports import jobs

    insert_tickets(app, [{"subject": "slow"}])
    export_id = pending_export()
    real = jobs.write_csv

    def slow_then_upkeep(*args, **kwargs):
        rows = real(*args, **kwargs)
        with app.app_context():  # meanwhile upkeep decided the worker was dead
            services.fail_export(export_id, "The export worker stopped (no heartbeat)")
            db.session.commit()
        return rows

    monkeypatch.setattr(jobs, "write_csv", slow_then_upkeep)
    assert run(app, export_id) == "failed"
    assert export_row(app, export_id).status == "failed"
    assert not file_of(app, export_id).exists()


def test_a_stale_running_export_can_be_claimed_again(app, pending_export):
    insert_tickets(app, [{"subject": "x"}])
    export_id = pending_export(
        status="running", attempts=1, heartbeat_at=utcnow() - timedelta(days=1)
    )
    assert run(app, export_id) == "done"  # an RQ retry after the worker died
    assert export_row(app, export_id).attempts == 2


def test_a_pending_export_whose_job_vanished_is_run_by_a_worker(app, pending_export):
    insert_tickets(app, [{"subject": "x"}])
    lost = pending_export(created_at=utcnow() - timedelta(hours=2))  # never enqueued
    assert ring_waiting(app) == {"waiting": 1}
    assert export_row(app, lost).status == "done"


def test_upkeep_removes_abandoned_partial_files_only(app, pending_export):
    root = Path(app.config["EXPORT_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    abandoned = root / ".partial-dead.tmp"
    in_progress = root / ".partial-live.tmp"
    keep = root / "keep.csv"
    for path in (abandoned, in_progress, keep):
        path.write_bytes(b"x")
    old = time.time() - app.config["EXPORT_STALE_SECONDS"] - 60
    os.utime(abandoned, (old, old))
    os.utime(keep, (old, old))
    assert upkeep(app)["partials_removed"] == 1
    assert not abandoned.exists() and in_progress.exists() and keep.exists()


def test_upkeep_on_an_empty_system(app):
    assert upkeep(app) == {
        "expired": 0,
        "files_deleted": 0,
        "stale_failed": 0,
        "partials_removed": 0,
    }
    with app.app_context():
        assert db.session.scalars(select(Export)).all() == []


def test_upkeep_still_runs_when_the_queue_is_down(app, pending_export, monkeypatch):
    from ticketing.core import jobs
    from ticketing.core.errors import QueueUnavailable

    def down(*args, **kwargs):
        raise QueueUnavailable()

    monkeypatch.setattr(jobs, "ring", down)
    old = pending_export(created_at=utcnow() - timedelta(hours=2))
    stale = pending_export(
        status="running",
        attempts=app.config["EXPORT_MAX_ATTEMPTS"],
        heartbeat_at=utcnow() - timedelta(hours=2),
    )
    report = upkeep(app)
    assert report["stale_failed"] == 1
    assert ring_waiting(app) == {"waiting": 1}  # the bell could not ring: it waits, recorded
    assert export_row(app, old).status == "pending"
    assert export_row(app, stale).status == "failed"
