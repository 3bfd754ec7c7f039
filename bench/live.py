"""Live updates by cursor polling: 200 open pages against 2 gunicorn workers.

``python -m bench.live [--rows 20000] [--pages 200] [--seconds 20] [--smoke]``

Starts the Procfile's gunicorn (``WEB_CONCURRENCY=2``, gthread) on the PostgreSQL bench
database (``BENCH_DATABASE_URL``; ``bench/dataset.py``), then:

1. **baseline**: one client reads the list (``GET /api/tickets?per_page=25``) and one ticket
   in turn for ``--seconds`` with no page open: p50/p95;
2. **loaded**: the same while ``--pages`` simulated pages poll ``GET /api/changes?after=…``
   every ``LIVE_POLL_SECONDS`` (2 s, each page starting at a random offset) and renew their
   presence every 5 s, and a writer changes a ticket every second: the API's p50/p95 again
   (target: p95 < 100 ms), the polls' p95, and the **live delay** — from the writer's commit
   to the moment each page's poll returns the change (mean and max over pages and writes);
3. the feed query itself (``changes_after``, in-process): mean time (target < 5 ms).

Ratios loaded/baseline are printed, so machine load drifts out of the comparison.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

import sqlalchemy as sa

from bench.dataset import SMOKE_ROWS, api_token, bench_url, ensure_dataset, make_app
from bench.http import free_port, start_gunicorn, stop

POLL_SECONDS = 2.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Client:
    def __init__(self, port: int, token: str) -> None:
        self.conn = HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        payload = json.dumps(body).encode() if body is not None else None
        try:
            self.conn.request(method, path, body=payload, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
        except OSError:
            self.conn.close()
            return 599, b"", (time.perf_counter() - started) * 1000
        return response.status, data, (time.perf_counter() - started) * 1000


def api_latencies(port: int, token: str, ticket_id: int, seconds: float) -> list[float]:
    client = Client(port, token)
    stop_at, latencies = time.monotonic() + seconds, []
    paths = ["/api/tickets?per_page=25", f"/api/tickets/{ticket_id}"]
    n = 0
    while time.monotonic() < stop_at:
        status, _, ms = client.call("GET", paths[n % 2])
        n += 1
        if status == 200:
            latencies.append(ms)
    return latencies


class Pages:
    """Simulated open pages, each polling the change feed from its own cursor."""

    def __init__(self, port: int, token: str, count: int, ticket_ids: list[int]) -> None:
        self.port, self.token, self.count, self.ticket_ids = port, token, count, ticket_ids
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.poll_ms: list[float] = []
        self.errors = 0
        self.written: dict[int, float] = {}  # ticket id -> when the writer's PATCH returned
        self.delays: list[float] = []

    def page(self, n: int) -> None:
        client = Client(self.port, self.token)
        watched = random.choice(self.ticket_ids)
        status, data, _ = client.call("GET", "/api/changes")
        cursor = json.loads(data)["cursor"] if status == 200 else 0
        time.sleep(random.random() * POLL_SECONDS)
        last_presence = 0.0
        while not self.stop.is_set():
            status, data, ms = client.call("GET", f"/api/changes?after={cursor}&ticket={watched}")
            seen_at = time.monotonic()
            with self.lock:
                if status != 200:
                    self.errors += 1
                    continue
                self.poll_ms.append(ms)
                answer = json.loads(data)
                cursor = answer["cursor"]
                for change in answer["items"]:
                    written = self.written.get(change["ticket_id"])
                    if written and change["field"] == "priority":
                        self.delays.append((seen_at - written) * 1000)
            if seen_at - last_presence > 5:
                client.call("PUT", f"/api/tickets/{watched}/presence", {"state": "viewing"})
                last_presence = seen_at
            self.stop.wait(POLL_SECONDS)

    def writer(self) -> None:
        client = Client(self.port, self.token)
        priorities = ["low", "medium", "high", "critical"]
        n = 0
        while not self.stop.is_set():
            ticket_id = self.ticket_ids[n % len(self.ticket_ids)]
            status, _, _ = client.call(
                "PATCH", f"/api/tickets/{ticket_id}", {"priority": priorities[n % 4]}
            )
            if status == 200:
                with self.lock:
                    self.written[ticket_id] = time.monotonic()
            n += 1
            self.stop.wait(1.0)

    def __enter__(self) -> Pages:
        self.threads = [
            threading.Thread(target=self.page, args=(n,), daemon=True) for n in range(self.count)
        ]
        self.threads.append(threading.Thread(target=self.writer, daemon=True))
        for thread in self.threads:
            thread.start()
        time.sleep(POLL_SECONDS + 0.5)  # every page has polled once
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=35)


def feed_query_ms(url: str, repeats: int = 200) -> float:
    app = make_app(url)
    with app.app_context():
        from ticketing.core.extensions import db
        from ticketing.live.services import changes_after, latest_cursor

        cursor = max(0, latest_cursor() - 20)
        changes_after(cursor)
        started = time.perf_counter()
        for _ in range(repeats):
            changes_after(cursor)
            db.session.rollback()
        return (time.perf_counter() - started) * 1000 / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--smoke", action="store_true", help="tiny data, 20 pages, 4 s")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.pages, args.seconds = SMOKE_ROWS, 20, 4
    url = bench_url(args.smoke)
    ensure_dataset(args.rows, url)
    app = make_app(url)
    token = api_token(app)
    with app.app_context():
        from ticketing.core.extensions import db
        from ticketing.models import Ticket

        ids = list(db.session.scalars(sa.select(Ticket.id).order_by(Ticket.id).limit(50)))
        db.session.remove()
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "gunicorn.log"
    proc = start_gunicorn(url, "", port, log)
    try:
        api_latencies(port, token, ids[0], 1.0)  # warm both workers
        base = api_latencies(port, token, ids[0], args.seconds)
        with Pages(port, token, args.pages, ids) as pages:
            loaded = api_latencies(port, token, ids[0], args.seconds)
    finally:
        stop(proc)
    feed_ms = feed_query_ms(url)
    base95, load95 = pct(base, 0.95), pct(loaded, 0.95)
    print(
        f"live updates: {args.pages} pages polling every {POLL_SECONDS:.0f} s, 2 gunicorn workers"
    )
    print(
        f"API p50/p95 without pages: {pct(base, 0.5):.1f} / {base95:.1f} ms ({len(base)} requests)"
    )
    print(
        f"API p50/p95 with {args.pages} pages: {pct(loaded, 0.5):.1f} / {load95:.1f} ms "
        f"({len(loaded)} requests; target p95 < 100 ms) -> p95 ratio {load95 / base95:.2f}"
    )
    print(
        f"polls: {len(pages.poll_ms)} answered, p95 {pct(pages.poll_ms, 0.95):.1f} ms, "
        f"{pages.errors} errors"
    )
    if pages.delays:
        print(
            f"live delay (commit -> page sees it): mean {statistics.mean(pages.delays):.0f} ms, "
            f"p95 {pct(pages.delays, 0.95):.0f} ms, max {max(pages.delays):.0f} ms "
            f"over {len(pages.delays)} sightings"
        )
    print(f"feed query (changes_after, in-process): {feed_ms:.2f} ms (target < 5 ms)")


if __name__ == "__main__":
    main()
