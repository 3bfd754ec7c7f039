"""The audit trail's cost: creating and changing tickets through the services, hook on vs off.

``python -m bench.audit [--tickets 500] [--rounds 5] [--url URL]``. Without ``--url`` it uses a
fresh SQLite file in a temporary folder (``--url postgresql://…`` for a PostgreSQL database
you own: it is migrated, and the tickets it creates are left there).

One round = for each of N tickets, what a request does: ``create_ticket`` + commit, then
``update_ticket`` (status, priority, note, tags) + commit, then ``add_reply`` + commit — with
``AUDIT_ENABLED`` off (the baseline) and on, alternating so both see the same machine load. It
prints the median of the rounds for each, their ratio, the ratio of the best rounds, and how
many events were written — for wall time and for this process's CPU time (steadier on a busy
machine; it leaves out the database server's own work and disk waits).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from sqlalchemy import func, select


def make_app(url: str):
    from config import Config
    from ticketing import create_app

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url.replace("postgresql://", "postgresql+psycopg://", 1)
    config.AUTO_CLASSIFY = False
    config.LOG_LEVEL = "WARNING"
    return create_app(config)


def one_round(app, tickets: int, enabled: bool, tag: str) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) for one round."""
    from ticketing.core.extensions import db
    from ticketing.tickets import services

    app.config["AUDIT_ENABLED"] = enabled
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        for n in range(tickets):
            ticket = services.create_ticket(
                {"subject": f"Bench {tag} {n}", "body": "The export button does nothing."}
            )
            db.session.commit()
            services.update_ticket(
                ticket,
                {
                    "status": "in_progress",
                    "priority": "high",
                    "note": "Called back",
                    "tags": ["bench", tag],
                },
            )
            db.session.commit()
            services.add_reply(ticket, {"body": "We are on it.", "internal": False})
            db.session.commit()
        elapsed = time.perf_counter() - started, time.process_time() - cpu
        db.session.remove()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--url", default=None)
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.tickets, args.rounds = 20, 1

    from flask_migrate import upgrade

    from ticketing.core.extensions import db
    from ticketing.models import TicketEvent

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    folder = tempfile.mkdtemp(prefix="bench-audit-")
    url = args.url or f"sqlite:///{folder}/bench.db"
    app = make_app(url)
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        engine = db.engine.dialect.name

    one_round(app, 20, True, "warm")  # warm-up: imports, statement caches, pages
    one_round(app, 20, False, "warm")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(TicketEvent))
    off, on = [], []
    for r in range(args.rounds):
        off.append(one_round(app, args.tickets, False, f"off{r}"))
        on.append(one_round(app, args.tickets, True, f"on{r}"))
    with app.app_context():
        written = db.session.scalar(select(func.count()).select_from(TicketEvent)) - before

    print(f"engine: {engine}; {args.tickets} tickets x (create + 4-field patch + reply), "
          f"3 commits each; median of {args.rounds} rounds")  # fmt: skip
    for kind, index in (("wall", 0), ("CPU (this process)", 1)):
        t_off = [t[index] for t in off]
        t_on = [t[index] for t in on]
        p_off, p_on = statistics.median(t_off), statistics.median(t_on)
        per_ticket = (p_on - p_off) / args.tickets * 1000
        print(f"{kind}:")
        print(f"  audit off (baseline): {p_off:7.3f} s  [{', '.join(f'{t:.2f}' for t in t_off)}]")
        print(f"  audit on:             {p_on:7.3f} s  [{', '.join(f'{t:.2f}' for t in t_on)}]")
        print(f"  ratio on/off: {p_on / p_off:.2f}x  (+{per_ticket:.2f} ms per ticket)")
        best = min(t_on) / min(t_off)
        print(f"  ratio of the best rounds: {best:.2f}x  (least disturbed by machine load)")
    print(f"events written with audit on: {written} ({written / (args.rounds * args.tickets):.0f} "
          "per ticket)")  # fmt: skip


if __name__ == "__main__":
    main()
