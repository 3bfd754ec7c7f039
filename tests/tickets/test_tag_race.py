"""New tags created by many requests at once: the upsert (``INSERT … ON CONFLICT DO NOTHING``)
cannot race, so no request fails on the tag's unique name (it was a 500 per ~30 requests).

Real threads, each with its own client and database connection, released together by a
barrier wave after wave so they collide on the same new tags. Meaningful on PostgreSQL
(``TEST_DATABASE_URL``); on SQLite the writer lock serialises them, and it passes trivially.
"""

from __future__ import annotations

import os
import statistics
import threading
import time

from sqlalchemy import func, select

from ticketing.core.extensions import db
from ticketing.models import Tag, Ticket, ticket_tags

from ..conftest import bearer_client

SHARED = [f"shared-{n}" for n in range(11)]


def run_waves(app, user, requests: int, threads: int, send) -> tuple[list[int], list[float]]:
    """``send(client, i)`` for i in range(requests), ``threads`` at a time released together."""
    statuses: list[int] = [0] * requests
    latencies: list[float] = [0.0] * requests
    barrier = threading.Barrier(threads, timeout=60)

    def work(offset: int) -> None:
        client = bearer_client(app, user)
        for i in range(offset, requests, threads):
            barrier.wait()
            started = time.perf_counter()
            try:
                statuses[i] = send(client, i).status_code
            except Exception:  # noqa: BLE001 - counted as a server error below
                statuses[i] = 599
                raise
            finally:
                latencies[i] = time.perf_counter() - started

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=300)
    return statuses, latencies


def report(name: str, statuses, latencies, elapsed: float) -> str:
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    server_errors = sum(1 for s in statuses if s >= 500)
    return (
        f"{name}: {len(statuses)} requests, {len(statuses) / elapsed:.0f} req/s, "
        f"p95 {p95:.0f} ms, {server_errors} x 5xx"
    )


def test_400_concurrent_creates_with_new_shared_tags_never_fail(app, admin_user, capsys):
    requests, threads = int(os.environ.get("TAG_RACE_REQUESTS", "400")), 10

    def send(client, i):
        wave = i // threads
        # The 11 shared tags (new to the first wave), plus one tag new to each wave.
        body = {"subject": f"Race {i}", "body": "Tags!", "tags": [*SHARED, f"wave-{wave}"]}
        return client.post("/api/tickets", json=body)

    started = time.perf_counter()
    statuses, latencies = run_waves(app, admin_user, requests, threads, send)
    elapsed = time.perf_counter() - started
    line = report("concurrent creates", statuses, latencies, elapsed)
    with capsys.disabled():
        print(f"\n{line} ({db_name(app)})")
    assert statuses == [201] * requests, line
    with app.app_context():
        names = db.session.scalars(select(Tag.name)).all()
        assert len(names) == len(set(names)) == 11 + -(-requests // threads)
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == requests
        links = db.session.scalar(select(func.count()).select_from(ticket_tags))
        assert links == requests * 12
        db.session.remove()


def test_concurrent_patches_adding_the_same_new_tags_never_fail(app, admin_user, make_ticket):
    ids = [make_ticket(subject=f"Patch me {n}")["id"] for n in range(24)]
    threads = 12

    def send(client, i):
        wave = i // threads
        return client.patch(f"/api/tickets/{ids[i]}", json={"tags": [f"new-{wave}", "patched"]})

    statuses, _ = run_waves(app, admin_user, len(ids), threads, send)
    assert statuses == [200] * len(ids)
    with app.app_context():
        names = sorted(db.session.scalars(select(Tag.name)))
        assert names == ["new-0", "new-1", "patched"]
        db.session.remove()


def db_name(app) -> str:
    with app.app_context():
        return db.engine.dialect.name
