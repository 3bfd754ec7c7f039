"""The export job vs a bare PostgreSQL COPY of the same rows, and the job's peak memory.

``python -m bench.export [--sizes 100000,1000000] [--runs 3] [--url URL]`` against the
1M-ticket database built by ``bench/dataset.py`` (checked, never refilled here).

For each size, a **fresh subprocess** (so its peak RSS belongs to that size alone):

* selects the newest N tickets with the list's own ``created_from`` filter (no filter for
  the whole table);
* alternates, ``--runs`` times after one warm-up of each:
  - **copy**: ``COPY (SELECT <the same columns> … ORDER BY id) TO STDOUT WITH CSV`` on a
    psycopg connection, written to a file in the same directory and fsynced — the raw
    columns, the tags joined by the same ``string_agg`` subquery, no neutralisation and no
    timestamp formatting: the floor for getting those rows into a file;
  - **job**: ``ticketing.exports.jobs.run_export`` on a committed export row, end to end
    (claim, heartbeat thread, neutralised COPY through the storage writer, fsync + rename,
    size, finish);
* reports the p50 of each, their ratio (target ≤ 1.5×) and ``ru_maxrss`` of the process
  (target ≤ 150 MB and flat from 100k to 1M rows).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.dataset import _plain, bench_url, make_app

TARGET_RATIO = 1.5
TARGET_RSS_MB = 150
BASE_COLUMNS = (
    "id", "subject", "body", "status", "priority", "category", "category_source", "sentiment",
    "urgency_score", "confidence", "tags", "requester_email", "note", "created_at",
    "updated_at", "resolved_at",
)  # fmt: skip
TAGS_SQL = (
    "(SELECT string_agg(tags.name, ', ' ORDER BY tags.name) FROM ticket_tags "
    "JOIN tags ON tags.id = ticket_tags.tag_id WHERE ticket_tags.ticket_id = tickets.id)"
)


def baseline_sql(created_from: str | None) -> tuple[str, dict]:
    columns = ", ".join(TAGS_SQL if c == "tags" else f"tickets.{c}" for c in BASE_COLUMNS)
    where = "WHERE tickets.created_at >= %(frm)s" if created_from else ""
    sql = f"COPY (SELECT {columns} FROM tickets {where} ORDER BY tickets.id) TO STDOUT WITH CSV"
    return sql, ({"frm": created_from} if created_from else {})


def newest_boundary(url: str, rows: int) -> tuple[str | None, int]:
    """The created_at from which the newest ``rows`` tickets start, and the exact count."""
    with psycopg.connect(_plain(url)) as conn:
        total = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        if rows >= total:
            return None, total
        boundary = conn.execute(
            "SELECT created_at FROM tickets ORDER BY created_at DESC OFFSET %s LIMIT 1",
            (rows - 1,),
        ).fetchone()[0]
        count = conn.execute(
            "SELECT count(*) FROM tickets WHERE created_at >= %s", (boundary,)
        ).fetchone()[0]
        return boundary.isoformat(), count


def run_copy(url: str, created_from: str | None, directory: str) -> float:
    sql, params = baseline_sql(created_from)
    path = Path(directory) / "baseline.csv"
    started = time.perf_counter()
    with psycopg.connect(_plain(url)) as conn, conn.cursor() as cur, path.open("wb") as out:
        with cur.copy(sql, params) as copy:
            for chunk in copy:
                out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - started
    path.unlink()
    return elapsed


def run_job(app, filters: dict, expected: int) -> float:
    from ticketing.core.extensions import db
    from ticketing.exports import services
    from ticketing.exports.jobs import run_export
    from ticketing.exports.stores import get_storage

    with app.app_context():
        export = services.create_export(filters)
        db.session.commit()
        export_id = export.id
    with app.app_context():
        started = time.perf_counter()
        status = run_export(export_id)
        elapsed = time.perf_counter() - started
        export = services.get_export(export_id)
        assert status == "done", export.error
        assert export.row_count == expected, (export.row_count, expected)
        get_storage().delete(export.storage_key)
        db.session.delete(export)
        db.session.commit()
    return elapsed


def child(url: str, rows: int, runs: int) -> dict:
    """One size, in this process: alternate copy/job runs; report times and peak RSS."""
    created_from, expected = newest_boundary(url, rows)
    filters = {"created_from": created_from} if created_from else {}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as directory:
        os.environ["EXPORT_DIR"] = directory
        app = make_app(url)
        with app.app_context():
            from ticketing.tickets.schemas import TicketFilterQuery

            loaded = TicketFilterQuery().load(filters)
        copy_times, job_times = [], []
        run_copy(url, created_from, directory)  # warm-up
        run_job(app, loaded, expected)
        for _ in range(runs):
            copy_times.append(run_copy(url, created_from, directory))
            job_times.append(run_job(app, loaded, expected))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rows": expected,
        "copy_s": statistics.median(copy_times),
        "job_s": statistics.median(job_times),
        "copy_all": copy_times,
        "job_all": job_times,
        "peak_rss_mb": peak_kb / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", default=bench_url())
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help="tiny data set (CI)")
    args = parser.parse_args()
    if args.smoke and not args.child:
        from bench.dataset import SMOKE_ROWS, ensure_dataset

        args.url, args.sizes, args.runs = bench_url(smoke=True), str(SMOKE_ROWS), 1
        ensure_dataset(SMOKE_ROWS, args.url)
    if args.child:
        print(json.dumps(child(args.url, args.child, args.runs)))
        return
    with psycopg.connect(_plain(args.url)) as conn:
        have = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    print(f"database: {args.url} ({have:,} tickets); runs per size: {args.runs} (+1 warm-up)")
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, "-m", "bench.export", "--child", str(size), "--runs", str(args.runs),
             "--url", args.url],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        ratio = result["job_s"] / result["copy_s"]
        print(
            f"{result['rows']:>9,} rows  COPY p50 {result['copy_s']:6.2f} s  "
            f"job p50 {result['job_s']:6.2f} s  ratio {ratio:4.2f}x "
            f"(target <= {TARGET_RATIO}x)  peak RSS {result['peak_rss_mb']:6.1f} MB "
            f"(target <= {TARGET_RSS_MB} MB)"
        )
        print(
            "           runs: copy "
            + ", ".join(f"{t:.2f}" for t in result["copy_all"])
            + " | job "
            + ", ".join(f"{t:.2f}" for t in result["job_all"])
        )
    if len(results) > 1:
        low, high = results[0], results[-1]
        print(
            f"peak RSS {low['rows']:,} -> {high['rows']:,} rows: "
            f"{low['peak_rss_mb']:.1f} -> {high['peak_rss_mb']:.1f} MB "
            f"({high['peak_rss_mb'] - low['peak_rss_mb']:+.1f} MB)"
        )


if __name__ == "__main__":
    main()
