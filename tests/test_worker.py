"""The worker process: warm shutdown (finish or requeue), upkeep scheduling, job ids in logs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import fakeredis
import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.worker import Worker

from ticketing.core import upkeep
from ticketing.core import worker as worker_module
from ticketing.core.worker import UPKEEP_KEY, make_worker

from .conftest import IN_CI, ROOT
from .worker_jobs import slow_job

needs_redis = pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL") and not IN_CI,
    reason="needs real Redis (TEST_REDIS_URL): the worker forks, fakeredis stays in one process",
)


# --- upkeep scheduling (in-process, any Redis) -------------------------------------------


@pytest.fixture
def upkeep_calls(app) -> list[int]:
    """The app's upkeep tasks replaced by one that counts its runs."""
    calls: list[int] = []

    def run_upkeep() -> dict:
        calls.append(1)
        return {"pruned": len(calls)}

    app.extensions["upkeep"] = {}
    upkeep.register(app, "exports", run_upkeep)
    return calls


@pytest.fixture
def fake_conn() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(server=fakeredis.FakeServer())


def build_worker(app, connection, interval: int, poll: float = 0):
    app.extensions["jobs"].connection = connection
    for name in list(app.extensions["jobs"].queues):
        app.extensions["jobs"].queues[name] = Queue(
            name, connection=connection, job_class=app.extensions["jobs"].job_class
        )
    app.config["UPKEEP_INTERVAL_SECONDS"] = interval
    app.config["WORKER_POLL_SECONDS"] = poll
    return make_worker(app)


def test_one_worker_per_interval_schedules_the_upkeep(app, fake_conn, upkeep_calls):
    first = build_worker(app, fake_conn, interval=600)
    second = build_worker(app, fake_conn, interval=600)
    job_id = first.schedule_upkeep()
    assert job_id is not None
    assert second.schedule_upkeep() is None  # the other worker sees the interval is taken
    assert first.schedule_upkeep() is None
    assert 0 < fake_conn.ttl(UPKEEP_KEY) <= 600
    queue = app.extensions["jobs"].queues["upkeep"]
    assert queue.job_ids == [job_id]
    # The queued job runs the exports upkeep inside the app context.
    job = queue.fetch_job(job_id)
    assert job.perform() == {"exports": {"pruned": 1}}
    assert upkeep_calls == [1]
    # Once the interval has passed (the key expired), the next maintenance pass schedules again.
    second.last_cleaned_at = datetime.now(UTC)
    assert not second.should_run_maintenance_tasks
    fake_conn.delete(UPKEEP_KEY)
    assert second.should_run_maintenance_tasks
    assert second.schedule_upkeep() is not None
    assert len(queue.job_ids) == 2


def test_upkeep_can_be_switched_off(app, fake_conn, upkeep_calls):
    worker = build_worker(app, fake_conn, interval=0)
    assert worker.schedule_upkeep() is None
    assert app.extensions["jobs"].queues["upkeep"].job_ids == []
    assert worker.dequeue_timeout == 405  # rq's own blocking wait, not shortened


def test_worker_wakes_at_least_once_per_upkeep_interval(app, fake_conn, upkeep_calls):
    assert build_worker(app, fake_conn, interval=30).dequeue_timeout == 30
    assert build_worker(app, fake_conn, interval=30, poll=5).dequeue_timeout == 5


def test_worker_serves_every_queue_and_runs_jobs_in_the_app(app, fake_conn):
    worker = build_worker(app, fake_conn, interval=0)
    # The tickets' vectors last: a triage backlog is always served before them.
    assert worker.queue_names() == [
        "upkeep",
        "classification",
        "mail",
        "exports",
        "default",
        "vectors",
    ]
    assert issubclass(worker.job_class, Job) and worker.job_class.flask_app is app
    assert isinstance(worker, worker_module.TicketingWorker)


def test_unknown_queue_is_a_usage_error(runner, monkeypatch):
    monkeypatch.setitem(runner.app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    result = runner.invoke(args=["tickets", "worker", "--queue", "nope"])
    assert result.exit_code == 2
    assert "unknown queue(s): nope" in result.output


def test_worker_needs_redis(runner, monkeypatch):
    monkeypatch.setitem(runner.app.config, "REDIS_URL", None)
    result = runner.invoke(args=["tickets", "worker"])
    assert result.exit_code == 2
    assert "REDIS_URL is not set" in result.output


# --- real worker processes on real Redis ---------------------------------------------------


def start_worker(tmp_path: Path, redis_url: str, name: str, *args: str, **env: str):
    log_path = tmp_path / f"{name}.log"
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
        "REDIS_URL": redis_url,
        "UPKEEP_INTERVAL_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    environment.pop("ANTHROPIC_API_KEY", None)
    handle = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "tickets", "worker", *args],
        cwd=ROOT,
        env=environment,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    return process, log_path


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(10)


@pytest.fixture
def real_redis(clean_redis):
    return Redis.from_url(clean_redis)


@needs_redis
@pytest.mark.slow
@pytest.mark.own_database  # the worker process runs on a SQLite file of its own
def test_sigterm_lets_the_job_in_hand_finish(tmp_path, clean_redis, real_redis):
    queue = Queue("default", connection=real_redis)
    job = queue.enqueue(slow_job, clean_redis, "marks", 1.5, 1.5)
    process, log_path = start_worker(tmp_path, clean_redis, "w1", WORKER_SHUTDOWN_GRACE="20")
    try:
        assert real_redis.blpop("marks", timeout=60) == (b"marks", b"started 1")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0
    finally:
        stop(process)
    assert real_redis.lrange("marks", 0, -1) == [b"finished 1"]
    assert job.get_status(refresh=True) == "finished"
    assert StartedJobRegistry(queue=queue).get_job_count(cleanup=False) == 0
    log = log_path.read_text()
    assert f"[job:{job.id}]" in log and "slow job working, attempt 1" in log


@needs_redis
@pytest.mark.slow
@pytest.mark.own_database  # the worker process runs on a SQLite file of its own
def test_sigterm_past_the_grace_requeues_the_job_for_another_worker(
    tmp_path, clean_redis, real_redis
):
    queue = Queue("exports", connection=real_redis)
    job = queue.enqueue(slow_job, clean_redis, "marks", 120, 0.2)
    process, log_path = start_worker(tmp_path, clean_redis, "w1", WORKER_SHUTDOWN_GRACE="1")
    try:
        assert real_redis.blpop("marks", timeout=60) == (b"marks", b"started 1")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0  # long before the job's 120 s
    finally:
        stop(process)
    job.refresh()
    assert job.get_status() == "queued"
    assert queue.job_ids == [job.id]
    assert StartedJobRegistry(queue=queue).get_job_count(cleanup=False) == 0
    assert FailedJobRegistry(queue=queue).get_job_count(cleanup=False) == 0
    log = log_path.read_text()
    assert f"job {job.id} interrupted by shutdown; requeued on exports" in log
    # Tracebacks are folded into one line per event.
    assert not [line for line in log.splitlines() if line.startswith(("  File ", "Traceback"))]
    assert "ShutDownImminentException" in log

    # Another worker picks it up and runs it again from the start.
    again, _ = start_worker(tmp_path, clean_redis, "w2", "--burst")
    try:
        assert again.wait(timeout=60) == 0
    finally:
        stop(again)
    assert job.get_status(refresh=True) == "finished"
    assert real_redis.lrange("marks", 0, -1) == [b"started 2", b"finished 2"]


@needs_redis
@pytest.mark.slow
@pytest.mark.own_database  # the worker process runs on a SQLite file of its own
def test_idle_worker_exits_cleanly_on_sigterm(tmp_path, clean_redis, real_redis):
    process, log_path = start_worker(tmp_path, clean_redis, "idle")
    try:
        # Wait (polling with a deadline) until the worker is idle, blocked on its queues.
        for _ in range(600):
            workers = Worker.all(connection=real_redis)
            if workers and workers[0].get_state() == "idle":
                break
            real_redis.blpop("never-filled", timeout=0.1)
        assert workers and workers[0].get_state() == "idle"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        stop(process)
    assert not real_redis.smembers("rq:workers")
