"""GET /api/stats from the rollups vs the same request scanning the tickets, in one run.

``python -m bench.stats [--runs 9] [--url URL]`` against the PostgreSQL database built by
``bench/dataset.py`` (1,000,000 tickets by default; it is checked, never refilled here).
For each variant — all tickets; ``status=open``; the last 30 days (a day-aligned window);
``category=billing`` (not answerable from the rollups: both columns scan) — it times
``GET /api/stats`` through the Flask test client (routing, schema load, the service's
queries, marshmallow dump, JSON) with ``STATS_FROM_ROLLUPS`` on and off, alternating so
both see the same cache and machine load, after one warm-up of each.

It prints p50/p95 of each, the speed-up (scan p50 / rollups p50), checks the two answers
are the same figures (the median within the histogram's 0.5%), and the target: rollups p95
≤ 25 ms at 1,000,000 tickets. Finally ``flask tickets rollups check`` 's recount runs once
(timed) to prove the rollups equal the tickets.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg

from bench.dataset import SMOKE_ROWS, _plain, bench_url, ensure_dataset, make_app, signed_in_client

TARGET_P95_MS = 25.0


def _timed(fn) -> tuple[float, dict]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _same_figures(rolled: dict, scanned: dict) -> None:
    """Every figure equal; the median within the histogram's precision."""
    median_r = rolled.pop("median_resolution_hours")
    median_s = scanned.pop("median_resolution_hours")
    assert rolled == scanned, "rollups and scan disagree"
    if median_s is None:
        assert median_r is None
    else:
        assert abs(median_r - median_s) <= max(0.005 * median_s, 0.011), (median_r, median_s)


def bench_variant(app, client, label: str, query: str, runs: int) -> dict:
    def get(from_rollups: bool):
        app.config["STATS_FROM_ROLLUPS"] = from_rollups
        response = client.get("/api/stats" + query)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    get(True), get(False)  # warm-up (plans, caches)
    rolled_times, scan_times = [], []
    for _ in range(runs):
        seconds, rolled = _timed(lambda: get(True))
        rolled_times.append(seconds)
        seconds, scanned = _timed(lambda: get(False))
        scan_times.append(seconds)
    app.config["STATS_FROM_ROLLUPS"] = True
    total = rolled["total"]
    _same_figures(rolled, scanned)
    r50, s50 = statistics.median(rolled_times), statistics.median(scan_times)
    r95 = _p95(rolled_times)
    print(
        f"{label:<16} rows={total:>9,}  rollups p50 {r50 * 1000:7.1f} ms  p95 "
        f"{r95 * 1000:7.1f} ms   scan p50 {s50 * 1000:7.1f} ms   "
        f"ratio scan/rollups {s50 / r50:6.1f}x"
    )
    return {"label": label, "p95_ms": r95 * 1000, "speedup": s50 / r50}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=bench_url())
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--smoke", action="store_true", help="tiny data set, few runs (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.url, args.runs = bench_url(smoke=True), 2
        ensure_dataset(SMOKE_ROWS, args.url)
    app = make_app(args.url)
    client = signed_in_client(app)
    with psycopg.connect(_plain(args.url), autocommit=True) as conn:
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM ticket_rollups").fetchone()[0]
    print(f"bench/stats: {tickets:,} tickets, {rows:,} rollup rows, {args.runs} runs each")
    since = (datetime.now(UTC) - timedelta(days=29)).date().isoformat()
    variants = (
        ("all tickets", ""),
        ("status=open", "?status=open"),
        ("last 30 days", f"?created_from={since}"),
        ("category=billing", "?category=billing"),
    )
    results = [bench_variant(app, client, label, q, args.runs) for label, q in variants[:3]]
    bench_variant(app, client, *variants[3], args.runs)
    worst = max(r["p95_ms"] for r in results)
    verdict = "ok" if worst <= TARGET_P95_MS else "OVER TARGET"
    print(f"worst rollups p95 {worst:.1f} ms (target <= {TARGET_P95_MS:.0f} ms: {verdict})")
    with app.app_context():
        from ticketing.core.extensions import db
        from ticketing.tickets import rollups

        seconds, differences = _timed(rollups.check)
        db.session.rollback()
    print(f"recount check: {len(differences)} differing rows ({seconds:.1f} s to recount)")
    assert not differences, differences[:5]


if __name__ == "__main__":
    main()
