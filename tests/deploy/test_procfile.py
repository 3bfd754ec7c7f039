"""Deploy smoke test: the Procfile's lines run as real processes on PostgreSQL and Redis.

``release`` migrates a fresh database; ``web`` (gunicorn) and ``worker`` (RQ) start with the
environment a Heroku-style platform gives them (``DATABASE_URL`` in the ``postgres://`` form,
``REDIS_URL``, ``PORT``, ``SECRET_KEY``, ``APP_ENV=production``, no Anthropic key). Then, over
HTTP: health → create a ticket → the worker triages it (fallback) → export → download → stats.
Finally both processes get SIGTERM and must exit with status 0, leaving no job running.

Steps whose API lives on another branch are switched by ``REQUIRED_STEPS``: the lead flips a
switch to True once that branch is merged. A step switched off is not run, and the test says
so (a warning in the summary and a line in the output).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry

from ticketing.core.jobs import QUEUES
from ticketing.core.worker import UPKEEP_KEY

from ..conftest import IN_CI, ROOT

#: Steps whose API comes from another branch. The lead sets each to True after the merge.
#: ``export_s3`` (with ``export``): exports go to an S3 server (moto on 127.0.0.1) and web and
#: worker get different EXPORT_DIRs, as on Heroku where dynos share no disk.
REQUIRED_STEPS = {"triage": True, "export": True, "auth": True, "export_s3": True}
# SMOKE_STEPS=triage,export,… switches steps on for one run without editing this file.
for _step in filter(None, os.environ.get("SMOKE_STEPS", "").split(",")):
    REQUIRED_STEPS[_step.strip()] = True

PG_FALLBACK = "postgresql://postgres@127.0.0.1:5432/postgres"  # what .ci/run starts
DEADLINE = 90  # seconds any one wait may take on a busy 2-core machine

pytestmark = pytest.mark.slow


def _servers() -> tuple[str, str]:
    """(PostgreSQL server URL, Redis URL) for the smoke test, or skip when there are none."""
    pg = os.environ.get("TEST_DATABASE_URL")
    redis_base = os.environ.get("TEST_REDIS_URL")
    if IN_CI:
        # Under CI the smoke test must run, also in the SQLite pass: .ci/run starts PostgreSQL.
        pg = pg or PG_FALLBACK
        if not redis_base:
            pytest.fail("CI=true but TEST_REDIS_URL is not set: the deploy smoke test must run")
    elif not (pg and redis_base):
        pytest.skip(
            "deploy smoke test needs TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL: "
            "it runs the Procfile against real services (.ci/run sets both)"
        )
    return pg, redis_base


def parse_procfile(path: Path) -> dict[str, str]:
    """``name: command`` lines, as a Procfile platform reads them."""
    processes: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        assert sep and name.strip().isidentifier(), f"bad Procfile line: {raw!r}"
        processes[name.strip()] = command.strip()
    return processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smoke_redis_url(base: str) -> str:
    """A Redis database of its own: the one after the test workers' (base + worker count)."""
    override = os.environ.get("SMOKE_REDIS_URL")
    if override:
        return override
    server, _, db = base.rstrip("/").rpartition("/")
    if not db.isdigit():
        server, db = base.rstrip("/"), "0"
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return f"{server}/{(int(db) + workers) % 16}"


class _SameOriginAuthRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects like a browser: the Bearer token never goes to another origin (a
    presigned object-store URL refuses a second authentication)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if (
            new is not None
            and urllib.parse.urlsplit(newurl)[:2] != urllib.parse.urlsplit(req.full_url)[:2]
        ):
            new.remove_header("Authorization")
        return new


_OPENER = urllib.request.build_opener(_SameOriginAuthRedirects)


@dataclass
class Deployment:
    env: dict[str, str]
    port: int
    logs: Path
    db_url: str
    redis_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    token: str | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", command],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, name: str, command: str) -> subprocess.Popen:
        handle = (self.logs / f"{name}.log").open("w")
        # `exec` so the signal reaches the process itself, as the platform's would.
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def start_with(self, name: str, command: str, **extra: str) -> subprocess.Popen:
        """Start a process with a few variables of its own (e.g. a disk of its own)."""
        shared = self.env
        self.env = {**shared, **extra}
        try:
            return self.start(name, command)
        finally:
            self.env = shared

    def call(self, method: str, path: str, body: dict | None = None):
        """(status, headers, parsed JSON or raw bytes) of one HTTP request."""
        url = path if path.startswith("http") else self.base + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - local
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token and url.startswith(self.base):
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with _OPENER.open(request, timeout=30) as response:
                status, headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:
            status, headers, raw = err.code, err.headers, err.read()
        kind = headers.get("Content-Type", "")
        return status, headers, json.loads(raw) if "json" in kind and raw else raw

    def alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited early:\n{self.log(name)[-3000:]}"

    def wait_for(self, what: str, check, deadline: float = DEADLINE):
        """Poll ``check()`` until it returns something truthy; fail with ``what`` otherwise."""
        end = time.monotonic() + deadline
        last = None
        while time.monotonic() < end:
            self.alive()
            last = check()
            if last:
                return last
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; last answer: {last!r}")


@pytest.fixture
def deployment(tmp_path):
    pg_server, redis_base = _servers()
    base = sa.make_url(pg_server)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    name = f"deploy_smoke_{worker}"
    admin = sa.create_engine(
        base.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    # The platform's form of the URL: postgres://user@host:port/db
    db_url = base.set(drivername="postgres", database=name).render_as_string(hide_password=False)
    redis_url = smoke_redis_url(redis_base)
    Redis.from_url(redis_url).flushdb()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "ANTHROPIC_"))}
    for key in ("FLASK_APP", "FLASK_ENV", "EXPORT_STORAGE_URL", "PYTEST_XDIST_WORKER"):
        env.pop(key, None)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        PORT=str(free_port()),
        HOST="127.0.0.1",
        SECRET_KEY="smoke-test-secret-key-0123456789",
        APP_ENV="production",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        TRUSTED_PROXY_COUNT="1",
        UPKEEP_INTERVAL_SECONDS="3600",  # scheduled once at start (when the build has it)
        WORKER_SHUTDOWN_GRACE="10",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    moto = None
    if REQUIRED_STEPS["export"] and REQUIRED_STEPS["export_s3"]:
        from moto.server import ThreadedMotoServer

        from ticketing.exports.s3 import make_client

        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        endpoint = "http://{}:{}".format(*moto.get_host_and_port())
        env.update(
            EXPORT_STORAGE_URL="s3://smoke-exports/ticketing",
            EXPORT_S3_ENDPOINT_URL=endpoint,
            EXPORT_S3_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="smoke-key",
            AWS_SECRET_ACCESS_KEY="smoke-secret",  # noqa: S106 - moto accepts anything
        )
        previous = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        os.environ.update(AWS_ACCESS_KEY_ID="smoke-key", AWS_SECRET_ACCESS_KEY="smoke-secret")
        try:
            make_client(endpoint, "us-east-1").create_bucket(Bucket="smoke-exports")
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    logs = tmp_path / "logs"
    logs.mkdir()
    deploy = Deployment(env, int(env["PORT"]), logs, db_url, redis_url)
    try:
        yield deploy
    finally:
        if moto is not None:
            moto.stop()
        for process in deploy.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(10)
        Redis.from_url(redis_url).flushdb()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_procfile_release_web_worker_serve_the_product(deployment: Deployment):
    off = [step for step, on in REQUIRED_STEPS.items() if not on]
    if off:
        message = (
            f"deploy smoke test: steps not run (switched off in REQUIRED_STEPS until their "
            f"branch is merged): {', '.join(off)}"
        )
        print(message)
        warnings.warn(message, stacklevel=1)
    procfile = parse_procfile(ROOT / "Procfile")
    assert set(procfile) >= {"release", "web", "worker"}
    assert shlex.split(procfile["web"])[0] == "gunicorn"

    # release: migrations on the empty database.
    release = deployment.run(procfile["release"])
    assert release.returncode == 0, release.stdout + release.stderr
    engine = sa.create_engine(deployment.db_url.replace("postgres://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == 0

        tmp = deployment.logs.parent
        # With S3 each process gets a disk of its own, as dynos do; else they share one.
        separate = REQUIRED_STEPS["export_s3"]
        web = deployment.start_with(
            "web", procfile["web"], EXPORT_DIR=str(tmp / ("web-disk" if separate else "disk"))
        )
        worker = deployment.start_with(
            "worker",
            procfile["worker"],
            EXPORT_DIR=str(tmp / ("worker-disk" if separate else "disk")),
        )

        # health: the database and the queue answer.
        def healthy():
            try:
                status, _, body = deployment.call("GET", "/api/health")
            except OSError:
                return None
            return body if status == 200 else None

        health = deployment.wait_for("GET /api/health", healthy)
        assert health["status"] == "ok" and health["database"] == "postgresql"
        assert health["queue"] == "ok"
        redis = Redis.from_url(deployment.redis_url)
        deployment.wait_for("the worker to register", lambda: redis.smembers("rq:workers"))

        if REQUIRED_STEPS["auth"]:
            email = "smoke-admin@example.com"
            created = deployment.run(
                f"flask --app wsgi tickets users create --email {email} --name Smoke "
                "--role admin --password smoke-password-123"
            )
            assert created.returncode == 0, created.stdout + created.stderr
            issued = deployment.run(f"flask --app wsgi tickets users token create --email {email}")
            assert issued.returncode == 0, issued.stdout + issued.stderr
            deployment.token = [ln for ln in issued.stdout.splitlines() if ln.strip()][-1].strip()
            status, _, _ = deployment.call("GET", "/api/tickets")
            assert status == 200, "the admin token is refused"

        # create a ticket; the router's X-Forwarded-* would be trusted (TRUSTED_PROXY_COUNT=1).
        status, headers, ticket = deployment.call(
            "POST",
            "/api/tickets",
            {
                "subject": "Charged twice for my subscription",
                "body": "I was charged twice this month on my card, please refund the duplicate.",
                "requester_email": "ana@example.com",
            },
        )
        assert status == 201, ticket
        request_id = headers["X-Request-ID"]
        ticket_id = ticket["id"]

        if REQUIRED_STEPS["triage"]:
            status, _, job = deployment.call("POST", f"/api/tickets/{ticket_id}/classify")
            assert status == 202, job
            assert {"id", "status", "status_url"} <= set(job)

            def job_done():
                _, _, body = deployment.call("GET", job["status_url"])
                assert body["status"] != "failed", body
                return body if body["status"] == "done" else None

            deployment.wait_for("the triage job", job_done)
            _, _, triaged = deployment.call("GET", f"/api/tickets/{ticket_id}")
            assert triaged["category"] is not None
            assert triaged["category_source"] == "fallback"
            ticket = triaged

        if REQUIRED_STEPS["export"]:
            status, _, export = deployment.call("POST", "/api/exports", {})
            assert status == 202, export
            assert {"id", "status_url"} <= set(export)

            def export_done():
                _, _, body = deployment.call("GET", export["status_url"])
                assert body["status"] != "failed", body
                return body if body["status"] == "done" else None

            finished = deployment.wait_for("the export job", export_done)
            url = finished.get("download_url") or f"/api/exports/{export['id']}/download"
            status, headers, raw = deployment.call("GET", url)
            assert status == 200
            assert headers.get("Content-Type", "").startswith("text/csv")
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
            assert len(rows) == 2, rows  # the header and our one ticket
            assert "subject" in rows[0]
            assert rows[1][rows[0].index("subject")] == ticket["subject"]

        status, _, stats = deployment.call("GET", "/api/stats")
        assert status == 200, stats
        assert stats["total"] == 1 and stats["by_status"]["open"] == 1
        if REQUIRED_STEPS["triage"]:
            assert stats["by_category"][ticket["category"]] == 1

        # SIGTERM, as the platform sends on a restart or scale-down: both exit cleanly.
        web.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
        assert web.wait(timeout=40) == 0, deployment.log("web")[-3000:]
        assert worker.wait(timeout=40) == 0, deployment.log("worker")[-3000:]

        for name in QUEUES:
            started = StartedJobRegistry(queue=Queue(name, connection=redis))
            assert started.get_job_count(cleanup=False) == 0, f"a job is still started on {name}"
        assert not redis.smembers("rq:workers")
        if REQUIRED_STEPS["export"]:
            assert redis.exists(UPKEEP_KEY), "the worker did not schedule the export upkeep"
        with engine.connect() as conn:
            running = conn.execute(
                sa.text("SELECT count(*) FROM exports WHERE status = 'running'")
            ).scalar()
            triaging = conn.execute(
                sa.text("SELECT count(*) FROM tickets WHERE triage_status = 'running'")
            ).scalar()
        assert (running, triaging) == (0, 0)
    finally:
        engine.dispose()

    # Logs: one line per event on stdout, the request id on the web's lines.
    web_log, worker_log = deployment.log("web"), deployment.log("worker")
    assert request_id in web_log
    assert not [ln for ln in web_log.splitlines() + worker_log.splitlines() if ln.startswith(" ")]
    if REQUIRED_STEPS["triage"]:
        assert f"[job:{job['id']}]" in worker_log or job["id"] in worker_log
