"""Fault drills with real processes: a ``flask tickets worker`` on PostgreSQL and a private
redis-server (never the shared one) that the drill flushes, stops and restarts, kills the worker
mid-batch, or points it at a hanging Claude. Each drill ends asserting that **every ticket has
a triage result** (``done``, a category) and that no export stays running, and prints what it
measured (tickets created / triaged / lost, seconds to recover).

They need PostgreSQL (``TEST_DATABASE_URL``; a table lock freezes a worker mid-batch) and
``redis-server`` on the PATH; under ``CI=true`` a missing one is a failure, not a skip.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
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
        """SIGKILL the worker and everything it started (the machine died), and wait until
        none of them is left. RQ's work horse calls ``setsid()``, so the process group does
        not reach it: it is found by parent id, before its parent dies and it is re-parented.
        A horse outliving its worker would go on writing (and holding locks) in the next
        test's database."""
        family = [self.process.pid, *_descendants(self.process.pid)]
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_running(pid) for pid in family[1:]) and time.monotonic() < deadline:
            time.sleep(0.1)


def _descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc: Linux, like the rest of these drills)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed child of ours is reaped by its new parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.fixture
def workers(tmp_path, database_url, private_redis):
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(tmp_path, database_url, private_redis.url, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()  # also when the worker itself has gone: its work horse may not have


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


# ----------------------------------------------------------------- PostgreSQL restarted


def pg_tool(name: str) -> str | None:
    """``initdb`` / ``pg_ctl``: on the PATH, or in Debian's versioned directory."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


class PrivatePostgres:
    """A PostgreSQL cluster of the drill's own (initdb + pg_ctl on a free port, run as the
    ``postgres`` user when the tests run as root): the shared server is never touched."""

    def __init__(self) -> None:
        from tests.security.outage import free_port

        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="drill-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/drill"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o755)  # noqa: S103 - the postgres user must enter it
        self._run(
            pg_tool("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )
        self.start()
        admin = sa.create_engine(
            self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE drill"))
        admin.dispose()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            pg_tool("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def restart(self) -> None:
        self._run(pg_tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.start()

    def stop(self) -> None:
        try:
            self._run(pg_tool("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def post_ticket(port: int, token: str, key: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"subject": f"Load {key}", "body": "Refund please."})
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": key,
    }
    try:
        connection.request("POST", "/api/tickets", body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    except OSError as err:
        return 0, str(err)
    finally:
        connection.close()


# A 409 naming error.location: applied once, its answer lost (the database went
# away between the creating commit and the recorded answer).
def ticket_id(answer) -> int | None:
    status, body = answer
    if status == 201:
        return body["id"]
    if status == 409 and body["error"].get("location"):
        return int(body["error"]["location"].rsplit("/", 1)[1])
    return None


def test_postgres_restarted_under_load(tmp_path, private_redis, capsys):

    from tests.conftest import make_config, migrate_database
    from ticketing import create_app
    from ticketing.accounts import services as accounts
    from ticketing.core.extensions import db

    from ..deploy.test_gunicorn_bodies import call
    from ..deploy.test_procfile import free_port

    for tool in ("initdb", "pg_ctl"):
        if pg_tool(tool) is None:
            assert not IN_CI, f"CI must run the PostgreSQL drill: {tool} is not on the PATH"
            pytest.skip(f"the PostgreSQL drill needs {tool} on the PATH")
    pg = PrivatePostgres()
    try:
        pg.init()
        url = pg.url.replace("postgresql://", "postgresql+psycopg://")
        migrate_database(url)
        setup = create_app(make_config(SQLALCHEMY_DATABASE_URI=url))
        with setup.app_context():
            user = accounts.create_user("drill@example.com", "Drill", "admin", "x" * 20)
            token = accounts.create_token(user, "drill")[1]
            db.session.commit()
            db.session.remove()
            db.engine.dispose()

        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "ANTHROPIC_"))}
        env.update(
            DATABASE_URL=url, REDIS_URL=private_redis.url, PORT=str(port), HOST="127.0.0.1",
            WEB_CONCURRENCY="2", GUNICORN_THREADS="4", PYTHONUNBUFFERED="1",
        )  # fmt: skip
        web_log = (tmp_path / "web.log").open("w")
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=web_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        worker = Worker(tmp_path, url, private_redis.url)
        try:
            deadline = time.monotonic() + DEADLINE
            while True:
                try:
                    if call(port, "GET", "/api/health")[0] == 200:
                        break
                except OSError:
                    pass
                assert web.poll() is None and time.monotonic() < deadline, "gunicorn"
                time.sleep(0.2)

            answers: dict[str, list] = {}
            lock = threading.Lock()
            stop = threading.Event()

            def client_loop() -> None:
                while not stop.is_set():
                    key = uuid.uuid4().hex
                    answer = post_ticket(port, token, key)
                    with lock:
                        answers.setdefault(key, []).append(answer)

            threads = [threading.Thread(target=client_loop) for _ in range(4)]
            for thread in threads:
                thread.start()
            time.sleep(3)
            pg.restart()  # about a second of "the database does not answer"
            restarted = time.monotonic()
            time.sleep(3)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

            statuses = [a[0] for tries in answers.values() for a in tries]
            server_errors = [a for tries in answers.values() for a in tries if a[0] >= 500]
            assert all(s in (201, 503) or s == 0 for s in statuses), sorted(set(statuses))
            assert all(a[1]["error"]["code"] == "database_unavailable" for a in server_errors)

            # Every key not answered 201 is retried, as a client would, until it is.
            for key, tries in answers.items():
                for _ in range(50):
                    if ticket_id(tries[-1]) is not None:
                        break
                    time.sleep(0.2)
                    tries.append(post_ticket(port, token, key))
                assert ticket_id(tries[-1]) is not None, (key, tries[-3:])
            ids = {ticket_id(tries[-1]) for tries in answers.values()}
            assert len(ids) == len(answers)  # one ticket per key: no duplicate, no ghost
            assert scalar(url, "SELECT count(*) FROM tickets") == len(answers)
            wait_all_triaged(url, worker, "postgres restarted")
            assert_nothing_left(url, len(answers))
            recover = time.monotonic() - restarted
            unavailable = sum(1 for s in statuses if s == 503)
            unrecorded = sum(1 for tries in answers.values() if tries[-1][0] == 409)
        finally:
            worker.kill()
            web.terminate()
            web.wait(timeout=40)
            web_log.close()
    finally:
        pg.stop()
    with capsys.disabled():
        print(
            f"\ndrill postgres restarted under load: created {len(answers)} (keys), "
            f"{len(statuses)} requests, {unavailable} x 503 database_unavailable, 0 x 500, "
            f"{unrecorded} applied with the answer lost (409 + location), "
            f"triaged {len(answers)}, lost 0, recovered in {recover:.1f} s"
        )
