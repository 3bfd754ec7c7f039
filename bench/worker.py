"""Triage throughput of one real worker: a burst of queued tickets drained by one worker.

    .venv/bin/python bench/worker.py --db postgresql://… --redis redis://…/N [--tickets 10000]
                                     [--also-off]
    .venv/bin/python bench/worker.py --smoke …        # 300 tickets (CI runs this as a test)

Needs PostgreSQL and Redis you own (the database is migrated unless ``--no-migrate``; the
Redis database is flushed). It starts one worker process (the Procfile's line), waits until it
listens, then commits N tickets marked ``queued`` in one transaction (what a burst of saves
leaves: the rows are the record of the work), rings the bell once and times how long until no
bench ticket waits for triage. With the embedding model on, triage leaves the vectors to the
drain on the lower-priority ``vectors`` queue: the time until every bench ticket has its
vector is timed separately (the drain's rate counts from the end of triage: one worker serves
triage first). The baseline, measured in the same run on the same texts: the fallback
classifier alone, in this process. ``--also-off`` first runs the same burst with
``EMBEDDINGS=off`` (a fresh worker) for comparison. Prints tickets/s and ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a path, sys.path[0] is bench/ itself, where bench/http.py would shadow the stdlib.
sys.path[0] = str(ROOT)

TEXTS = [
    ("Charged twice", "My card was charged twice for the May invoice, please refund one."),
    ("Cannot log in", "The password reset link never arrives and 2FA codes fail."),
    ("Site down", "Production is down for all our users since 9am, every request times out!"),
    ("Question", "How can I export my tickets to a spreadsheet?"),
    ("Slow dashboard", "The dashboard takes a minute to load since the last update."),
]


def make_app(db_url: str, redis_url: str, embeddings: str = "auto"):
    from config import Config, normalise_database_url
    from ticketing import create_app

    config = Config()
    config.EMBEDDINGS = embeddings
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(db_url)
    config.REDIS_URL = redis_url
    config.JOBS_ASYNC = True
    config.LOG_LEVEL = "WARNING"
    return create_app(config)


def start_worker(db_url: str, redis_url: str, log_path: Path, embeddings: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "EMBEDDINGS": embeddings,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "APP_ENV": "development",
        "SECRET_KEY": "bench-worker-secret-key",
        "LOG_LEVEL": "WARNING",
        "UPKEEP_INTERVAL_SECONDS": "0",
        "WORKER_POLL_SECONDS": "2",
        "ANTHROPIC_API_KEY": "",
    }
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "tickets", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_listening(app, proc: subprocess.Popen, log_path: Path, timeout: float = 90) -> None:
    from rq import Worker

    connection = app.extensions["jobs"].connection
    deadline = time.monotonic() + timeout
    while not Worker.all(connection=connection):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("worker did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.1)


def insert_burst(app, n: int, tag: str) -> int:
    """N tickets marked queued, committed at once; returns the id below which none is ours."""
    from sqlalchemy import func, insert, select

    from ticketing.core.extensions import db
    from ticketing.models import Ticket, utcnow

    with app.app_context():
        floor = db.session.scalar(select(func.coalesce(func.max(Ticket.id), 0)))
        now = utcnow()
        rows = [
            {
                "subject": f"{TEXTS[i % len(TEXTS)][0]} {tag} {i}",
                "body": TEXTS[i % len(TEXTS)][1],
                "status": "open",
                "language": "en",
                "triage_status": "queued",
                "triage_job_id": f"triage-b{i}-{uuid.uuid4().hex[:12]}",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(n)
        ]
        for start in range(0, n, 2000):
            db.session.execute(insert(Ticket), rows[start : start + 2000])
        db.session.commit()
    return floor


def waiting(app, floor: int) -> int:
    from sqlalchemy import func, select

    from ticketing.core.extensions import db
    from ticketing.models import Ticket

    with app.app_context():
        count = db.session.scalar(
            select(func.count()).where(
                Ticket.id > floor, Ticket.triage_status.in_(("queued", "running"))
            )
        )
        db.session.rollback()
        return count


def with_vector(app, floor: int) -> int:
    from sqlalchemy import func, select

    from ticketing.core.extensions import db
    from ticketing.models import TicketVector

    with app.app_context():
        count = db.session.scalar(select(func.count()).where(TicketVector.ticket_id > floor))
        db.session.rollback()
        return count


def classifier_rate(n: int) -> float:
    from ticketing.classification import fallback

    fallback.warm_up()
    texts = [(f"{TEXTS[i % len(TEXTS)][0]} {i}", TEXTS[i % len(TEXTS)][1]) for i in range(n)]
    started = time.perf_counter()
    for subject, body in texts:
        fallback.classify(subject, body, language="en")
    return n / (time.perf_counter() - started)


def wait_until(done, deadline: float, log_path: Path, what: str) -> float:
    """Poll ``done()`` (how many are left) until 0; returns when that was (perf_counter)."""
    while (left := done()) and time.perf_counter() < deadline:
        time.sleep(0.05)
    if left:
        raise SystemExit(f"{left} ticket(s) still {what}:\n" + log_path.read_text()[-3000:])
    return time.perf_counter()


def burst(app, db_url: str, redis_url: str, tickets: int, log_dir: Path, mode: str) -> dict:
    """One worker with ``EMBEDDINGS=mode`` drains a burst: seconds to triage, to vectors."""
    from ticketing.core import embeddings

    with app.app_context():
        embedding = embeddings.active()
    app.extensions["jobs"].connection.flushdb()
    log_path = log_dir / f"bench-worker-{mode}.log"
    proc = start_worker(db_url, redis_url, log_path, mode)
    try:
        wait_listening(app, proc, log_path)
        tag = uuid.uuid4().hex[:6]
        floor = insert_burst(app, tickets, tag)
        started = time.perf_counter()
        from ticketing.classification.jobs import ring

        with app.app_context():
            ring()
        deadline = started + max(120.0, tickets / 20)
        triaged = wait_until(lambda: waiting(app, floor), deadline, log_path, "waiting")
        embedded = None
        if embedding:
            deadline = triaged + max(300.0, tickets / 5)
            embedded = wait_until(
                lambda: tickets - with_vector(app, floor), deadline, log_path, "without a vector"
            )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {
        "floor": floor,
        "triage_s": triaged - started,
        "vectors_s": None if embedded is None else embedded - started,
        "drain_s": None if embedded is None else embedded - triaged,
    }


def forget_burst(app, floor: int) -> None:
    """Delete a pass's tickets (the off pass's have no vector: the next drain would embed them)."""
    from sqlalchemy import delete

    from ticketing.core.extensions import db
    from ticketing.models import Ticket

    with app.app_context():
        db.session.execute(delete(Ticket).where(Ticket.id > floor))
        db.session.commit()


def embed_backlog(app) -> int:
    """Embed, here, tickets of earlier runs that have no vector: the timed drain embeds only
    this burst's."""
    from ticketing.tickets import vector_drain

    done, after = 0, 0
    with app.app_context():
        while True:
            written, last = vector_drain.embed_next(64, after)
            if last == after:
                return done
            done, after = done + written, last


def run(
    db_url: str, redis_url: str, tickets: int, migrate: bool, log_dir: Path, also_off: bool
) -> dict:
    app = make_app(db_url, redis_url)
    if migrate:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
    off = None
    if also_off:
        off = burst(make_app(db_url, redis_url, "off"), db_url, redis_url, tickets, log_dir, "off")
        forget_burst(app, off["floor"])
    backlog = embed_backlog(app)
    on = burst(app, db_url, redis_url, tickets, log_dir, "auto")
    baseline = classifier_rate(tickets)
    worker_rate = tickets / on["triage_s"]
    return {
        "tickets": tickets,
        "seconds": on["triage_s"],
        "worker_per_s": worker_rate,
        "classifier_per_s": baseline,
        "ratio": baseline / worker_rate,
        "vectors_s": on["vectors_s"],
        "drain_per_s": tickets / on["drain_s"] if on["drain_s"] else None,
        "off_per_s": tickets / off["triage_s"] if off else None,
        "backlog": backlog,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL"))
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true", help="300 tickets (CI)")
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--log-dir", default=None)
    parser.add_argument(
        "--also-off", action="store_true", help="first the same burst with EMBEDDINGS=off"
    )
    args = parser.parse_args()
    if not args.db or not args.redis:
        parser.error("--db and --redis are required (a PostgreSQL database and Redis you own)")
    tickets = 300 if args.smoke else args.tickets
    log_dir = Path(args.log_dir or tempfile.gettempdir())
    out = run(args.db, args.redis, tickets, not args.no_migrate, log_dir, args.also_off)
    print(f"tickets            {out['tickets']}")
    if out["backlog"]:
        print(f"(first embedded    {out['backlog']} tickets of earlier runs, untimed)")
    print(f"triaged in         {out['seconds']:.2f} s")
    print(f"worker             {out['worker_per_s']:.0f} tickets/s (one `flask tickets worker`)")
    print(f"classifier alone   {out['classifier_per_s']:.0f} tickets/s (fallback, this process)")
    print(f"ratio              {out['ratio']:.1f}x (classifier / worker)")
    if out["off_per_s"] is not None:
        print(
            f"EMBEDDINGS=off     {out['off_per_s']:.0f} tickets/s "
            f"(on/off {out['worker_per_s'] / out['off_per_s']:.2f})"
        )
    if out["vectors_s"] is None:
        print("vectors            none (no embedding model here)")
    else:
        print(f"vectors stored in  {out['vectors_s']:.2f} s from the burst")
        print(f"vector drain       {out['drain_per_s']:.0f} tickets/s (after triage ended)")


if __name__ == "__main__":
    main()
