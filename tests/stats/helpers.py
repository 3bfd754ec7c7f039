"""Shared test data for the stats tests: tickets inserted directly (so created_at and
resolved_at can be set), and the figures computed independently in plain Python."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from ticketing.classification import services
from ticketing.core.extensions import db
from ticketing.core.vocab import (
    CLOSED_STATUSES,
    Category,
    Priority,
    Sentiment,
    Source,
    TicketStatus,
    values,
)
from ticketing.models import Classification, Tag, Ticket


def insert_tickets(app, specs: list[dict]) -> list[dict]:
    """Insert one ticket per spec (Ticket fields, plus ``tags``); returns specs with ids."""
    with app.app_context():
        tags: dict[str, Tag] = {t.name: t for t in db.session.scalars(select(Tag))}
        rows = []
        for spec in specs:
            fields = {k: v for k, v in spec.items() if k != "tags"}
            fields.setdefault("subject", "Something")
            fields.setdefault("body", "Some body text.")
            fields.setdefault("updated_at", fields.get("created_at"))
            ticket = Ticket(**fields)
            ticket.tags = [tags.setdefault(n, Tag(name=n)) for n in spec.get("tags", [])]
            db.session.add(ticket)
            rows.append(ticket)
        db.session.commit()
        out = []
        for spec, ticket in zip(specs, rows, strict=True):
            out.append({"id": ticket.id, **spec})
        return out


def insert_runs(app, runs: list[dict]) -> None:
    """Insert triage-history rows (``Classification``) in the given order, each noted in its
    ticket's brief as a triage run does (``services.note_run``)."""
    with app.app_context():
        for run in runs:
            ticket = db.session.get(Ticket, run["ticket_id"])
            services.note_run(
                ticket, run["source"], run["category"], run["priority"], run.get("error")
            )
            db.session.add(Classification(**run))
            db.session.flush()
        db.session.commit()


WORDS = ["refund", "outage", "login", "invoice", "crash", "password"]


def mixed_tickets(now: datetime, n: int = 80, seed: int = 20261126) -> list[dict]:
    """Varied tickets over the last ~45 days: every status, unclassified ones, no priority,
    no sentiment, no urgency; never ``critical`` or ``angry`` (keys that must still be 0)."""
    rng = random.Random(seed)
    specs = []
    for i in range(n):
        created = now - timedelta(days=rng.randint(0, 45), hours=rng.uniform(0, 23))
        if i == 0:
            created = now - timedelta(minutes=5)  # one today, for sure
        if i == 1:
            created = now - timedelta(days=44, hours=2)  # one well outside 30 days
        status = rng.choice(values(TicketStatus))
        category = rng.choice([*values(Category), None])
        priority = rng.choice([p for p in values(Priority) if p != "critical"] + [None])
        spec = {
            "subject": f"{rng.choice(WORDS)} problem {i}",
            "body": f"Ticket body {i} about {rng.choice(WORDS)}.",
            "status": status,
            "category": category,
            "category_source": rng.choice(values(Source)) if category else None,
            "priority": priority,
            "priority_source": rng.choice(values(Source)) if priority else None,
            "sentiment": rng.choice([s for s in values(Sentiment) if s != "angry"] + [None]),
            "urgency_score": rng.choice([None, *range(0, 101, 7)]),
            "note": rng.choice([None, "", "call back"]),
            "created_at": created,
            "resolved_at": (
                created + timedelta(hours=rng.uniform(0.5, 300))
                if status in CLOSED_STATUSES
                else None
            ),
            "tags": rng.sample(["vip", "mobile", "web"], rng.randint(0, 2)),
        }
        specs.append(spec)
    return specs


def _count(rows, key, values, null_key):
    out = {v: sum(1 for r in rows if r.get(key) == v) for v in values}
    if null_key:
        out[null_key] = sum(1 for r in rows if r.get(key) is None)
    return out


def expected_stats(
    rows: list[dict],
    today: date,
    created_from: date | None = None,
    last_day: date | None = None,
) -> dict:
    """The /api/stats figures (except triage history), computed in Python over ``rows``,
    which must already be the tickets the filters select."""
    end = last_day or today
    start = created_from or (min(r["created_at"] for r in rows).date() if rows else None)
    days = (end - start).days + 1 if start else 0
    urgencies = [r["urgency_score"] for r in rows if r.get("urgency_score") is not None]
    durations = [
        (r["resolved_at"] - r["created_at"]).total_seconds() / 3600
        for r in rows
        if r["status"] in CLOSED_STATUSES and r.get("resolved_at") is not None
    ]
    series = [end - timedelta(days=29 - i) for i in range(30)]
    return {
        "total": len(rows),
        "open": sum(1 for r in rows if r["status"] not in ("resolved", "closed")),
        "avg_per_day": round(len(rows) / days, 2) if days else 0.0,
        "window": {
            "start": start.isoformat() if start else None,
            "end": end.isoformat(),
            "days": days,
        },
        "by_status": _count(rows, "status", values(TicketStatus), None),
        "by_category": _count(rows, "category", values(Category), "unclassified"),
        "by_priority": _count(rows, "priority", values(Priority), "unset"),
        "by_sentiment": _count(rows, "sentiment", values(Sentiment), "unset"),
        "avg_urgency_score": round(statistics.mean(urgencies), 2) if urgencies else None,
        "per_day": [
            {
                "date": d.isoformat(),
                "count": sum(1 for r in rows if r["created_at"].astimezone(UTC).date() == d),
            }
            for d in series
        ],
        "median_resolution_hours": round(statistics.median(durations), 2) if durations else None,
        "resolved_count": len(durations),
        "triage_by_source": _count(rows, "category_source", values(Source), "unset"),
        "triage_priority_by_source": _count(rows, "priority_source", values(Source), "unset"),
    }
