"""GET /api/stats: every figure equals an independent count over a mixed data set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from ticketing.core.extensions import db
from ticketing.core.vocab import TicketStatus, values

from .helpers import expected_stats, insert_tickets, mixed_tickets


def today():
    return datetime.now(UTC).date()


def get_stats(client, query: str = "") -> dict:
    response = client.get("/api/stats" + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def assert_figures(got: dict, want: dict) -> None:
    """Compare every figure the API shares with ``expected_stats``."""
    for key in (
        "total",
        "open",
        "avg_per_day",
        "window",
        "by_status",
        "by_category",
        "by_priority",
        "by_sentiment",
        "per_day",
        "resolved_count",
    ):
        assert got[key] == want[key], key
    assert got["avg_urgency_score"] == pytest.approx(want["avg_urgency_score"], abs=0.01)
    # SQLite's julianday keeps milliseconds: allow one rounding step either way.
    assert got["median_resolution_hours"] == pytest.approx(
        want["median_resolution_hours"], abs=0.011
    )
    assert got["triage"]["by_source"] == want["triage_by_source"]
    assert got["triage"]["priority_by_source"] == want["triage_priority_by_source"]


@pytest.fixture
def mixed(app):
    return insert_tickets(app, mixed_tickets(datetime.now(UTC)))


def test_every_figure_matches_an_independent_count(client, mixed):
    got = get_stats(client)
    want = expected_stats(mixed, today())
    assert_figures(got, want)
    # The data set really is mixed: the comparisons above were not all zeros.
    assert want["by_category"]["unclassified"] > 0
    assert want["by_priority"]["unset"] > 0
    assert want["resolved_count"] > 2
    assert sum(d["count"] for d in want["per_day"]) < want["total"]  # some are > 30 days old


def test_enum_keys_are_present_when_zero(client, mixed):
    got = get_stats(client)
    assert got["by_priority"]["critical"] == 0
    assert got["by_sentiment"]["angry"] == 0
    assert set(got["by_status"]) == set(values(TicketStatus))
    assert set(got["by_category"]) == {"billing", "technical", "account", "general", "unclassified"}
    assert set(got["by_priority"]) == {"low", "medium", "high", "critical", "unset"}
    assert set(got["by_sentiment"]) == {"calm", "neutral", "frustrated", "angry", "unset"}
    assert set(got["triage"]["by_source"]) == {"claude", "fallback", "manual", "learned", "unset"}


def _has_note(r):
    return bool(r.get("note"))


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("status=open", lambda r: r["status"] == "open"),
        ("status=resolved,closed", lambda r: r["status"] in ("resolved", "closed")),
        ("category=unclassified", lambda r: r["category"] is None),
        ("category=billing,unclassified", lambda r: r["category"] in ("billing", None)),
        ("priority=high", lambda r: r["priority"] == "high"),
        ("sentiment=calm,neutral", lambda r: r["sentiment"] in ("calm", "neutral")),
        ("tag=vip", lambda r: "vip" in r["tags"]),
        ("has_note=true", _has_note),
        ("q=refund", lambda r: "refund" in (r["subject"] + " " + r["body"]).lower()),
        (
            "status=open&q=outage",
            lambda r: (
                r["status"] == "open" and "outage" in (r["subject"] + " " + r["body"]).lower()
            ),
        ),
    ],
)
def test_filters_narrow_every_figure(client, mixed, query, keep):
    rows = [r for r in mixed if keep(r)]
    assert rows, "the filter should select something in the mixed data set"
    assert_figures(get_stats(client, "?" + query), expected_stats(rows, today()))


def test_created_window_bounds_the_figures_and_the_series(client, mixed):
    frm = today() - timedelta(days=40)
    to = today() - timedelta(days=10)
    rows = [r for r in mixed if frm <= r["created_at"].date() <= to]
    got = get_stats(client, f"?created_from={frm}&created_to={to}")
    want = expected_stats(rows, today(), created_from=frm, last_day=to)
    assert_figures(got, want)
    assert got["window"] == {"start": frm.isoformat(), "end": to.isoformat(), "days": 31}
    assert got["per_day"][-1]["date"] == to.isoformat()  # the series ends at created_to
    assert got["per_day"][0]["date"] == (to - timedelta(days=29)).isoformat()


def test_timestamp_bounds_are_exact(client, app):
    now = datetime.now(UTC).replace(microsecond=0)
    base = now - timedelta(days=3)
    insert_tickets(
        app,
        [{"created_at": base + timedelta(hours=h), "status": "open"} for h in (0, 1, 2, 3)],
    )
    frm = (base + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    to = (base + timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    got = get_stats(client, f"?created_from={frm}&created_to={to}")
    assert got["total"] == 2  # created_from inclusive, created_to exclusive


def test_avg_per_day_divides_by_inclusive_days_from_first_ticket_to_today(client, app):
    now = datetime.now(UTC)
    insert_tickets(
        app,
        [
            {"created_at": now - timedelta(days=9)},
            {"created_at": now - timedelta(days=9)},
            {"created_at": now - timedelta(minutes=1)},
        ],
    )
    first_day = (now - timedelta(days=9)).date()
    got = get_stats(client)
    days = (today() - first_day).days + 1  # 10 unless the test straddles midnight
    assert got["window"] == {
        "start": first_day.isoformat(),
        "end": today().isoformat(),
        "days": days,
    }
    assert got["avg_per_day"] == round(3 / days, 2)
    # With created_from the window starts there, even before the first ticket.
    frm = today() - timedelta(days=19)
    got = get_stats(client, f"?created_from={frm}")
    assert got["window"]["days"] == 20
    assert got["avg_per_day"] == 0.15


def test_per_day_is_thirty_zero_filled_days_oldest_first(client, app):
    now = datetime.now(UTC)
    insert_tickets(app, [{"created_at": now - timedelta(days=2)}] * 2)
    series = get_stats(client)["per_day"]
    assert len(series) == 30
    dates = [d["date"] for d in series]
    assert dates == sorted(dates)
    assert dates[-1] == today().isoformat()
    assert dates[0] == (today() - timedelta(days=29)).isoformat()
    counts = {d["date"]: d["count"] for d in series}
    assert counts.pop((now - timedelta(days=2)).date().isoformat()) == 2
    assert set(counts.values()) == {0}


def test_day_boundaries_are_utc(client, app):
    day = today() - timedelta(days=5)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    insert_tickets(
        app,
        [
            {"created_at": midnight - timedelta(microseconds=1)},  # previous day
            {"created_at": midnight},
            {"created_at": midnight + timedelta(hours=23, minutes=59)},
        ],
    )
    counts = {d["date"]: d["count"] for d in get_stats(client)["per_day"]}
    assert counts[day.isoformat()] == 2
    assert counts[(day - timedelta(days=1)).isoformat()] == 1


def _resolved(created, hours, status="resolved"):
    return {
        "created_at": created,
        "status": status,
        "resolved_at": created + timedelta(hours=hours),
    }


def test_median_resolution_odd_and_even_counts(client, app):
    created = datetime.now(UTC) - timedelta(days=20)
    insert_tickets(
        app,
        [
            _resolved(created, 1),
            _resolved(created, 10, "closed"),
            _resolved(created, 5),
            # Not resolved/closed: ignored even with a resolved_at; and a closed one without.
            _resolved(created, 1000, "open"),
            {"created_at": created, "status": "closed", "resolved_at": None},
        ],
    )
    got = get_stats(client)
    assert got["median_resolution_hours"] == 5.0
    assert got["resolved_count"] == 3
    insert_tickets(app, [_resolved(created, 20, "closed")])
    got = get_stats(client)
    assert got["median_resolution_hours"] == 7.5  # (5 + 10) / 2
    assert got["resolved_count"] == 4
    # Filters apply to the median too.
    assert get_stats(client, "?status=closed")["median_resolution_hours"] == 15.0


def test_median_keeps_fractions_of_an_hour(client, app):
    created = datetime.now(UTC) - timedelta(days=3)
    insert_tickets(app, [_resolved(created, 1.5), _resolved(created, 2.25)])
    assert get_stats(client)["median_resolution_hours"] == pytest.approx(1.875, abs=0.01)


def test_empty_database(client):
    got = get_stats(client)
    assert got["total"] == 0
    assert got["open"] == 0
    assert got["avg_per_day"] == 0.0
    assert got["window"] == {"start": None, "end": today().isoformat(), "days": 0}
    assert got["by_status"] == dict.fromkeys(values(TicketStatus), 0)
    assert got["by_category"]["unclassified"] == 0
    assert got["avg_urgency_score"] is None
    assert got["median_resolution_hours"] is None
    assert len(got["per_day"]) == 30
    assert {d["count"] for d in got["per_day"]} == {0}
    assert got["triage"]["agreement"]["category"] == {"rate": None, "agreed": 0, "compared": 0}
    assert got["triage"]["runs"]["total"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("category=hacked", "category"),
        ("priority=urgent", "priority"),
        ("created_from=yesterday", "created_from"),
        ("created_from=2026-11-10&created_to=2026-11-01", "created_from"),
        ("has_note=maybe", "has_note"),
    ],
)
def test_invalid_filter_is_a_422_naming_it(client, query, field):
    response = client.get("/api/stats?" + query)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_error"
    assert field in body["error"]["fields"]
    assert field in body["error"]["message"]


def test_query_count_does_not_grow_with_tickets(app, client):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    # The first authenticated call also records the token's last use; take it out of the count.
    assert client.get("/api/auth/me").status_code == 200
    event.listen(engine, "before_cursor_execute", record)
    counts = []
    try:
        for n, seed in ((5, 1), (60, 2)):
            specs = mixed_tickets(datetime.now(UTC), n=n, seed=seed)
            # Every query of the figures runs in both rounds (a median needs a resolved one).
            specs[0].update(subject="refund", status="closed", resolved_at=datetime.now(UTC))
            insert_tickets(app, specs)
            statements.clear()
            get_stats(client, "?q=refund&status=open,closed")
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert counts[0] == counts[1] <= 6  # one of them looks up the caller's API token


def test_openapi_documents_every_key(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/stats"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"status", "q", "created_from"}
    assert "422" in operation["responses"]
    schemas = spec["components"]["schemas"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    stats = schemas[ref.rsplit("/", 1)[-1]]
    assert set(stats["properties"]) >= {
        "total", "open", "avg_per_day", "by_status", "by_category", "by_priority",
        "by_sentiment", "avg_urgency_score", "per_day", "median_resolution_hours", "triage",
    }  # fmt: skip
    assert set(schemas["PriorityCounts"]["properties"]) == {
        "low", "medium", "high", "critical", "unset"
    }  # fmt: skip


@pytest.mark.parametrize(
    "query",
    [
        "created_to=0001-01-05",
        "created_from=9999-12-31",
        "created_to=9999-12-31",
        "created_from=0001-01-01T00:00:00%2B01:00",
    ],
)
def test_dates_at_the_ends_of_the_calendar_answer_not_overflow(client, query):
    response = client.get(f"/api/stats?{query}")
    assert response.status_code == 200
    assert len(response.get_json()["per_day"]) == 30
