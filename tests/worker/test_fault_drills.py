"""Fault drills with real processes: a ``flask tickets worker`` on PostgreSQL and a private
redis-server (never the shared one) that the drill flushes, stops and restarts, kills the worker
mid-batch, or points it at a hanging Claude. Each drill ends asserting that **every ticket has
a triage result** (``done``, a category) and that no export stays running, and prints what it
measured (tickets created / triaged / lost, seconds to recover).

They need PostgreSQL (``TEST_DATABASE_URL``; a table lock freezes a worker mid-batch) and
``redis-server`` on the PATH; under ``CI=true`` a missing one is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import IN_CI, ROOT
from tests.security.outage import PrivateRedis

pytestmark = pytest.mark.slow

DEADLINE = 60.0


@pytest.fixture
def private_redis(tmp_path, database_url):
    if not database_url.startswith("postgresql"):
        assert not IN_CI, "CI must run the fault drills on PostgreSQL (TEST_DATABASE_URL)"
        pytest.skip("fault drills need PostgreSQL (TEST_DATABASE_URL): a table lock and "
                    "SKIP LOCKED claims across processes")  # fmt: skip
    if shutil.which("redis-server") is None:
        assert not IN_CI, "CI must run the fault drills: redis-server is not on the PATH"
        pytest.skip("fault drills need redis-server on the PATH (a private one per drill)")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def config_overrides(private_redis):
    return {
        "REDIS_URL": private_redis.url,
        "REDIS_OPTIONS": {},
        "JOBS_ASYNC": True,
        "AUTO_CLASSIFY": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


class Worker:
    """``flask tickets worker`` as a process of its own (its own session: SIGKILL reaches
    the work horse too)."""

    def __init__(self, tmp_path: Path, database_url: str, redis_url: str, **env: str) -> None:
        self.log_path = tmp_path / f"worker-{time.monotonic_ns()}.log"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
        environment.pop("ANTHROPIC_API_KEY", None)
        environment.update(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            WORKER_POLL_SECONDS="0.5",
            UPKEEP_INTERVAL_SECONDS="0",
            TRIAGE_LEASE_SECONDS="3",
            TRIAGE_RETRY_SECONDS="1",
            TRIAGE_BATCH_SIZE="50",
            EXPORT_DIR=str(tmp_path / "exports"),
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="INFO",
            **env,
        )
        handle = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "tickets", "worker"],
            cwd=ROOT,
            env=environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (the machine died)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)


@pytest.fixture
def workers(tmp_path, database_url, private_redis):
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(tmp_path, database_url, private_redis.url, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.alive():
            worker.kill()


def scalar(database_url: str, sql: str):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def untriaged(database_url: str) -> int:
    return scalar(
        database_url,
        "SELECT count(*) FROM tickets WHERE triage_status IS DISTINCT FROM 'done' "
        "OR category IS NULL",
    )


def wait_all_triaged(database_url: str, worker: Worker | None, what: str) -> float:
    """Seconds until every ticket has a triage result (fails after DEADLINE)."""
    started = time.monotonic()
    while untriaged(database_url):
        if worker is not None:
            assert worker.alive(), f"the worker exited:\n{worker.log()[-3000:]}"
        assert time.monotonic() - started < DEADLINE, (
            f"{what}: {untriaged(database_url)} ticket(s) still without a result after "
            f"{DEADLINE:.0f} s"
        )
        time.sleep(0.2)
    return time.monotonic() - started


def assert_nothing_left(database_url: str, created: int) -> None:
    assert scalar(database_url, "SELECT count(*) FROM tickets") == created
    assert untriaged(database_url) == 0
    assert (
        scalar(database_url, "SELECT count(*) FROM tickets WHERE triage_claimed_by IS NOT NULL")
        == 0
    )
    assert scalar(database_url, "SELECT count(*) FROM exports WHERE status = 'running'") == 0


def create(client, n: int, label: str) -> int:
    response = client.post(
        "/api/tickets", json={"subject": f"{label} {n}", "body": "I was charged twice, refund."}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def report(name: str, created: int, database_url: str, recover: float) -> None:
    triaged = scalar(database_url, "SELECT count(*) FROM tickets WHERE triage_status = 'done'")
    line = (
        f"\ndrill {name}: created {created}, triaged {triaged}, lost {created - triaged}, "
        f"recovered in {recover:.1f} s"
    )
    print(line)


def test_redis_flushed_and_restarted_mid_burst(
    client, database_url, private_redis, workers, capsys
):
    worker = workers()
    created = 0
    for n in range(60):
        create(client, n, "before flush")
        created += 1
    # Redis restarts empty (as Heroku Redis can): every queued bell and job is gone.
    import redis

    redis.Redis.from_url(private_redis.url).flushall()
    private_redis.stop()
    private_redis.start()
    restarted = time.monotonic()
    for n in range(60):
        create(client, n, "after flush")
        created += 1
    export = client.post("/api/exports", json={})
    assert export.status_code == 202
    wait_all_triaged(database_url, worker, "redis flushed")
    recover = time.monotonic() - restarted
    deadline = time.monotonic() + DEADLINE
    while scalar(database_url, "SELECT count(*) FROM exports WHERE status <> 'done'"):
        assert time.monotonic() < deadline, "the export did not finish"
        time.sleep(0.2)
    assert_nothing_left(database_url, created)
    with capsys.disabled():
        report("redis flushed+restarted mid-burst", created, database_url, recover)


def test_redis_down_while_tickets_are_created_then_back(
    client, database_url, private_redis, workers, capsys
):
    worker = workers()
    create(client, 0, "warm")
    wait_all_triaged(database_url, worker, "warm-up")
    private_redis.stop()
    created = 1
    for n in range(40):  # saved (the row is the record); the bell cannot ring
        create(client, n, "redis down")
        created += 1
    time.sleep(2)  # the worker's reconnect loop runs meanwhile: it must not exit
    assert worker.alive(), worker.log()[-3000:]
    private_redis.start()
    back = time.monotonic()
    wait_all_triaged(database_url, worker, "redis back")
    assert_nothing_left(database_url, created)
    with capsys.disabled():
        report("redis down then back", created, database_url, time.monotonic() - back)


def test_worker_sigkilled_mid_batch(app, client, database_url, workers, capsys):
    from ticketing.core.extensions import db
    from ticketing.tickets import services

    created = 300
    with app.app_context():
        for n in range(created):
            services.create_ticket({"subject": f"Burst {n}", "body": "Refund my double charge."})
        db.session.commit()
        db.session.remove()
    # Storing answers needs the classifications table: lock it, so the worker is held with
    # a claimed batch in hand (claimed, committed, classified, not stored) when it dies.
    locker = sa.create_engine(database_url)
    lock = locker.connect()
    held = lock.begin()
    lock.execute(sa.text("LOCK TABLE classifications IN ACCESS EXCLUSIVE MODE"))
    first = workers()
    try:
        deadline = time.monotonic() + DEADLINE
        while not scalar(
            database_url, "SELECT count(*) FROM tickets WHERE triage_claimed_by IS NOT NULL"
        ):
            assert first.alive() and time.monotonic() < deadline, first.log()[-3000:]
            time.sleep(0.05)
        first.kill()
    finally:
        held.rollback()
        lock.close()
        locker.dispose()
    claimed = scalar(database_url, "SELECT count(*) FROM tickets WHERE triage_status = 'running'")
    assert claimed > 0  # the dead worker's claims are still on the rows
    killed = time.monotonic()
    second = workers()
    wait_all_triaged(database_url, second, "after SIGKILL")
    assert_nothing_left(database_url, created)
    assert scalar(database_url, "SELECT max(triage_attempts) FROM tickets") <= 2
    with capsys.disabled():
        report(
            f"worker SIGKILLed mid-batch ({claimed} claimed)",
            created,
            database_url,
            time.monotonic() - killed,
        )


def test_hanging_claude_trips_the_breaker_while_the_list_stays_fast(
    app, client, database_url, workers, capsys
):
    from tests.classification.fake_anthropic import FakeAnthropic, hang

    fake = FakeAnthropic().start()
    app.config["ANTHROPIC_API_KEY"] = "sk-ant-drill"  # health then reports Claude's state
    fake.answer(hang(60))
    try:
        worker = workers(
            ANTHROPIC_API_KEY="sk-ant-drill",
            ANTHROPIC_BASE_URL=fake.base_url,
            CLASSIFY_TIMEOUT="1",
            CLASSIFY_MAX_RETRIES="3",
            CLASSIFY_BACKOFF_BASE="0.1",
            CLASSIFY_BACKOFF_MAX="0.2",
            CLAUDE_BREAKER_FAILURES="3",
            CLAUDE_BREAKER_COOLDOWN="120",
            CLAUDE_EXAMPLES="0",
        )
        started = time.monotonic()
        created = 0
        list_times = []
        for n in range(30):
            create(client, n, "claude hangs")
            created += 1
            t0 = time.perf_counter()
            assert client.get("/api/tickets?per_page=25").status_code == 200
            list_times.append(time.perf_counter() - t0)
        while untriaged(database_url):
            assert worker.alive(), worker.log()[-3000:]
            t0 = time.perf_counter()
            assert client.get("/api/tickets?per_page=25").status_code == 200
            list_times.append(time.perf_counter() - t0)
            assert time.monotonic() - started < DEADLINE, "triage did not finish"
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        # Without the breaker: 30 tickets x 4 timeouts of 1 s + backoff, about two minutes.
        assert fake.count <= 5, fake.count
        assert elapsed < 40
        list_times.sort()
        p95 = list_times[int(len(list_times) * 0.95) - 1]
        assert p95 < 1.0, p95
        health = client.get("/api/health").get_json()
        assert health["checks"]["claude"]["breaker"]["state"] in ("open", "half_open")
    finally:
        fake.stop()
    assert_nothing_left(database_url, created)
    with capsys.disabled():
        report(
            f"hanging Claude ({fake.count} calls, list p95 {p95 * 1000:.0f} ms)",
            created,
            database_url,
            elapsed,
        )
