"""The upkeep's SLA pass over a big table: time per pass and statements issued.

``python -m bench.sla [--rows 1000000] [--open 100000] [--runs 5] [--smoke]`` on PostgreSQL
(``BENCH_DATABASE_URL``; this script uses its own ``<name>_sla`` database beside it). The
tickets are minimal rows made with ``generate_series`` (the pass reads ``ticket_slas`` only,
and ``tickets`` for escalation); every ticket has clocks: ``--open`` of them running, with due
times spread over two weeks around "now" (about 5% already overdue), the rest stopped.

Each run resets the running clocks, then times:

* **catch-up**: the first pass, which marks every clock already at risk or overdue (what a
  worker finds after a long outage);
* **steady**: passes 5 minutes of clock time apart, each finding the few clocks that crossed a
  threshold since the last — the pass the upkeep normally runs.

It prints the p50 of each with the statements issued and rows marked; the target is < 2 s
per pass with the (state, due) / (state, risk) indexes.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg
import sqlalchemy as sa
from sqlalchemy import event

from bench.dataset import SMOKE_ROWS, _plain, bench_url, create_database, make_app

TARGET_SECONDS = 2.0
SPREAD_MINUTES = 14 * 24 * 60
OVERDUE_SHARE = 0.05

FILL = """
INSERT INTO tickets (subject, body, status, priority, created_at, updated_at, version)
SELECT 'Ticket ' || g, 'Body of ticket ' || g,
       CASE WHEN g %% %(every)s = 0 THEN 'open' ELSE 'closed' END,
       (ARRAY['low', 'medium', 'high', 'critical'])[1 + g %% 4],
       %(now)s - (g %% 365) * interval '1 day', %(now)s, 1
FROM generate_series(1, %(rows)s) AS g
"""
CLOCKS = """
INSERT INTO ticket_slas (ticket_id, policy_id, started_at, first_response_state,
  resolution_state, paused_seconds, updated_at, first_response_due_at, resolution_due_at)
SELECT t.id, p.id, t.created_at,
       CASE WHEN t.status = 'open' THEN 'running' ELSE 'met' END,
       CASE WHEN t.status = 'open' THEN 'running' ELSE 'met' END,
       0, t.created_at, t.created_at + interval '8 hours', t.created_at + interval '40 hours'
FROM tickets t JOIN sla_policies p ON p.priority = t.priority
"""
#: Running clocks: due spread over SPREAD_MINUTES around now, 5% overdue; at risk 6 h before.
RESET = """
UPDATE ticket_slas SET
  first_response_state = 'running', resolution_state = 'running',
  first_response_warned_at = NULL, resolution_warned_at = NULL, escalated_at = NULL,
  first_response_due_at = %(now)s + ((ticket_id::bigint * 7919) %% %(spread)s - %(behind)s)
                                    * interval '1 minute',
  resolution_due_at = %(now)s + ((ticket_id::bigint * 104729) %% %(spread)s - %(behind)s)
                                * interval '1 minute' + interval '2 days'
WHERE ticket_id IN (SELECT id FROM tickets WHERE status = 'open');
UPDATE ticket_slas SET first_response_risk_at = first_response_due_at - interval '6 hours',
                       resolution_risk_at = resolution_due_at - interval '6 hours'
WHERE first_response_state = 'running';
DELETE FROM ticket_events WHERE action LIKE 'sla_%%';
"""


def ensure_data(url: str, rows: int, open_rows: int) -> float:
    """Migrate and fill the SLA bench database when it does not hold ``rows`` tickets."""
    from flask_migrate import upgrade

    create_database(url)
    app = make_app(url)
    with app.app_context():
        upgrade(directory="migrations")
    now = datetime.now(UTC)
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        if have == rows:
            return 0.0
        started = time.perf_counter()
        conn.execute("TRUNCATE tickets RESTART IDENTITY CASCADE")
        every = max(1, rows // open_rows)
        conn.execute(FILL, {"rows": rows, "every": every, "now": now})
        conn.execute(CLOCKS)
        conn.execute("VACUUM ANALYZE tickets")
        conn.execute("VACUUM ANALYZE ticket_slas")
        return time.perf_counter() - started


def reset(url: str, now: datetime) -> None:
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        params = {
            "now": now,
            "spread": SPREAD_MINUTES,
            "behind": int(SPREAD_MINUTES * OVERDUE_SHARE),
        }
        for statement in RESET.split(";"):
            if statement.strip():
                conn.execute(statement, params)
        conn.execute("ANALYZE ticket_slas")


def timed_pass(app, at: datetime) -> tuple[float, int, int]:
    """One pass at clock time ``at``: (seconds, statements, clocks marked)."""
    from ticketing.core.extensions import db
    from ticketing.sla.upkeep import run_pass

    statements = [0]

    def count(*args, **kwargs):
        statements[0] += 1

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            started = time.perf_counter()
            report = run_pass(at)
            spent = time.perf_counter() - started
        finally:
            event.remove(engine, "before_cursor_execute", count)
    marked = sum(
        v["breaches"] + v["warnings"] for v in report.values() if isinstance(v, dict)
    ) + int(report["escalated"])
    return spent, statements[0], marked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steady", type=int, default=5, help="steady passes per run")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.open, args.runs, args.steady = SMOKE_ROWS, SMOKE_ROWS // 10, 2, 2
    base = sa.make_url(bench_url(args.smoke))
    url = base.set(database=f"{base.database}_sla").render_as_string(hide_password=False)
    filled = ensure_data(url, args.rows, args.open)
    print(f"data: {args.rows} tickets, {args.open} with running clocks ({filled:.1f} s to fill)")
    app = make_app(url)
    catch_up, steady, statements, marked = [], [], set(), []
    for _ in range(args.runs):
        now = datetime.now(UTC).replace(microsecond=0)
        reset(url, now)
        spent, issued, n = timed_pass(app, now)
        catch_up.append(spent)
        statements.add(issued)
        marked.append(n)
        for step in range(1, args.steady + 1):
            spent, issued, n = timed_pass(app, now + timedelta(minutes=5 * step))
            steady.append(spent)
            statements.add(issued)
            marked.append(n)
    p50_catch, p50_steady = statistics.median(catch_up), statistics.median(steady)
    print(f"catch-up pass p50 {p50_catch * 1000:.0f} ms (marks ~{marked[0]} clocks)")
    print(
        f"steady pass   p50 {p50_steady * 1000:.0f} ms "
        f"(marks ~{statistics.median(marked[1 : args.steady + 1]):.0f} clocks per 5 min)"
    )
    print(
        f"statements per pass: {sorted(statements)} (4 UPDATE … RETURNING; plus the "
        "escalation SELECT, the recipients SELECT (and the team members' / assignees' when "
        "tickets have them) and one events INSERT when a pass marks something)"
    )
    for name, p50 in (("steady", p50_steady), ("catch-up", p50_catch)):
        verdict = "ok" if p50 < TARGET_SECONDS else "OVER"
        print(f"target < {TARGET_SECONDS:.0f} s per pass, {name}: {verdict}")


if __name__ == "__main__":
    main()
