"""The ticket rollups stay exact through every kind of write, and /api/stats read from them
gives the same figures as a scan of the tickets."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import request
from sqlalchemy import delete, update

from ticketing.core.extensions import db
from ticketing.core.vocab import Category, Priority, Source, TicketStatus, values
from ticketing.models import Ticket, TicketRollup
from ticketing.stats import rollup_queries
from ticketing.tickets import rollups
from ticketing.tickets.schemas import TicketFilterQuery

from .helpers import insert_tickets, mixed_tickets


def _filters() -> dict:
    return TicketFilterQuery().load(request.args)


def _stats(app, client, query: str, from_rollups: bool) -> dict:
    app.config["STATS_FROM_ROLLUPS"] = from_rollups
    response = client.get("/api/stats" + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _mutate_through_the_api(client, rng: random.Random) -> None:
    """Creates, edits of status/category/priority (manual sources), resolutions, deletes."""
    ids = []
    for i in range(30):
        body = {"subject": f"Printer {i} jammed", "body": "It jams on every page."}
        if i % 3:
            body["category"] = rng.choice(values(Category))
        if i % 4 == 0:
            body["priority"] = rng.choice(values(Priority))
        response = client.post("/api/tickets", json=body)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    for ticket_id in ids[:20]:
        change = rng.choice(
            [
                {"status": rng.choice(values(TicketStatus))},
                {"category": rng.choice([*values(Category), None])},
                {"priority": rng.choice(values(Priority))},
                {"status": "resolved", "category": "billing"},
            ]
        )
        assert client.patch(f"/api/tickets/{ticket_id}", json=change).status_code == 200
    for ticket_id in ids[20:25]:
        assert client.delete(f"/api/tickets/{ticket_id}").status_code == 204


@pytest.fixture
def mixed_writes(app, client, runner):
    """A mixed data set written through every path: ORM inserts with old dates, the API,
    the seeder's Core/COPY batches, edits of loaded and of expired tickets, a rollback."""
    now = datetime.now(UTC)
    rows = insert_tickets(app, mixed_tickets(now, n=60))
    _mutate_through_the_api(client, random.Random(7))
    result = runner.invoke(args=["tickets", "seed", "--count", "40", "--days", "20"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        expired = db.session.get(Ticket, rows[0]["id"])
        db.session.commit()  # expires it: the next sets happen while unloaded
        expired.status = "closed"
        expired.resolved_at = now
        expired.urgency_score = 99
        db.session.delete(db.session.get(Ticket, rows[1]["id"]))
        db.session.commit()
        db.session.add(Ticket(subject="Never saved", body="Rolled back.", status="open"))
        db.session.flush()
        db.session.rollback()
    return now


def test_rollups_match_a_full_recount_after_mixed_writes(app, mixed_writes):
    with app.app_context():
        assert rollups.check() == []
        assert db.session.query(TicketRollup).count() > 0


QUERIES = [
    "",
    "?status=open,closed",
    "?status=resolved",
    "?created_from={d20}&created_to={d3}",
    "?created_to={d10}",
    "?status=open&created_from={d40}",
]


def test_stats_from_rollups_equal_the_scan(app, client, mixed_writes):
    days = {f"d{n}": (mixed_writes - timedelta(days=n)).date().isoformat() for n in (3, 10, 20, 40)}
    for template in QUERIES:
        query = template.format(**days)
        app.config["STATS_FROM_ROLLUPS"] = True
        with app.test_request_context("/api/stats" + query):
            assert rollup_queries.answerable(_filters()), query
        assert _stats(app, client, query, True) == _stats(app, client, query, False), query


@pytest.mark.parametrize("query", ["?category=billing", "?created_from=2026-01-01T12:00:00Z"])
def test_other_filters_fall_back_to_the_scan(app, client, query):
    with app.test_request_context("/api/stats" + query):
        assert not rollup_queries.answerable(_filters())


def test_rebuild_repairs_rollups_that_raw_writes_skewed(app, runner, mixed_writes):
    with app.app_context():
        # Core statements behind the hooks' back: the rollups no longer match.
        db.session.execute(update(Ticket).values(status="closed"))
        db.session.execute(delete(TicketRollup).where(TicketRollup.dimension == "category"))
        db.session.commit()
    result = runner.invoke(args=["tickets", "rollups", "check"])
    assert result.exit_code == 1
    assert "differ" in result.output
    result = runner.invoke(args=["tickets", "rollups", "rebuild"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["tickets", "rollups", "check"])
    assert result.exit_code == 0, result.output
    assert "match" in result.output


def test_median_from_the_histogram_is_within_half_a_percent(app, client, monkeypatch):
    rng = random.Random(11)
    now = datetime.now(UTC)
    specs = []
    for i in range(301):
        created = now - timedelta(days=rng.randint(1, 60))
        hours = rng.lognormvariate(2.5, 1.2)
        specs.append(
            {
                "subject": f"Case {i}",
                "status": rng.choice(["resolved", "closed"]),
                "created_at": created,
                "resolved_at": created + timedelta(hours=hours),
            }
        )
    insert_tickets(app, specs)
    exact = statistics.median(
        (s["resolved_at"] - s["created_at"]).total_seconds() / 3600 for s in specs
    )
    monkeypatch.setattr(rollup_queries, "EXACT_MEDIAN_MAX", 0)
    got = _stats(app, client, "", True)["median_resolution_hours"]
    assert got == pytest.approx(exact, rel=0.005, abs=0.01)
    # A created window covering every ticket reads its days' histograms: the same answer.
    frm = (now - timedelta(days=61)).date().isoformat()
    windowed = _stats(app, client, f"?created_from={frm}", True)
    assert windowed["median_resolution_hours"] == got


def _within_histogram_tolerance(got: float | None, exact: float | None) -> bool:
    """The stated bound: 0.5% of the exact median, plus 0.01 h for both roundings."""
    if exact is None or got is None:
        return got is exact
    return abs(got - exact) <= 0.005 * exact + 0.01


def _histogram(app, **where) -> dict:
    with app.app_context():
        rows = db.session.query(TicketRollup).filter_by(dimension="resolution", **where)
        return {(r.day, r.status, r.value): r.n for r in rows if r.n}


def test_daily_histograms_follow_resolve_reopen_merge_and_delete(
    app, client, mixed_writes, monkeypatch
):
    """Resolving adds the ticket's bucket on its created day, reopening, merging a resolved
    ticket elsewhere and deleting take it away; the per-day and all-time histograms equal a
    recount, and every median read from them is within the stated tolerance of the exact one."""
    now = mixed_writes
    with app.app_context():
        old = db.session.query(Ticket).order_by(Ticket.created_at).limit(40).all()
        by_status = {s: [t.id for t in old if t.status == s] for s in values(TicketStatus)}
    resolved = by_status["resolved"] + by_status["closed"]
    unresolved = by_status["open"] + by_status["in_progress"]
    assert len(resolved) >= 4 and len(unresolved) >= 4
    for ticket_id in unresolved[:2]:  # resolved now: long durations on old days
        patch = client.patch(f"/api/tickets/{ticket_id}", json={"status": "resolved"})
        assert patch.status_code == 200, patch.get_json()
    reopened = client.patch(f"/api/tickets/{resolved[0]}", json={"status": "open"})
    assert reopened.status_code == 200
    assert client.delete(f"/api/tickets/{resolved[1]}").status_code == 204
    for source in (resolved[2], unresolved[2]):  # a merge closes the source ticket
        merged = client.post(f"/api/tickets/{source}/merge", json={"into": unresolved[3]})
        assert merged.status_code == 201, merged.get_json()
    with app.app_context():
        assert rollups.check() == []  # every bucket, per day and all-time, exactly
    daily = _histogram(app)
    assert any(day != rollups.ALL_DAYS for day, _s, _v in daily)
    all_time: dict = {}
    for (day, status, value), n in daily.items():
        if day != rollups.ALL_DAYS:
            all_time[(status, value)] = all_time.get((status, value), 0) + n
    assert all_time == {(s, v): n for (d, s, v), n in daily.items() if d == rollups.ALL_DAYS}

    days = {n: (now - timedelta(days=n)).date().isoformat() for n in (3, 10, 20, 30, 46)}
    queries = [
        "",
        "?status=resolved",
        f"?created_from={days[30]}",
        f"?created_from={days[20]}&created_to={days[3]}",
        f"?created_to={days[10]}",
        f"?status=closed&created_from={days[46]}",
    ]
    monkeypatch.setattr(rollup_queries, "EXACT_MEDIAN_MAX", 0)
    for query in queries:
        rolled = _stats(app, client, query, True)
        scanned = _stats(app, client, query, False)
        got = rolled.pop("median_resolution_hours")
        exact = scanned.pop("median_resolution_hours")
        assert rolled == scanned, query
        assert _within_histogram_tolerance(got, exact), (query, got, exact)


def test_pruning_drops_rows_that_went_back_to_zero(app, client):
    created = client.post("/api/tickets", json={"subject": "Short-lived", "body": "Gone."})
    assert client.delete(f"/api/tickets/{created.get_json()['id']}").status_code == 204
    with app.app_context():
        assert db.session.query(TicketRollup).count() > 0
        assert rollups.prune()["pruned"] > 0
        assert db.session.query(TicketRollup).count() == 0


def test_the_migration_backfills_the_rollups_of_existing_tickets(app, client):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import MIGRATIONS

    from .helpers import expected_stats

    now = datetime.now(UTC)
    specs = mixed_tickets(now, n=50)
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="d1a5e7c9b3f0")  # before the rollups
        columns = {"subject", "body", "status", "category", "category_source", "priority"}
        columns |= {"priority_source", "sentiment", "urgency_score", "created_at", "resolved_at"}
        # Sources a later migration added (learned) do not exist at that revision yet.
        for spec in specs:
            for key in ("category_source", "priority_source"):
                if spec[key] == Source.LEARNED:
                    spec[key] = Source.MANUAL.value
        rows = [{k: v for k, v in s.items() if k in columns} for s in specs]
        # Core, the columns of that revision only: no hooks, no rollups table yet
        then = sa.table("tickets", *(sa.column(c) for c in {*columns, "updated_at", "version"}))
        with db.engine.begin() as conn:
            conn.execute(then.insert(), [{**r, "updated_at": now, "version": 1} for r in rows])
        upgrade(directory=MIGRATIONS)
        assert rollups.check() == []
        db.session.rollback()
    got = _stats(app, client, "", True)
    want = expected_stats(specs, now.date())
    assert (got["total"], got["by_category"], got["resolved_count"]) == (
        want["total"],
        want["by_category"],
        want["resolved_count"],
    )


def test_the_migration_backfills_the_daily_histograms(app, mixed_writes):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import MIGRATIONS

    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="e7a9c1d3f5b8")  # all-time histogram only
        db.session.rollback()
    assert {day for day, _s, _v in _histogram(app)} == {rollups.ALL_DAYS}
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert rollups.check() == []
        db.session.rollback()
    assert {day for day, _s, _v in _histogram(app)} != {rollups.ALL_DAYS}


def _briefs(app) -> tuple[dict, dict]:
    """Each ticket's brief of its triage history as stored, and as its runs say it."""
    from ticketing.models import Classification

    with app.app_context():
        stored = {
            t.id: (
                t.triaged_category,
                t.triaged_priority,
                *(getattr(t, f"triage_runs_{name}") for name in rollups.RUN_COUNTS),
            )
            for t in db.session.scalars(sa.select(Ticket))
        }
        from_runs = dict.fromkeys(stored, (None, None, 0, 0, 0, 0))
        for run in db.session.scalars(sa.select(Classification).order_by(Classification.id)):
            _c, _p, *counts = from_runs[run.ticket_id]
            counts[rollups.RUN_COUNTS.index(run.source)] += 1
            counts[-1] += run.error is not None
            from_runs[run.ticket_id] = (run.category, run.priority, *counts)
        db.session.rollback()
    return stored, from_runs


def test_each_ticket_keeps_the_brief_of_its_triage_runs(app, mixed_writes):
    stored, from_runs = _briefs(app)
    assert sum(sum(brief[2:5]) for brief in stored.values()) > 30  # API triage + the seeder
    assert stored == from_runs


def test_the_migration_backfills_the_triage_briefs_and_their_rollups(app, client, mixed_writes):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import MIGRATIONS

    want = _stats(app, client, "", False)["triage"]
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="b8d0f2a4c6e8")  # no briefs yet
        db.session.rollback()
        upgrade(directory=MIGRATIONS)
        assert rollups.check() == []
        db.session.rollback()
    stored, from_runs = _briefs(app)
    assert stored == from_runs
    assert want["runs"]["total"] > 30
    assert _stats(app, client, "", True)["triage"] == want
