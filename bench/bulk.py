"""Bulk edit timing: one ``POST /api/tickets/bulk`` over 10,000 tickets, run as its job.

``python -m bench.bulk [--tickets 10000] [--smoke]``

On the PostgreSQL bench database (``BENCH_DATABASE_URL``; ``bench/dataset.py``) it creates a
bulk edit of the first ``--tickets`` tickets (tag added, status set, priority set) and runs the
job in-process, as a worker would, then prints the time, tickets per second, the audit events
it wrote, and the same per-ticket cost for a 100-ticket edit (the ratio shows whether the cost
grows with the set).
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa

from bench.dataset import SMOKE_ROWS, bench_url, ensure_dataset, make_app


def run(app, ids: list[int], n: int) -> tuple[float, int]:
    from ticketing.core.extensions import db
    from ticketing.models import TicketEvent
    from ticketing.tickets import bulk

    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent))
        record = bulk.create_bulk(
            ids, {"tags_add": [f"bulk-{n}"], "status": "in_progress", "priority": "high"}, None
        )
        db.session.commit()
        started = time.perf_counter()
        status = bulk.run_bulk(record.id)
        seconds = time.perf_counter() - started
        assert status == "done", status
        after = db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent))
        db.session.remove()
    return seconds, after - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true", help="500 tickets")
    args = parser.parse_args()
    if args.smoke:
        args.tickets = 500
    url = bench_url(args.smoke)
    ensure_dataset(max(args.tickets, SMOKE_ROWS if args.smoke else args.tickets), url)
    app = make_app(url)
    with app.app_context():
        from ticketing.core.extensions import db
        from ticketing.models import Ticket

        ids = list(db.session.scalars(sa.select(Ticket.id).order_by(Ticket.id).limit(args.tickets)))
        db.session.remove()
    small_s, _ = run(app, ids[:100], 1)
    big_s, events = run(app, ids, 2)
    per_small, per_big = small_s / 100 * 1000, big_s / len(ids) * 1000
    print(f"bulk edit of {len(ids)} tickets (tag + status + priority, audited per ticket):")
    print(f"  {big_s:.1f} s, {len(ids) / big_s:.0f} tickets/s, {events} audit events written")
    print(
        f"  per ticket: {per_big:.2f} ms at {len(ids)} vs {per_small:.2f} ms at 100 "
        f"(ratio {per_big / per_small:.2f})"
    )


if __name__ == "__main__":
    main()
