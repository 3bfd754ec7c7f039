"""Every bench/ script still runs: each in its smoke mode (tiny data, a second or so per
measurement), as a user would start it, checking it printed its figures.

The PostgreSQL-only scripts (they fill their data set with COPY and run gunicorn against it)
run in the PostgreSQL pass, on a ``<test database>_bench_smoke`` database of the same server.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from .conftest import ROOT, worker_id

PG_URL = os.environ.get("TEST_DATABASE_URL")
ON_POSTGRES = bool(PG_URL)

# script -> what its output must contain
EVERYWHERE = {
    "fallback": "tickets/s",
    "language": "lingua-low",
    "triage": "fallback",
    "audit": "ratio on/off",
    "auth": "bearer token",
    "similar": "smoke ok",
}
POSTGRES_ONLY = {
    "search": "latency targets",
    "stats": "ratio",
    "export": "COPY p50",
    "http": "x floor",
    "live": "pages: ",
    "bulk": "tickets/s",
    "sla": "per pass",
}


def run_bench(name: str, env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, "-m", f"bench.{name}", "--smoke"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"bench/{name}.py --smoke failed:\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.own_database  # each builds its own SQLite or in-memory data set
@pytest.mark.parametrize("name", sorted(EVERYWHERE))
def test_bench_script_runs_in_smoke_mode(name):
    out = run_bench(name, {})
    assert EVERYWHERE[name] in out, out


@pytest.fixture(scope="module")
def bench_env(redis_url):
    base = sa.make_url(PG_URL).set(drivername="postgresql")
    # One bench database per test worker: two scripts filling the same one would collide.
    bench = base.set(database=f"{base.database}_bench_{worker_id()}")
    env = {"BENCH_DATABASE_URL": bench.render_as_string(hide_password=False)}
    # The web bench's queue: the test's own Redis database, or in-process jobs without one.
    env["BENCH_REDIS_URL"] = redis_url or ""
    return env


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL-only scripts run in the PostgreSQL pass")
@pytest.mark.parametrize("name", sorted(POSTGRES_ONLY))
def test_postgres_bench_script_runs_in_smoke_mode(name, bench_env):
    out = run_bench(name, bench_env)
    assert POSTGRES_ONLY[name] in out, out
    if name == "http":
        rows = [line for line in out.splitlines() if line.split()[:1] in (["list"], ["stats"])]
        assert len(rows) == 2, out  # each operation printed its rate and ratio to the floor
