from datetime import UTC, datetime, timedelta

import pytest

from ticketing.core.extensions import db
from ticketing.models import Ticket


def ids(response):
    assert response.status_code == 200, response.get_json()
    return [t["id"] for t in response.get_json()["items"]]


@pytest.fixture
def sample(make_ticket):
    """Five tickets with distinct attributes; returns their ids by name."""
    return {
        "a": make_ticket(
            subject="Refund for double charge",
            body="I was charged twice",
            category="billing",
            priority="high",
            tags=["refund"],
            requester_email="ana@example.com",
        )["id"],
        "b": make_ticket(
            subject="App crashes on start",
            body="Crash log attached",
            category="technical",
            priority="critical",
            status="in_progress",
            note="escalated",
        )["id"],
        "c": make_ticket(
            subject="Password reset mail missing",
            body="No email arrives",
            category="account",
            priority="low",
            tags=["login", "refund"],
        )["id"],
        "d": make_ticket(subject="Question", body="How do exports work?", status="closed")["id"],
        "e": make_ticket(
            subject="Dark mode?",
            body="Feature request",
            category="general",
            priority="medium",
            status="resolved",
        )["id"],
    }


def test_default_order_is_newest_first_with_meta(client, sample):
    response = client.get("/api/tickets")
    assert ids(response) == [sample[k] for k in "edcba"]
    assert response.get_json()["meta"] == {
        "page": 1,
        "per_page": 25,
        "total": 5,
        "pages": 1,
        "total_exact": True,
        "next_cursor": None,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", "ac"),
        ("status=open,in_progress", "abc"),
        ("status=open&status=closed", "acd"),
        ("category=billing", "a"),
        ("category=unclassified", "d"),
        ("category=unclassified,technical", "bd"),
        ("priority=high,critical", "ab"),
        ("tag=refund", "ac"),
        ("tag=LOGIN", "c"),
        ("has_note=true", "b"),
        ("has_note=false", "acde"),
        ("requester=ANA@example.com", "a"),
        ("status=open&category=account", "c"),
        ("tag=refund&priority=high", "a"),
    ],
)
def test_filters_and_combinations(client, sample, query, expected):
    assert sorted(ids(client.get(f"/api/tickets?{query}"))) == sorted(sample[k] for k in expected)


def test_sentiment_filter(client, app, sample):
    with app.app_context():
        db.session.get(Ticket, sample["b"]).sentiment = "angry"
        db.session.commit()
    assert ids(client.get("/api/tickets?sentiment=angry")) == [sample["b"]]


def test_created_range_filter(client, app, sample):
    old = datetime(2026, 1, 15, 12, tzinfo=UTC)
    with app.app_context():
        db.session.get(Ticket, sample["a"]).created_at = old
        db.session.commit()
    assert ids(client.get("/api/tickets?created_to=2026-01-15")) == [sample["a"]]
    assert ids(client.get("/api/tickets?created_from=2026-01-15&created_to=2026-01-15")) == [
        sample["a"]
    ]
    assert sample["a"] not in ids(client.get("/api/tickets?created_from=2026-01-16"))
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert len(ids(client.get("/api/tickets", query_string={"created_from": since}))) == 4


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "status=open,nope",
        "category=hacked",
        "priority=p1",
        "sentiment=meh",
        "sort=subject",
        "sort=-bogus",
        "page=abc",
        "per_page=x",
        "has_note=maybe",
        "created_from=yesterday",
        "created_to=2026-13-01",
        "created_from=2026-02-01&created_to=2026-01-01",
    ],
)
def test_invalid_parameters_are_422_naming_the_parameter(client, query):
    response = client.get(f"/api/tickets?{query}")
    assert response.status_code == 422
    name = query.split("=")[0]
    assert name in response.get_json()["error"]["fields"]


def test_pagination_and_clamping(client, make_ticket):
    made = [make_ticket(subject=f"T{i}")["id"] for i in range(7)]
    page2 = client.get("/api/tickets?per_page=3&page=2&sort=created_at").get_json()
    assert [t["id"] for t in page2["items"]] == made[3:6]
    assert isinstance(page2["meta"].pop("next_cursor"), str)
    assert page2["meta"] == {"page": 2, "per_page": 3, "total": 7, "pages": 3, "total_exact": True}
    assert client.get("/api/tickets?per_page=500").get_json()["meta"]["per_page"] == 100
    assert client.get("/api/tickets?per_page=0").get_json()["meta"]["per_page"] == 1
    assert client.get("/api/tickets?page=0").get_json()["meta"]["page"] == 1
    beyond = client.get("/api/tickets?page=99").get_json()
    assert beyond["items"] == [] and beyond["meta"]["total"] == 7


@pytest.mark.parametrize("page", ["99999999999999999999", "1000001", str(2**63)])
def test_an_absurd_page_number_is_clamped_not_a_server_error(client, make_ticket, page):
    make_ticket()
    response = client.get(f"/api/tickets?page={page}&per_page=100")
    assert response.status_code == 200
    body = response.get_json()
    assert body["items"] == [] and body["meta"]["page"] == 1_000_000
    assert body["meta"]["total"] == 1


def test_total_is_capped_for_broad_queries(client, app, make_ticket, monkeypatch):
    from ticketing.tickets import services

    for i in range(4):
        make_ticket(subject=f"T{i}", tags=["vip"])
    app.config["SEARCH_COUNT_CAP"] = 3
    # A table its statistics call small is counted up to the cap (past it, PostgreSQL's
    # estimate is the total). Tests empty the tables with DELETE, so an earlier test's
    # thousands of tickets can linger in the statistics: pin the size this test is about.
    monkeypatch.setattr(services, "_table_rows", lambda bind: 0.0)
    meta = client.get("/api/tickets?tag=vip&per_page=2").get_json()["meta"]
    assert (meta["total"], meta["total_exact"], meta["pages"]) == (3, False, 2)


def test_the_commonest_filters_are_counted_exactly_from_the_rollups_past_the_cap(
    client, app, make_ticket
):
    """Statuses and one of category / priority / sentiment: the total is exact however many
    tickets match (read from the rollup rows), and follows edits and deletions."""
    made = [
        make_ticket(subject="Charge", category="billing", priority="high"),
        make_ticket(subject="Charge again", category="billing", priority="low", status="pending"),
        make_ticket(subject="Refund", category="billing", priority="high", status="closed"),
        make_ticket(subject="Crash", category="technical", priority="high"),
        make_ticket(subject="Crash again", category="technical", priority="medium"),
        make_ticket(subject="Unsorted", category=None, priority="medium"),
    ]
    app.config["SEARCH_COUNT_CAP"] = 1

    def total(query):
        meta = client.get(f"/api/tickets?per_page=1&{query}").get_json()["meta"]
        return meta["total"], meta["total_exact"]

    def recount(**where):
        with app.app_context():
            rows = db.session.scalars(db.select(Ticket)).all()
            return sum(all(getattr(t, k) in v for k, v in where.items()) for t in rows)

    cases = {
        "": {},
        "status=open": {"status": ["open"]},
        "category=billing": {"category": ["billing"]},
        "status=open,pending&category=billing": {
            "status": ["open", "pending"],
            "category": ["billing"],
        },
        "priority=high,medium": {"priority": ["high", "medium"]},
        "status=open&category=unclassified,technical": {
            "status": ["open"],
            "category": [None, "technical"],
        },
    }
    for query, where in cases.items():
        assert total(query) == (recount(**where), True), query
    assert total("status=open&category=billing") == (1, True)
    assert total("category=unclassified") == (1, True)

    # An edit moves the count; a deletion takes it away.
    client.patch(f"/api/tickets/{made[3]['id']}", json={"category": "billing"})
    client.patch(f"/api/tickets/{made[0]['id']}", json={"status": "resolved"})
    client.delete(f"/api/tickets/{made[1]['id']}")
    for query, where in cases.items():
        assert total(query) == (recount(**where), True), query
    assert total("status=open&category=billing") == (1, True)
    # Two dimensions at once are not in one rollup row: counted the usual (capped) way.
    assert total("category=billing&priority=high") == (1, False)


def test_a_text_search_counts_to_its_own_smaller_cap(client, app, make_ticket):
    for i in range(5):
        make_ticket(subject=f"Refund request {i}", body="Please refund the duplicate charge.")
    make_ticket(subject="Login", body="Cannot sign in.")
    app.config["SEARCH_TEXT_COUNT_CAP"] = 3
    meta = client.get("/api/tickets?q=refund&per_page=2").get_json()["meta"]
    assert (meta["total"], meta["total_exact"], meta["pages"]) == (3, False, 2)
    # The last page still knows the exact total; filters without q keep the bigger cap.
    meta = client.get("/api/tickets?q=refund&per_page=10").get_json()["meta"]
    assert (meta["total"], meta["total_exact"]) == (5, True)
    meta = client.get("/api/tickets?per_page=2").get_json()["meta"]
    assert (meta["total"], meta["total_exact"]) == (6, True)


def test_a_text_search_is_counted_in_its_page_query(client, app, make_ticket):
    """No count round trip of its own: the capped count rides along the page's query, on the
    first page and on a cursor's page alike."""
    from sqlalchemy import event

    for i in range(5):
        make_ticket(subject=f"Refund request {i}", body="Please refund the duplicate charge.")
    make_ticket(subject="Login", body="Cannot sign in.")
    with app.app_context():
        engine = db.engine
    counts: list[str] = []

    def spy(_conn, _cursor, statement, *_args):
        if statement.lstrip().lower().startswith("select count("):
            counts.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        first = client.get("/api/tickets?q=refund&per_page=2").get_json()
        after = f"/api/tickets?q=refund&per_page=2&cursor={first['meta']['next_cursor']}"
        second = client.get(after).get_json()
        app.config["SEARCH_TEXT_COUNT_CAP"] = 3
        capped = client.get("/api/tickets?q=refund&per_page=2").get_json()
        capped_next = client.get(after).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert counts == []
    assert (first["meta"]["total"], first["meta"]["total_exact"]) == (5, True)
    assert (second["meta"]["total"], second["meta"]["total_exact"], second["meta"]["page"]) == (
        5,
        True,
        2,
    )
    assert len(second["items"]) == 2
    assert (capped["meta"]["total"], capped["meta"]["total_exact"]) == (3, False)
    assert (capped_next["meta"]["total"], capped_next["meta"]["total_exact"]) == (3, False)


def test_sort_by_priority_and_urgency(client, app, sample):
    by_priority = ids(client.get("/api/tickets?sort=-priority"))
    assert by_priority[:4] == [sample[k] for k in "baec"]
    assert by_priority[-1] == sample["d"]  # no priority sorts last either way
    assert ids(client.get("/api/tickets?sort=priority"))[:4] == [sample[k] for k in "ceab"]
    with app.app_context():
        for key, score in (("a", 10), ("c", 90), ("e", 50)):
            db.session.get(Ticket, sample[key]).urgency_score = score
        db.session.commit()
    assert ids(client.get("/api/tickets?sort=-urgency_score"))[:3] == [sample[k] for k in "cea"]
    assert ids(client.get("/api/tickets?sort=urgency_score"))[:3] == [sample[k] for k in "aec"]


def test_sort_by_updated_at(client, sample):
    client.patch(f"/api/tickets/{sample['a']}", json={"note": "touched"})
    assert ids(client.get("/api/tickets?sort=-updated_at"))[0] == sample["a"]


def _listed(client, ticket_id):
    items = client.get("/api/tickets", query_string={"per_page": 100}).get_json()["items"]
    return next(t for t in items if t["id"] == ticket_id)


def test_waiting_since_follows_who_spoke_last(client, app, make_ticket):
    from ticketing.models import Reply

    ticket = make_ticket()
    created = ticket["created_at"]
    assert _listed(client, ticket["id"])["waiting_since"] == created  # nobody answered yet

    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Noted.", "internal": True})
    assert _listed(client, ticket["id"])["waiting_since"] == created  # a note answers nobody

    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "On it."})
    assert _listed(client, ticket["id"])["waiting_since"] is None  # the team spoke last

    asked = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    with app.app_context():
        for minutes in (0, 5):  # the customer writes twice: waiting since the first
            db.session.add(
                Reply(
                    ticket_id=ticket["id"],
                    body="Any news?",
                    created_at=asked + timedelta(minutes=minutes),
                )
            )
        db.session.commit()
    since = _listed(client, ticket["id"])["waiting_since"]
    assert datetime.fromisoformat(since) == asked
    assert client.get(f"/api/tickets/{ticket['id']}").get_json()["waiting_since"] == since

    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "pending"})
    assert _listed(client, ticket["id"])["waiting_since"] is None  # waiting on the customer
