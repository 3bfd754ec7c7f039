"""The duplicate flag's read on every create walks the (requester_email, id) index newest
first and stops at LOOKBACK, however many tickets the requester has."""

from __future__ import annotations

from ticketing.assist.duplicates import latest_open_of
from ticketing.core.extensions import db


def test_the_requester_lookup_walks_its_index(app_ctx):
    stmt = latest_open_of("ana@example.com")
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
        db.session.execute(db.text("SET LOCAL enable_bitmapscan = off"))
        plan = " ".join(r[0] for r in db.session.execute(db.text(f"EXPLAIN {compiled}")))
        assert "Index Scan Backward using ix_tickets_requester_email_id" in plan, plan
        assert "Sort" not in plan, plan
    else:
        rows = db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}"))
        plan = " ".join(str(r[-1]) for r in rows)
        assert "ix_tickets_requester_email_id" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
