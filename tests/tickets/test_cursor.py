"""Keyset pagination of GET /api/tickets: walking by ``next_cursor`` yields every ticket once,
in the list's order, for every sort (ties and NULLs included), while tickets are inserted
between requests; a cursor the API did not give is a 400 in the one error shape."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from ticketing.core.extensions import db
from ticketing.core.vocab import Priority, values
from ticketing.models import Team, Ticket, TicketSla
from ticketing.tickets import keyset
from ticketing.tickets.schemas import SORT_KEYS

SORTS = [*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)]
BASE = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
#: Few distinct instants, so sort values tie often.
INSTANTS = [BASE + timedelta(hours=h, microseconds=m) for h, m in ((0, 0), (5, 1), (5, 2), (30, 0))]


@pytest.fixture
def people(app, make_user):
    """Assignees with a tie in names (two Bobs) and two teams."""
    users = [make_user(name=name).id for name in ("Ann", "Bob", "Bob")]
    with app.app_context():
        teams = [Team(name="Alpha"), Team(name="Beta")]
        db.session.add_all(teams)
        db.session.commit()
        return {"users": users, "teams": [t.id for t in teams]}


def _add_tickets(app, people, rng: random.Random, n: int) -> list[int]:
    """``n`` tickets with values drawn from small sets (ties) and NULLs in every nullable
    sort column; about a third have no SLA clocks, some clocks are stopped."""
    with app.app_context():
        tickets = []
        for i in range(n):
            created = rng.choice(INSTANTS)
            ticket = Ticket(
                subject=f"Keyset {i}",
                body="Walk me once.",
                status="open",
                priority=rng.choice([None, *values(Priority)]),
                urgency_score=rng.choice([None, 10, 10, 50]),
                assignee_id=rng.choice([None, *people["users"]]),
                team_id=rng.choice([None, *people["teams"]]),
                created_at=created,
                updated_at=rng.choice(INSTANTS),
            )
            db.session.add(ticket)
            tickets.append(ticket)
        db.session.flush()
        ids = [t.id for t in tickets]
        db.session.execute(delete(TicketSla).where(TicketSla.ticket_id.in_(ids)))
        for ticket_id in ids:
            if rng.random() < 0.35:
                continue
            db.session.add(
                TicketSla(
                    ticket_id=ticket_id,
                    started_at=BASE,
                    first_response_due_at=rng.choice([None, *INSTANTS]),
                    first_response_at=rng.choice([None, None, BASE]),
                    resolution_due_at=rng.choice([None, *INSTANTS]),
                )
            )
        db.session.commit()
        return ids


def _listing(client, sort: str) -> list[int]:
    response = client.get("/api/tickets", query_string={"sort": sort, "per_page": 100})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["meta"]["next_cursor"] is None
    return [t["id"] for t in response.get_json()["items"]]


def _walk(client, sort: str, per_page: int, between=None) -> list[int]:
    walked, cursor, pages = [], None, 0
    while True:
        query = {"sort": sort, "per_page": per_page}
        if cursor:
            query["cursor"] = cursor
        response = client.get("/api/tickets", query_string=query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages += 1
        assert body["meta"]["page"] == pages
        walked += [t["id"] for t in body["items"]]
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            return walked
        assert len(body["items"]) == per_page
        if between:
            between()


@pytest.mark.parametrize("sort", SORTS)
def test_walking_by_cursor_gives_every_ticket_once_in_order(app, client, people, sort):
    rng = random.Random(sort)
    original = _add_tickets(app, people, rng, 23)
    expected = _listing(client, sort)  # the OFFSET page's order: the list's one order
    assert _walk(client, sort, per_page=4) == expected
    assert sorted(expected) == sorted(original)

    def insert_some():
        _add_tickets(app, people, rng, 2)

    walked = _walk(client, sort, per_page=5, between=insert_some)
    assert len(walked) == len(set(walked)), "a ticket came twice"
    assert set(original) <= set(walked), "a ticket was skipped"
    final = _listing(client, sort)
    seen = set(walked)
    assert walked == [i for i in final if i in seen], "out of order"


def test_a_cursor_continues_a_numbered_page_and_numbers_what_follows(app, client, people):
    _add_tickets(app, people, random.Random(3), 12)
    everything = _listing(client, "-created_at")
    second = client.get("/api/tickets?per_page=5&page=2").get_json()
    assert [t["id"] for t in second["items"]] == everything[5:10]
    third = client.get(
        "/api/tickets", query_string={"per_page": 5, "cursor": second["meta"]["next_cursor"]}
    ).get_json()
    assert [t["id"] for t in third["items"]] == everything[10:]
    assert (third["meta"]["page"], third["meta"]["next_cursor"]) == (3, None)
    assert third["meta"]["total"] == len(everything)


def _tampered(token: str) -> str:
    flipped = "A" if token[-1] != "A" else "B"
    return token[:-1] + flipped


@pytest.mark.parametrize(
    ("sort", "make_cursor"),
    [
        ("-created_at", lambda good: "not-a-cursor"),
        ("-created_at", _tampered),
        ("-created_at", lambda good: good + "x" * 600),
        ("-created_at", lambda good: keyset.encode("-created_at", "yesterday", 1, 5)),
        ("-created_at", lambda good: keyset.encode("-created_at", None, 1, 5)),
        ("-created_at", lambda good: keyset.encode("-created_at", "2026-11-01T09:30:00", 1, 5)),
        ("-created_at", lambda good: keyset.encode("-created_at", BASE, "1", 5)),
        ("-created_at", lambda good: keyset.encode("-created_at", BASE, 1, -5)),
        ("-created_at", lambda good: keyset.encode("-created_at", BASE, 2**80, 5)),
        ("created_at", lambda good: good),  # another sort's cursor
        ("priority", lambda good: keyset.encode("priority", "high", 1, 5)),
        ("priority", lambda good: keyset.encode("priority", True, 1, 5)),
        ("assignee", lambda good: keyset.encode("assignee", 7, 1, 5)),
    ],
)
def test_a_bad_or_forged_cursor_is_a_400_in_the_error_shape(app, client, people, sort, make_cursor):
    _add_tickets(app, people, random.Random(5), 4)
    good = client.get("/api/tickets?per_page=2").get_json()["meta"]["next_cursor"]
    with app.test_request_context():
        cursor = make_cursor(good)
    response = client.get("/api/tickets", query_string={"sort": sort, "cursor": cursor})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_cursor"
    assert error["message"]


def test_an_empty_cursor_is_the_first_page(app, client, people):
    _add_tickets(app, people, random.Random(6), 3)
    response = client.get("/api/tickets?cursor=")
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 3
