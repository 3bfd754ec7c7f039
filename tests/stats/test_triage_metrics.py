"""triage_metrics(): runs by source, tickets by source, agreement with the latest run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketing.stats.services import triage_metrics

from .helpers import insert_runs, insert_tickets

NOW = datetime.now(UTC)


def run(ticket_id, category, priority, source="fallback", **extra):
    return {
        "ticket_id": ticket_id,
        "source": source,
        "category": category,
        "priority": priority,
        **extra,
    }


@pytest.fixture
def history(app):
    """Four triaged tickets and one never triaged, with what people did afterwards."""
    t = insert_tickets(
        app,
        [
            # a: triage said billing/high twice; kept as is.
            {"category": "billing", "category_source": "claude", "priority": "high",
             "priority_source": "claude", "status": "open", "created_at": NOW},
            # b: first run said technical, the latest said account; a person chose technical
            # (disagrees with the latest run) but kept the priority.
            {"category": "technical", "category_source": "manual", "priority": "low",
             "priority_source": "fallback", "status": "resolved", "created_at": NOW,
             "resolved_at": NOW},
            # c: a person cleared the category and raised the priority.
            {"category": None, "category_source": None, "priority": "critical",
             "priority_source": "manual", "status": "open", "created_at": NOW},
            # d: the latest run failed to give a priority: not comparable for priority.
            {"category": "general", "category_source": "fallback", "priority": "medium",
             "priority_source": "manual", "status": "closed", "created_at": NOW,
             "resolved_at": NOW},
            # e: never triaged; a person set both.
            {"category": "billing", "category_source": "manual", "priority": "low",
             "priority_source": "manual", "status": "open", "created_at": NOW},
        ],
    )  # fmt: skip
    a, b, c, d, _e = (row["id"] for row in t)
    insert_runs(
        app,
        [
            run(a, "billing", "high", "claude", created_at=NOW - timedelta(hours=2)),
            run(b, "technical", "low", created_at=NOW - timedelta(hours=2)),
            run(c, "billing", "low", "claude", error="claude timed out; fallback used"),
            run(d, "general", None, error="no priority"),
            run(a, "billing", "high", "claude"),
            run(b, "account", "low"),
        ],
    )
    return t


def test_runs_counted_by_source(app, history):
    with app.app_context():
        runs = triage_metrics()["runs"]
    assert runs == {
        "total": 6,
        "claude": 3,
        "fallback": 3,
        "learned": 0,
        "with_error": 2,
        "tickets": 4,
    }


def test_tickets_counted_by_category_and_priority_source(app, history):
    with app.app_context():
        metrics = triage_metrics()
    assert metrics["by_source"] == {
        "claude": 1,
        "fallback": 1,
        "manual": 2,
        "learned": 0,
        "unset": 1,
    }
    assert metrics["priority_by_source"] == {
        "claude": 1,
        "fallback": 1,
        "manual": 3,
        "learned": 0,
        "unset": 0,
    }


def test_agreement_compares_current_values_with_the_latest_run(app, history):
    with app.app_context():
        agreement = triage_metrics()["agreement"]
    # category: a agrees; b (latest said account) and c (cleared) do not; d agrees.
    assert agreement["category"] == {"rate": 0.5, "agreed": 2, "compared": 4}
    # priority: a and b agree, c changed it, d's latest run gave none (not compared).
    assert agreement["priority"] == {"rate": 0.6667, "agreed": 2, "compared": 3}


def test_filters_narrow_the_metrics(app, history):
    with app.app_context():
        metrics = triage_metrics({"status": ["open"]})
    assert metrics["runs"] == {
        "total": 3,
        "claude": 3,
        "fallback": 0,
        "learned": 0,
        "with_error": 1,
        "tickets": 2,
    }
    assert metrics["agreement"]["category"] == {"rate": 0.5, "agreed": 1, "compared": 2}
    assert metrics["by_source"]["manual"] == 1  # e


def test_no_history_means_null_rates(app):
    insert_tickets(app, [{"category": "billing", "category_source": "manual", "created_at": NOW}])
    with app.app_context():
        metrics = triage_metrics()
    assert metrics["runs"]["total"] == 0
    assert metrics["agreement"]["category"] == {"rate": None, "agreed": 0, "compared": 0}
    assert metrics["agreement"]["priority"]["rate"] is None


def test_stats_endpoint_carries_the_same_triage_block(app, client, history):
    with app.app_context():
        metrics = triage_metrics()
    assert client.get("/api/stats").get_json()["triage"] == metrics
    with app.app_context():
        filtered = triage_metrics({"status": ["open"]})
    assert client.get("/api/stats?status=open").get_json()["triage"] == filtered
