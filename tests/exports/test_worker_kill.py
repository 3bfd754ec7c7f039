"""A real RQ worker on real Redis, killed with SIGKILL in the middle of an export.

The export's SELECT is held back by a table lock the test takes, so the kill lands while the
job is provably running (marked running, heartbeating, partial file open) — no sleeping for
timing. Afterwards the row is still ``running``: nothing in the dead process could change it.
Once its heartbeat (the claim's lease) is stale, a new worker's poll finds it claimable and
runs it again to ``done``: the database is the record of the work, not the dead job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from ticketing.exports import services

from ..stats.helpers import insert_tickets
from .conftest import export_row

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")),
        reason="needs PostgreSQL (a table lock holds the export mid-way) and real Redis "
        "(a real worker); the dead worker is simulated on every engine in test_jobs.py",
    ),
]


@pytest.fixture
def config_overrides():
    return {"JOBS_ASYNC": True}  # enqueue on real Redis; the worker subprocess runs the job


def wait_for(condition, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (RQ's work horse runs in its own process group)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_everything(worker: subprocess.Popen) -> None:
    """SIGKILL the worker, its work horse and scheduler: the machine running them died."""
    for pid in [*descendants(worker.pid), worker.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=30)


def test_sigkilled_workers_export_is_run_again_by_the_next_worker(
    app, client, database_url, redis_url, tmp_path
):
    insert_tickets(app, [{"subject": f"row {i}"} for i in range(20)])
    export_dir = Path(app.config["EXPORT_DIR"])
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EXPORT_DIR": str(export_dir),
        "EXPORT_HEARTBEAT_SECONDS": "0.2",
        "AUTO_CLASSIFY": "false",
        "LOG_LEVEL": "WARNING",
    }
    locker = sa.create_engine(database_url)
    lock = locker.connect()
    held = lock.begin()
    lock.execute(sa.text("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE"))
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "tickets", "worker", "--queue", "exports"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        export_id = client.post("/api/exports", json={}).get_json()["id"]
        running = wait_for(
            lambda: (
                (row := export_row(app, export_id)).status == "running"
                and row.heartbeat_at > row.started_at
                and row
            ),
            what="the worker to start the export and heartbeat",
        )
        assert wait_for(lambda: list(export_dir.glob(".partial-*.tmp")), what="the partial file")
        assert descendants(worker.pid), "the work horse is running"
        kill_everything(worker)
    finally:
        if worker.poll() is None:
            kill_everything(worker)
        held.rollback()
        lock.close()
        locker.dispose()
        log.close()

    # The dead worker could not record anything: still "running", heartbeat frozen.
    frozen = export_row(app, export_id)
    assert frozen.status == "running"
    assert frozen.heartbeat_at >= running.heartbeat_at

    # The partial file of the dead writer is removed once stale, and the next worker (its
    # poll finds the export claimable: no heartbeat for EXPORT_STALE_SECONDS) runs it again.
    log = (tmp_path / "worker2.log").open("w")
    env.update(EXPORT_STALE_SECONDS="1", WORKER_POLL_SECONDS="0.5")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "tickets", "worker", "--queue", "exports"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: export_row(app, export_id).status == "done",
            timeout=60,
            what="the next worker to run the export again",
        )
    finally:
        kill_everything(worker)
        log.close()
    done = client.get(f"/api/exports/{export_id}").get_json()
    assert done["status"] == "done" and done["row_count"] == 20
    assert export_row(app, export_id).attempts == 2
    assert client.get(f"/api/exports/{export_id}/download").status_code == 200
    app.config["EXPORT_STALE_SECONDS"] = 0.0
    with app.app_context():
        services.run_upkeep()
    assert not list(export_dir.glob(".partial-*.tmp"))
