"""What authentication costs a request, against the same request without it (one run).

    .venv/bin/python bench/auth.py [--requests 3000]

Through the Flask test client on a temporary SQLite database: ``GET /api/health`` (a public
route doing one ``SELECT 1``) anonymously — the baseline — then with a bearer token (one
indexed lookup of the token's SHA-256 joined to its user) and with a session cookie (its
``user_sessions`` row, by the SHA-256 of the session id, joined to its user). Also times one
sign-in (a scrypt password check) and prints per-request overheads in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a path, sys.path[0] is bench/ itself, where bench/http.py would shadow the stdlib.
sys.path[0] = str(ROOT)

from flask_migrate import upgrade  # noqa: E402

from config import TestConfig  # noqa: E402
from ticketing import create_app  # noqa: E402
from ticketing.accounts import services  # noqa: E402
from ticketing.core.extensions import db  # noqa: E402

PASSWORD = "bench password long enough"  # noqa: S105 - a throwaway account


def timed(client, n: int, **kwargs) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get("/api/health", **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_json()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.requests = 30
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TestConfig()
        cfg.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.db"
        cfg.REDIS_URL = None
        cfg.RATELIMIT_STORAGE_URI = "memory://"
        cfg.PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - what production uses
        cfg.LOGIN_RATE_LIMIT_IP = cfg.LOGIN_RATE_LIMIT_EMAIL = "1000/minute"
        app = create_app(cfg)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            user = services.create_user("bench@example.com", "Bench", "agent", PASSWORD)
            _token, text = services.create_token(user, "bench")
            db.session.commit()

        anon = app.test_client()
        bearer = {"headers": {"Authorization": f"Bearer {text}"}}
        cookie = app.test_client()
        logins = []
        for _ in range(5):
            start = time.perf_counter()
            response = cookie.post(
                "/api/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
            )
            logins.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200

        timed(anon, 200)  # warm up
        rows = {
            "anonymous (baseline)": timed(anon, args.requests),
            "bearer token": timed(anon, args.requests, **bearer),
            "session cookie": timed(cookie, args.requests),
        }
    base = statistics.median(rows["anonymous (baseline)"])
    print(f"{args.requests} x GET /api/health, SQLite, Flask test client")
    print(f"{'case':24} {'p50 ms':>8} {'p95 ms':>8} {'overhead p50':>13}")
    for name, times in rows.items():
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        print(f"{name:24} {p50:8.3f} {p95:8.3f} {p50 - base:+12.3f}")
    print(f"sign-in (scrypt check + session), median of 5: {statistics.median(logins):.1f} ms")


if __name__ == "__main__":
    main()
