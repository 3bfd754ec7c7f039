"""A shared benchmark data set: N generated tickets in a PostgreSQL database, built once.

``python -m bench.dataset --rows 1000000`` (or ``ensure_dataset(url, rows)`` from a bench
script) migrates the database and fills it with PostgreSQL ``COPY`` when it does not already
hold exactly that many tickets. Bodies are ~300-1,000 characters of realistic ticket text.
"""

from __future__ import annotations

import argparse
import os
import time

import psycopg
import sqlalchemy as sa

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/ticketing_bench"
COLUMNS = (
    "subject", "body", "status", "category", "category_source", "priority", "priority_source",
    "sentiment", "urgency_score", "confidence", "explanation", "classified_at", "triage_status",
    "note", "requester_email", "requester_name", "created_at", "updated_at", "resolved_at",
    "triaged_category", "triaged_priority", "triage_runs_fallback",
)  # fmt: skip
#: Each triaged ticket's one run in the history (the seeder's own rule), written in one
#: statement after the COPY, so the stats' triage figures have a real history to count.
RUNS_SQL = (
    "INSERT INTO classifications (ticket_id, source, category, priority, sentiment, "
    "urgency_score, confidence, explanation, created_at) SELECT id, 'fallback', category, "
    "priority, sentiment, urgency_score, confidence, explanation, classified_at FROM tickets "
    "WHERE triage_status IS NOT NULL"
)


#: Smoke mode (``--smoke`` on every bench script): a tiny data set in its own database, so a
#: CI run proves the script still works without touching the big one.
SMOKE_ROWS = 2_000


def bench_url(smoke: bool = False) -> str:
    """The bench database (``BENCH_DATABASE_URL``); smoke runs use ``<name>_smoke`` beside it."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not smoke:
        return url
    parsed = sa.make_url(url)
    return parsed.set(database=f"{parsed.database}_smoke").render_as_string(hide_password=False)


def _plain(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(url: str) -> None:
    target = sa.make_url(url)
    admin = sa.create_engine(
        target.set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).scalar()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def make_app(url: str):
    from config import Config
    from ticketing import create_app

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url.replace("postgresql://", "postgresql+psycopg://", 1)
    config.AUTO_CLASSIFY = False
    config.LOG_LEVEL = "WARNING"
    return create_app(config)


def api_token(app, email: str = "bench@example.com", role: str = "agent") -> str:
    """An API token for a bench user (every /api route needs a signed-in user); the user is
    created on first use and a fresh token is issued on each call."""
    from ticketing.accounts import services as accounts
    from ticketing.core.extensions import db
    from ticketing.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = accounts.create_user(email, "Bench", role, "bench-password-1")
        token = accounts.create_token(user, "bench")[1]
        db.session.commit()
    return token


def signed_in_client(app, **kwargs):
    """A Flask test client that sends a bench user's bearer token on every request."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(app, **kwargs)}"
    return client


def ensure_dataset(rows: int, url: str | None = None, seed: int = 7) -> float:
    """Make the bench database hold exactly ``rows`` tickets; returns seconds spent filling."""
    from flask_migrate import upgrade

    from ticketing.tickets.seed import generate

    url = url or bench_url()
    create_database(url)
    app = make_app(url)
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        if have == rows:
            return 0.0
        started = time.perf_counter()
        conn.execute(
            "TRUNCATE tickets, replies, ticket_tags, tags, classifications, exports, "
            "ticket_rollups RESTART IDENTITY CASCADE"
        )
        with conn.cursor() as cur:
            with cur.copy(f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in generate(rows, days=365, seed=seed, min_body=300):
                    copy.write_row([row[c] for c in COLUMNS])
        conn.execute(RUNS_SQL)
        with app.app_context():  # COPY bypasses the ORM's hooks: recount the rollups
            from ticketing.core.extensions import db
            from ticketing.tickets import rollups

            rollups.rebuild()
            db.session.commit()
        conn.execute("VACUUM ANALYZE tickets")
        conn.execute("VACUUM ANALYZE ticket_rollups")
        conn.execute("VACUUM ANALYZE classifications")
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", default=bench_url())
    args = parser.parse_args()
    spent = ensure_dataset(args.rows, args.url)
    print(f"dataset: {args.rows} tickets at {args.url} ({spent:.1f} s to fill)")


if __name__ == "__main__":
    main()
