"""GET /api/stats vs the same aggregates as hand-written SQL, in one process and one run.

``python -m bench.stats [--runs 7] [--url URL]`` against the 1M-ticket PostgreSQL database
built by ``bench/dataset.py`` (it is checked, never refilled here). For each variant
(all tickets; ``status=open``) it times, after one warm-up of each:

* **api**: ``GET /api/stats`` through the Flask test client (routing, schema load, the
  service's queries through SQLAlchemy, marshmallow dump, JSON);
* **sql**: the same figures as plain SQL text on a psycopg connection — one FILTER-aggregate
  scan with ``percentile_cont``, the 30-day ``GROUP BY``, the two triage-history queries —
  fetched into a dict.

Runs alternate api/sql so both see the same cache and machine load. It prints the p50 of
each, their ratio (target ≤ 1.5×) and checks that both give the same figures.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import psycopg

from bench.dataset import SMOKE_ROWS, _plain, bench_url, ensure_dataset, make_app, signed_in_client
from ticketing.core.vocab import (
    CLOSED_STATUSES,
    Category,
    Priority,
    Sentiment,
    Source,
    TicketStatus,
    values,
)

TARGET = 1.5
STATUSES = values(TicketStatus)
CATEGORIES = values(Category)
PRIORITIES = values(Priority)
SENTIMENTS = values(Sentiment)
SOURCES = values(Source)
CLOSED = ", ".join(f"'{s}'" for s in sorted(CLOSED_STATUSES))


def _counts(column: str, values: tuple[str, ...], null_key: str | None) -> list[str]:
    parts = [f"count(*) FILTER (WHERE {column} = '{v}') AS \"{column}:{v}\"" for v in values]
    if null_key:
        parts.append(f'count(*) FILTER (WHERE {column} IS NULL) AS "{column}:{null_key}"')
    return parts


HEADLINE = f"""
SELECT count(*) AS total,
       {", ".join(_counts("status", STATUSES, None))},
       {", ".join(_counts("category", CATEGORIES, "unclassified"))},
       {", ".join(_counts("priority", PRIORITIES, "unset"))},
       {", ".join(_counts("sentiment", SENTIMENTS, "unset"))},
       {", ".join(_counts("category_source", SOURCES, "unset"))},
       {", ".join(_counts("priority_source", SOURCES, "unset"))},
       avg(urgency_score) AS avg_urgency,
       min(created_at) AS first_created,
       count(*) FILTER (WHERE status IN ({CLOSED}) AND resolved_at IS NOT NULL)
         AS resolved,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE
         WHEN status IN ({CLOSED}) AND resolved_at IS NOT NULL
         THEN resolved_at - created_at END) AS median
FROM tickets WHERE {{where}}
"""

PER_DAY = """
SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)
FROM tickets
WHERE {where} AND created_at >= %(day_from)s AND created_at < %(day_to)s
GROUP BY 1
"""

RUNS = """
SELECT count(*), count(*) FILTER (WHERE c.source = 'claude'),
       count(*) FILTER (WHERE c.source = 'fallback'),
       count(*) FILTER (WHERE c.error IS NOT NULL), count(DISTINCT c.ticket_id)
FROM classifications c {join}
"""

AGREEMENT = """
SELECT count(*) FILTER (WHERE c.category IS NOT NULL),
       count(*) FILTER (WHERE tickets.category = c.category),
       count(*) FILTER (WHERE c.priority IS NOT NULL),
       count(*) FILTER (WHERE tickets.priority = c.priority)
FROM (SELECT max(id) AS id FROM classifications GROUP BY ticket_id) latest
JOIN classifications c ON c.id = latest.id
JOIN tickets ON tickets.id = c.ticket_id
WHERE {where}
"""


def hand_written(conn: psycopg.Connection, status: str | None, today: date) -> dict:
    """The /api/stats figures, straight from SQL text."""
    where = "status = %(status)s" if status else "TRUE"
    params = {"status": status}
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    head = cur.execute(HEADLINE.format(where=where), params).fetchone()
    start = today - timedelta(days=29)
    midnight = datetime(start.year, start.month, start.day, tzinfo=UTC)
    days = dict(
        conn.execute(
            PER_DAY.format(where=where),
            {**params, "day_from": midnight, "day_to": midnight + timedelta(days=30)},
        ).fetchall()
    )
    join = "JOIN tickets ON tickets.id = c.ticket_id WHERE " + where if status else ""
    runs = conn.execute(RUNS.format(join=join), params).fetchone()
    agree = conn.execute(AGREEMENT.format(where=where), params).fetchone()
    median = head["median"]
    return {
        "total": head["total"],
        "by_status": {s: head[f"status:{s}"] for s in STATUSES},
        "by_category": {c: head[f"category:{c}"] for c in (*CATEGORIES, "unclassified")},
        "median_resolution_hours": (
            None if median is None else round(median.total_seconds() / 3600, 2)
        ),
        "per_day": [days.get(start + timedelta(days=i), 0) for i in range(30)],
        "runs": runs[0],
        "agreement_compared": agree[0],
    }


def _timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bench_variant(client, conn, label: str, status: str | None, runs: int) -> float:
    query = f"?status={status}" if status else ""
    today = datetime.now(UTC).date()

    def api():
        response = client.get("/api/stats" + query)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def sql():
        return hand_written(conn, status, today)

    api(), sql()  # warm-up (plans, JIT, caches)
    api_times, sql_times = [], []
    for _ in range(runs):
        seconds, from_api = _timed(api)
        api_times.append(seconds)
        seconds, from_sql = _timed(sql)
        sql_times.append(seconds)
    # Same figures, or the comparison means nothing.
    assert from_api["total"] == from_sql["total"]
    assert from_api["by_status"] == from_sql["by_status"]
    assert from_api["by_category"] == from_sql["by_category"]
    assert from_api["median_resolution_hours"] == from_sql["median_resolution_hours"]
    assert [d["count"] for d in from_api["per_day"]] == from_sql["per_day"]
    assert from_api["triage"]["runs"]["total"] == from_sql["runs"]
    assert from_api["triage"]["agreement"]["category"]["compared"] == from_sql["agreement_compared"]
    api_p50, sql_p50 = statistics.median(api_times), statistics.median(sql_times)
    ratio = api_p50 / sql_p50
    verdict = "ok" if ratio <= TARGET else "OVER TARGET"
    print(
        f"{label:<14} rows={from_api['total']:>9,}  api p50 {api_p50 * 1000:7.0f} ms  "
        f"sql p50 {sql_p50 * 1000:7.0f} ms  ratio {ratio:4.2f}x  (target <= {TARGET}x: {verdict})"
    )
    print(
        f"{'':<14} api runs ms: {[round(t * 1000) for t in api_times]}  "
        f"sql runs ms: {[round(t * 1000) for t in sql_times]}"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=bench_url())
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="tiny data set, few runs (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.url, args.runs = bench_url(smoke=True), 2
        ensure_dataset(SMOKE_ROWS, args.url)
    app = make_app(args.url)
    client = signed_in_client(app)
    with psycopg.connect(_plain(args.url), autocommit=True) as conn:
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        history = conn.execute("SELECT count(*) FROM classifications").fetchone()[0]
        print(f"bench/stats: {tickets:,} tickets, {history:,} triage runs, {args.runs} runs each")
        for label, status in (("all tickets", None), ("status=open", "open")):
            bench_variant(client, conn, label, status, args.runs)


if __name__ == "__main__":
    main()
