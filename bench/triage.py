"""What a triage costs end to end: live suggestions, inline triage runs, and Claude's overhead.

    .venv/bin/python bench/triage.py [--tickets 300] [--suggestions 300]

Runs an app on a fresh SQLite file (embedded queue). Measures: ``POST /api/classify`` with the
fallback (requests/s, p50/p95 ms); ``triage_ticket`` per ticket with the fallback (history row +
apply + two commits); the same through the real anthropic SDK against the local fake Messages
API from the tests (so the figure is our overhead plus localhost HTTP, not Claude's latency).
Baseline: a bare ``fallback.classify`` call on the same texts.
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

from bench.dataset import signed_in_client  # noqa: E402
from tests.classification.fake_anthropic import FakeAnthropic, tool  # noqa: E402
from tests.conftest import make_config  # noqa: E402
from ticketing import create_app  # noqa: E402
from ticketing.classification import fallback  # noqa: E402
from ticketing.classification.jobs import triage_ticket  # noqa: E402
from ticketing.core.extensions import db  # noqa: E402
from ticketing.tickets.services import create_ticket  # noqa: E402

TEXTS = [
    ("Charged twice", "My card was charged twice for the May invoice, please refund one."),
    ("Cannot log in", "The password reset link never arrives and 2FA codes fail."),
    ("Site down", "Production is down for all our users since 9am, every request times out!"),
    ("Question", "How can I export my tickets to a spreadsheet?"),
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def make_app(tmp: str, **overrides):
    cfg = make_config(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.db",
        RATELIMIT_ENABLED=False,
        AUTO_CLASSIFY=False,
        **overrides,
    )
    app = create_app(cfg)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def seed(app, n: int) -> list[int]:
    with app.app_context():
        ids = []
        for i in range(n):
            subject, body = TEXTS[i % len(TEXTS)]
            ids.append(create_ticket({"subject": subject, "body": body}).id)
        db.session.commit()
        return ids


def run_triage(app, ids: list[int]) -> list[float]:
    times = []
    with app.app_context():
        for tid in ids:
            started = time.perf_counter()
            triage_ticket(tid)
            times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    total = sum(times) / 1000
    print(
        f"{name:<38} {len(times) / total:8.0f}/s   p50 {statistics.median(times):6.2f} ms"
        f"   p95 {pct(times, 0.95):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--suggestions", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.tickets, args.suggestions = 10, 10
    fallback.warm_up()

    base = []
    for i in range(args.suggestions):
        subject, body = TEXTS[i % len(TEXTS)]
        started = time.perf_counter()
        fallback.classify(subject, body)
        base.append((time.perf_counter() - started) * 1000)
    report("baseline: fallback.classify", base)

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        client = signed_in_client(app)
        times = []
        for i in range(args.suggestions):
            subject, body = TEXTS[i % len(TEXTS)]
            started = time.perf_counter()
            response = client.post("/api/classify", json={"subject": subject, "body": body})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (response.status_code, response.get_json())
        report("POST /api/classify (fallback)", times)
        report("triage run, fallback (SQLite)", run_triage(app, seed(app, args.tickets)))

    fake = FakeAnthropic().start()
    fake.answer(tool())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = make_app(tmp, ANTHROPIC_API_KEY="sk-bench", ANTHROPIC_BASE_URL=fake.base_url)
            ids = seed(app, args.tickets)
            run_triage(app, ids[:5])  # SDK import and first connection
            report("triage run, Claude SDK -> local fake", run_triage(app, ids))
            client = signed_in_client(app)
            times = []
            for i in range(args.suggestions):
                subject, body = TEXTS[i % len(TEXTS)]
                started = time.perf_counter()
                client.post("/api/classify", json={"subject": subject, "body": body})
                times.append((time.perf_counter() - started) * 1000)
            report("POST /api/classify (Claude -> fake)", times)
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
