"""Requests per second under the Procfile's own gunicorn, each operation against a floor.

``python -m bench.http [--rows 100000] [--seconds 10] [--connections 16] [--smoke]``

Starts ``gunicorn -c gunicorn.conf.py wsgi:app`` (the Procfile's ``web:`` line, production
mode) on the PostgreSQL bench database (``bench/dataset.py``; ``BENCH_DATABASE_URL``) with
Redis for the queue (``BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/15``, flushed at
the end; empty: jobs in-process), signs in with an agent's API token, and drives each
operation with ``wrk`` (Debian's package; a small Python load generator when ``wrk`` is
missing) for ``--seconds`` over
``--connections`` keep-alive connections. The **floor** — ``GET /api/tickets/<id>``, one
authenticated indexed read — is measured interleaved with every operation: ``--rounds``
rounds (default 2) of four equal slices, floor, operation, operation, floor, so each side
gets ``--seconds`` in all and a drift of the machine's speed weighs the same on both; each
operation's rate is printed as a ratio to the floor's. (Before, one window of each, seconds
apart: on this shared 2-core machine the floor moved by up to 40% from one window to the
next, and the ratios with it.) Non-2xx answers are counted and reported (a run with any is
not a valid figure).

Operations (issue 20's table): list ``status=open&category=billing`` (25 per page), search
(two words), stats, create (``AUTO_CLASSIFY`` on), live suggestion (``POST /api/classify``,
local classifier). Targets (ratio to the floor): list ≥ 0.5, search ≥ 0.5, stats ≥ 0.5,
create ≥ 0.6, suggestion ≥ 0.9.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

import sqlalchemy as sa

from bench.dataset import SMOKE_ROWS, api_token, bench_url, ensure_dataset, make_app

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"list": 0.5, "search": 0.5, "stats": 0.5, "create": 0.6, "suggestion": 0.9}
#: ``{n}`` is replaced by a random number per request (both load generators): creates come
#: from many requesters, as in real traffic. One requester filing thousands of the same
#: ticket made every create compare against 20 look-alikes and store a duplicate flag.
CREATE_BODY = {
    "subject": "Charged twice for my subscription (order {n})",
    "body": "My card was charged twice this month for the same plan. Please refund one. Order {n}.",
    "requester_email": "bench-create-{n}@example.com",
}
PLACEHOLDER = "{n}"
#: The requesters of the tickets the create operation added (deleted after the run).
CREATED_BY = CREATE_BODY["requester_email"].replace(PLACEHOLDER, "%")
SUGGEST_BODY = {
    "subject": "Cannot sign in",
    "body": "The password reset link expired and now I am locked out of my account.",
}


def operations(ticket_id: int) -> dict[str, tuple[str, str, dict | None]]:
    """name -> (method, path, JSON body)."""
    return {
        "floor": ("GET", f"/api/tickets/{ticket_id}", None),
        "list": ("GET", "/api/tickets?status=open&category=billing&per_page=25", None),
        "search": ("GET", "/api/tickets?q=refund%20invoice&per_page=25", None),
        "stats": ("GET", "/api/stats", None),
        "create": ("POST", "/api/tickets", CREATE_BODY),
        "suggestion": ("POST", "/api/classify", SUGGEST_BODY),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(db_url: str, redis_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "APP_ENV": "production",
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "LOG_LEVEL": "WARNING",
        "AUTO_CLASSIFY": "true",
        # The bench measures throughput, not the limiter's refusals.
        "SUGGEST_RATE_LIMIT": "10000000/minute",
        "CLASSIFY_RATE_LIMIT": "10000000/minute",
    }
    env.pop("ANTHROPIC_API_KEY", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:  # no Redis: jobs run in-process, as with make run
        env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own gunicorn with our own config
            [str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):  # noqa: S310
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not answer /api/health within 60 s")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


# --- load generators ------------------------------------------------------------------


def _lua(method: str, token: str, body: dict | None) -> str:
    lines = [
        f'wrk.method = "{method}"',
        f'wrk.headers["Authorization"] = "Bearer {token}"',
    ]
    if body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        text = json.dumps(body)
        if PLACEHOLDER in text:
            # A new body per request: the placeholder replaced by a random number.
            parts = text.split(PLACEHOLDER)
            lines.append(f"local parts = {{{', '.join(json.dumps(p) for p in parts)}}}")
            lines.append(
                "function init(args)\n"
                '  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))\n'
                "end\n"
                "function request()\n"
                "  local n = tostring(math.random(1, 1000000000))\n"
                "  return wrk.format(nil, nil, nil, table.concat(parts, n))\n"
                "end"
            )
        else:
            lines.append(f"wrk.body = {json.dumps(text)}")
    # Count answers by status so non-2xx are visible (wrk folds 4xx and 5xx together).
    lines.append(
        "local codes = {}\n"
        "function response(status, headers, body) codes[status] = (codes[status] or 0) + 1 end\n"
        "function done(summary, latency, requests)\n"
        '  io.write(string.format("p95_ms %.3f\\n", latency:percentile(95) / 1000))\n'
        "end"
    )
    return "\n".join(lines)


def run_wrk(base: str, op: tuple, token: str, seconds: float, connections: int) -> dict:
    method, path, body = op
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(method, token, body))
    try:
        out = subprocess.run(  # noqa: S603
            [
                "wrk",
                f"-t{min(2, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "-s",
                script.name,
                base + path,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    p95 = re.search(r"p95_ms ([\d.]+)", out)
    return {
        "rate": rate,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "timeouts": int(errors.group(1)) if errors else 0,
        "p95_ms": float(p95.group(1)) if p95 else None,
    }


def run_python(base: str, op: tuple, token: str, seconds: float, connections: int) -> dict:
    """A keep-alive client per thread; the fallback when wrk is not installed."""
    method, path, body = op
    host, port = base.removeprefix("http://").split(":")
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    counts = {"ok": 0, "bad": 0}
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        conn = HTTPConnection(host, int(port), timeout=30)
        ok = bad = 0
        mine: list[float] = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            sent = payload
            if sent is not None and PLACEHOLDER.encode() in sent:
                sent = sent.replace(PLACEHOLDER.encode(), str(random.randrange(10**9)).encode())
            conn.request(method, path, body=sent, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if 200 <= response.status < 300:
                ok += 1
            else:
                bad += 1
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["bad"] += bad
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else None
    return {
        "rate": (counts["ok"] + counts["bad"]) / elapsed,
        "non_2xx": counts["bad"],
        "timeouts": 0,
        "p95_ms": p95,
    }


# --- the run --------------------------------------------------------------------------


def prepare(url: str, rows: int) -> tuple[str, int]:
    """The data set, a token, and an open billing ticket's id for the floor."""
    ensure_dataset(rows, url)
    app = make_app(url)
    token = api_token(app)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        ticket_id = conn.execute(sa.text("SELECT min(id) FROM tickets")).scalar()
    engine.dispose()
    return token, ticket_id


def cleanup_created(url: str, rows: int) -> None:
    """Delete the tickets the create operation added, so the data set stays at ``rows``
    (raw SQL bypasses the rollup hooks: take those tickets out of the rollups first)."""
    from ticketing.tickets import rollups

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        created = conn.execute(
            sa.text(
                f"SELECT {', '.join(rollups.FIELDS)} FROM tickets WHERE requester_email LIKE :e"
            ),
            {"e": CREATED_BY},
        )
        deltas = rollups.Deltas()
        for row in created.mappings():
            deltas.add(row, -1)
        rollups.write(conn, deltas)
        conn.execute(
            sa.text("DELETE FROM tickets WHERE requester_email LIKE :e"),
            {"e": CREATED_BY},
        )
    # Vacuum what the creates left: thousands of dead rows and, above all, the search
    # index's pending list (GIN's fast update keeps new entries in a list every search
    # reads until a vacuum merges it; 381 pages after three runs, and each next run's
    # search read them: "refund invoice" 10.9 -> 9.1 ms in the test client once vacuumed).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE) tickets"))
    engine.dispose()


def measure(run, name: str, rounds: int) -> tuple[dict, float, int]:
    """``name``'s rate against the floor's, measured in ``rounds`` rounds of four equal
    slices — floor, operation, operation, floor — so a drift of the machine's speed during a
    round weighs the same on both sides (the two rates come from interleaved slices of equal
    total time, not from two windows seconds apart). Returns the operation's mean rate (with
    its median slice p95), the floor's mean rate and the non-2xx answers of every slice."""
    floors: list[dict] = []
    slices: list[dict] = []
    for _ in range(rounds):
        floors.append(run("floor"))
        slices.append(run(name))
        slices.append(run(name))
        floors.append(run("floor"))
    p95s = sorted(r["p95_ms"] for r in slices if r["p95_ms"] is not None)
    result = {
        "rate": statistics.fmean(r["rate"] for r in slices),
        "p95_ms": p95s[len(p95s) // 2] if p95s else None,
    }
    bad = sum(r["non_2xx"] for r in (*slices, *floors))
    return result, statistics.fmean(r["rate"] for r in floors), bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", help="comma list of operations (default: all)")
    parser.add_argument("--python", action="store_true", help="Python load generator, not wrk")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds of floor, operation, operation, floor slices per operation (each slice "
        "--seconds / (2 x rounds), at least 1 s)",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny data set, 1 s each (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.seconds, args.connections, args.rounds = SMOKE_ROWS, 2, 4, 1
    url = bench_url(smoke=args.smoke)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")  # "" = none
    drive = run_python if args.python or not shutil.which("wrk") else run_wrk
    token, ticket_id = prepare(url, args.rows)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ops = operations(ticket_id)
    wanted = [o for o in ops if o != "floor"]
    if args.only:
        wanted = [o for o in args.only.split(",") if o in ops and o != "floor"]

    with tempfile.TemporaryDirectory() as tmp:
        proc = start_gunicorn(url, redis_url, port, Path(tmp) / "gunicorn.log")
        try:
            gen = "wrk" if drive is run_wrk else "python"
            print(
                f"bench/http: {args.rows:,} tickets, gunicorn.conf.py, {args.connections} "
                f"connections, {args.seconds:g} s per run, load from {gen}"
            )
            # Warm every worker and code path once before measuring.
            for name in ("floor", *wanted):
                drive(base, ops[name], token, 1, args.connections)
            print(f"{'operation':<12} {'req/s':>9} {'p95 ms':>8} {'floor req/s':>12} "
                  f"{'x floor':>8} {'target':>7} {'non-2xx':>8}")  # fmt: skip
            failed = False
            slice_s = max(1.0, round(args.seconds / (2 * args.rounds)))
            for name in wanted:
                result, floor, bad = measure(
                    lambda op: drive(base, ops[op], token, slice_s, args.connections),
                    name,
                    args.rounds,
                )
                ratio = result["rate"] / floor if floor else 0.0
                failed |= bad > 0
                met = "ok" if ratio >= TARGETS[name] else "MISSED"
                p95 = f"{result['p95_ms']:.1f}" if result["p95_ms"] is not None else "-"
                print(f"{name:<12} {result['rate']:9.1f} {p95:>8} {floor:12.1f} "
                      f"{ratio:8.2f} {TARGETS[name]:>5.1f} {met:<6} {bad:>5}")  # fmt: skip
        finally:
            stop(proc)
            cleanup_created(url, args.rows)
            if redis_url:
                import redis

                redis.Redis.from_url(redis_url).flushdb()
    if failed:
        print("some answers were not 2xx: the figures above are not valid")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
