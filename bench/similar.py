"""``GET /api/tickets/<id>/similar`` latency on PostgreSQL at 100k (and 1M) tickets.

Reports p50/p95 of the full request (Flask test client with a bearer token: parsing, candidate
query on the ``search_vector`` GIN index, scoring, the resolving replies, serialisation) for
random tickets, each scope; and, as the baseline measured in the same run, the naive way: the
same OR query ranked by ``ts_rank`` with every word of the ticket (no rarity choice, no row
budget). Target: p95 <= 50 ms. One public reply per tenth resolved ticket is added (once) so
that resolved look-alikes carry their reply as in real use.

    BENCH_DATABASE_URL=postgresql://…/ticketing_bench python -m bench.similar --rows 100000
    python bench/similar.py --smoke     # a few hundred tickets on SQLite: checks it runs (CI)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a path, sys.path[0] is bench/ itself, where bench/http.py would shadow the stdlib.
sys.path[0] = str(ROOT)

import sqlalchemy as sa  # noqa: E402

SCOPES = ("all", "open", "resolved")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def bearer(app) -> dict:
    from ticketing.accounts import services
    from ticketing.core.extensions import db
    from ticketing.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "bench@example.com"))
        if user is None:
            user = services.create_user("bench@example.com", "Bench", "agent", "bench-password-1")
        _token, text = services.create_token(user, "bench")
        db.session.commit()
        return {"Authorization": f"Bearer {text}"}


def add_resolving_replies(engine) -> None:
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT 1 FROM replies LIMIT 1")).first():
            return
        user_id = conn.execute(
            sa.text("SELECT id FROM users WHERE email = 'bench@example.com'")
        ).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO replies (ticket_id, author_name, user_id, body, internal, created_at) "
                "SELECT id, 'Bench', :u, 'We fixed it: ' || left(body, 200), false, "
                "coalesce(resolved_at, created_at) FROM tickets "
                "WHERE status IN ('resolved', 'closed') AND id % 10 = 0"
            ),
            {"u": user_id},
        )
        conn.execute(sa.text("ANALYZE replies"))


def time_similar(client, headers, ids, scope) -> list[float]:
    samples = []
    for ticket_id in ids:
        started = time.perf_counter()
        response = client.get(
            f"/api/tickets/{ticket_id}/similar", query_string={"k": 5, "scope": scope},
            headers=headers,
        )  # fmt: skip
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_json()
    return samples


def time_naive(engine, ids) -> list[float]:
    """Every word of the ticket ORed, ranked by ts_rank over all matches (the baseline)."""
    sql = sa.text(
        "WITH q AS (SELECT to_tsquery('english', array_to_string(tsvector_to_array("
        "search_vector), ' | ')) AS q FROM tickets WHERE id = :id) "
        "SELECT t.id FROM tickets t, q WHERE t.search_vector @@ q.q AND t.id <> :id "
        "ORDER BY ts_rank(t.search_vector, q.q) DESC LIMIT 20"
    )
    samples = []
    with engine.connect() as conn:
        for ticket_id in ids:
            started = time.perf_counter()
            conn.execute(sql, {"id": ticket_id}).all()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(name: str, samples: list[float]) -> float:
    p50, p95 = statistics.median(samples), percentile(samples, 95)
    print(f"{name:<28} {p50:8.1f} {p95:8.1f}")
    return p95


def smoke() -> None:
    """A few hundred tickets on SQLite through the app: the code path runs, figures print."""
    from flask_migrate import upgrade

    from config import TestConfig
    from ticketing import create_app
    from ticketing.core.extensions import db
    from ticketing.tickets.seed import generate
    from ticketing.tickets.services import build_ticket

    with tempfile.TemporaryDirectory() as tmp:
        cfg = TestConfig()
        cfg.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.db"
        cfg.REDIS_URL = None
        cfg.RATELIMIT_STORAGE_URI = "memory://"
        app = create_app(cfg)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            for row in generate(300, days=30, seed=3):
                build_ticket({"subject": row["subject"], "body": row["body"],
                              "status": row["status"]})  # fmt: skip
            db.session.commit()
        headers = bearer(app)
        client = app.test_client()
        ids = random.Random(1).sample(range(1, 301), 20)
        print(f"{'case (smoke, sqlite, 300)':<28} {'p50 ms':>8} {'p95 ms':>8}")
        for scope in SCOPES:
            report(f"similar scope={scope}", time_similar(client, headers, ids, scope))
    print("smoke ok")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        smoke()
        return
    from bench.dataset import bench_url, ensure_dataset, make_app

    filled = ensure_dataset(args.rows)
    app = make_app(bench_url())
    engine = sa.create_engine(bench_url().replace("postgresql://", "postgresql+psycopg://", 1))
    headers = bearer(app)
    add_resolving_replies(engine)
    client = app.test_client()
    ids = random.Random(7).sample(range(1, args.rows + 1), args.runs)
    client.get(f"/api/tickets/{ids[0]}/similar", headers=headers)  # warm-up
    print(f"rows: {args.rows:,}" + (f" (filled in {filled:.1f} s)" if filled else ""))
    print(f"{'case':<28} {'p50 ms':>8} {'p95 ms':>8}")
    results = {scope: report(f"similar scope={scope}", time_similar(client, headers, ids, scope))
               for scope in SCOPES}  # fmt: skip
    naive = report("baseline: naive OR ts_rank", time_naive(engine, ids[: max(10, args.runs // 5)]))
    print(f"\nnaive p95 / similar(all) p95: {naive / results['all']:.1f}x")
    ok = all(p95 <= 50 for p95 in results.values())
    print("target p95 <= 50 ms: " + ("met" if ok else "MISSED"))


if __name__ == "__main__":
    main()
