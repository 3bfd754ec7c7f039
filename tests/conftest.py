"""Fixtures: a fresh app per test on SQLite (default) or PostgreSQL (TEST_DATABASE_URL),
with the queue and limiter on fakeredis/memory (default) or real Redis (TEST_REDIS_URL).

Under ``CI=true`` a requested service that does not answer is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestConfig, normalise_database_url
from ticketing import create_app
from ticketing.core.extensions import db

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = str(ROOT / "migrations")
IN_CI = os.environ.get("CI", "").lower() == "true"


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def worker_index() -> int:
    digits = "".join(ch for ch in worker_id() if ch.isdigit())
    return int(digits or 0)


def make_config(**overrides) -> TestConfig:
    cfg = TestConfig()
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


def migrate_database(url: str) -> None:
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_base_url() -> str | None:
    return normalise_database_url(os.environ.get("TEST_DATABASE_URL"))


@pytest.fixture(scope="session")
def database_template(tmp_path_factory, pg_base_url):
    """Migrate one database per test worker, once: a PostgreSQL database or a SQLite file."""
    if pg_base_url:
        base = sa.make_url(pg_base_url)
        name = f"{base.database}_{worker_id()}"
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.OperationalError as err:
            pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL does not answer: {err}", 3)
        finally:
            admin.dispose()
        url = base.set(database=name).render_as_string(hide_password=False)
        migrate_database(url)
        return ("postgresql", url)
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrate_database(f"sqlite:///{path}")
    return ("sqlite", str(path))


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        if IN_CI:
            pytest.exit("CI=true but TEST_REDIS_URL is not set: CI must test on real Redis", 3)
        return None
    import redis

    # Each xdist worker takes its own Redis database, counting up from the URL's own.
    parsed = redis.connection.parse_url(base)
    server = base.rstrip("/").rsplit("/", 1)[0] if base.count("/") > 2 else base.rstrip("/")
    url = f"{server}/{(int(parsed.get('db', 0)) + worker_index()) % 16}"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as err:
        pytest.exit(f"TEST_REDIS_URL is set but Redis does not answer: {err}", 3)
    return url


#: Tables whose rows may not be deleted (a trigger refuses it: the access log is
#: append-only); emptied with TRUNCATE, which fires no row trigger.
APPEND_ONLY_TABLES = frozenset({"access_events"})
#: Every sequence back to 1, in one statement (what TRUNCATE ... RESTART IDENTITY did).
RESTART_SEQUENCES = "SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"


def _truncate_all(url: str, attempts: int = 10) -> None:
    """Empty every table and restart every id sequence, in one transaction.

    DELETE, children first, rather than one TRUNCATE of every table: TRUNCATE gives each
    table and index a new file (~200 of them), 300-600 ms per test against ~35 ms for
    deleting the few rows a test wrote — over a CI run, minutes. The append-only tables
    are truncated (their trigger refuses DELETE).

    A process the previous test started (a worker of a fault drill) may still be finishing
    a query: the emptying then waits for it, and if that process next asks for a lock this
    transaction holds, PostgreSQL breaks the deadlock by failing one of them — so a
    deadlock is retried (after a pause), never a test error."""
    engine = sa.create_engine(url)
    tables = list(reversed(db.metadata.sorted_tables))
    statements = [
        f'TRUNCATE "{t.name}"' if t.name in APPEND_ONLY_TABLES else f'DELETE FROM "{t.name}"'
        for t in tables
    ]
    script = "; ".join([*statements, RESTART_SEQUENCES])
    try:
        for attempt in range(attempts):
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(script)
                return
            except sa.exc.OperationalError as err:
                deadlock = "deadlock detected" in str(err)
                if not deadlock or attempt == attempts - 1:
                    raise
                time.sleep(0.5)
    finally:
        engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    """A clean, migrated database for one test."""
    kind, where = database_template
    if kind == "postgresql":
        _truncate_all(where)
        return where
    path = tmp_path / "test.db"
    shutil.copyfile(where, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clean_redis(redis_url):
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    return redis_url


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module (or parametrize) to change settings for the app fixture."""
    return {}


@pytest.fixture
def app(database_url, clean_redis, tmp_path, config_overrides):
    cfg = make_config(
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=clean_redis,
        RATELIMIT_STORAGE_URI=clean_redis or "memory://",
        EXPORT_DIR=str(tmp_path / "exports"),
        MAIL_DIR=str(tmp_path / "mail"),
    )
    for key, value in config_overrides.items():
        setattr(cfg, key, value)
    application = create_app(cfg)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class TestUser:
    id: int
    email: str
    name: str
    role: str
    password: str
    token: str | None

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(app):
    """Create a user through the accounts service (committed) with an API token by default."""
    from ticketing.accounts import services as accounts

    counter = {"n": 0}

    def _make(
        role: str = "agent",
        email: str | None = None,
        name: str | None = None,
        password: str = TEST_PASSWORD,
        token: bool = True,
        active: bool = True,
    ) -> TestUser:
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@example.com"
        with app.app_context():
            user = accounts.create_user(email, name or f"Test {role.title()}", role, password)
            text = accounts.create_token(user, "tests")[1] if token else None
            user.active = active
            db.session.commit()
            made = TestUser(user.id, user.email, user.name, user.role, password, text)
            db.session.remove()
        return made

    return _make


def bearer_client(app, user: TestUser):
    """A test client that sends ``user``'s API token on every request."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {user.token}"
    client.user = user
    return client


@pytest.fixture
def admin_user(make_user) -> TestUser:
    return make_user(role="admin", email="admin@example.com", name="Test Admin")


@pytest.fixture
def client(app, admin_user):
    """The API as a signed-in admin (bearer token): every route is allowed."""
    return bearer_client(app, admin_user)


@pytest.fixture
def agent_user(make_user) -> TestUser:
    return make_user(role="agent", email="agent@example.com", name="Test Agent")


@pytest.fixture
def agent_client(app, agent_user):
    """The API as a signed-in agent (bearer token)."""
    return bearer_client(app, agent_user)


@pytest.fixture
def anon_client(app):
    """No credentials at all: what the internet sees."""
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def make_ticket(client):
    """Create a ticket through the API (the way a user would) and return its JSON."""

    def _make(**fields):
        payload = {"subject": "Printer on fire", "body": "It is on fire. Please help."}
        payload.update(fields)
        response = client.post("/api/tickets", json=payload)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return _make
