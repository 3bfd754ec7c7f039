"""A text search known to match more than its count's cap is not counted again for a while
(``tickets/searchcount.py``): the label stays "N+", the pages stay exact."""

import pytest
from sqlalchemy import event

from ticketing.core.extensions import db
from ticketing.tickets import searchcount


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    """The app's memo on a clock the test moves (30 s, as configured by default)."""
    clock = Clock()
    app.extensions[searchcount.EXTENSION] = searchcount.ManyMatches(
        app.config["SEARCH_MANY_SECONDS"], timer=clock
    )
    return clock


@pytest.fixture
def refunds(app, make_ticket):
    """Six open tickets that match "refund", one that does not; the count stops at 3."""
    app.config["SEARCH_TEXT_COUNT_CAP"] = 3
    found = [
        make_ticket(subject=f"Refund request {i}", body="Please refund the duplicate charge.")
        for i in range(6)
    ]
    make_ticket(subject="Login", body="Cannot sign in.")
    return [t["id"] for t in found]


@pytest.fixture
def counts(app):
    """The statements that counted a text search's matches (the count is the only part of
    a search's page statement that aggregates ``count(*)`` over a LIMIT)."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def spy(_conn, _cursor, statement, *_args):
        if "tickets" in statement and "count(*)" in statement.lower():
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    yield seen
    event.remove(engine, "before_cursor_execute", spy)


def page(client, query):
    response = client.get(f"/api/tickets?{query}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return [t["id"] for t in body["items"]], body["meta"]


def test_a_search_past_the_cap_is_counted_once_and_pages_the_same(client, clock, refunds, counts):
    first, meta = page(client, "q=refund&per_page=2")
    assert (meta["total"], meta["total_exact"]) == (3, False)
    assert len(counts) == 1
    # Asked again (the list refreshing, another agent): the same answer, no count.
    again, meta_again = page(client, "q=refund&per_page=2")
    assert (again, meta_again["total"], meta_again["total_exact"]) == (first, 3, False)
    # The next pages by cursor, uncounted, walk to the same matches, newest first; the last
    # page knows the exact total.
    seen, cursor, metas = list(again), meta_again["next_cursor"], []
    while cursor:
        ids, meta = page(client, f"q=refund&per_page=2&cursor={cursor}")
        seen += ids
        metas.append((meta["total"], meta["total_exact"]))
        cursor = meta["next_cursor"]
    assert seen == sorted(refunds, reverse=True)
    assert metas == [(3, False), (6, True)]
    assert len(counts) == 1


def test_other_filters_or_another_cap_are_counted_on_their_own(app, client, clock, refunds, counts):
    page(client, "q=refund&per_page=2")
    _, meta = page(client, "q=refund&status=open&per_page=2")
    assert (meta["total"], meta["total_exact"]) == (3, False)
    _, meta = page(client, "q=refund&status=closed&per_page=2")
    assert (meta["total"], meta["total_exact"]) == (0, True)
    app.config["SEARCH_TEXT_COUNT_CAP"] = 10
    _, meta = page(client, "q=refund&per_page=2")
    assert (meta["total"], meta["total_exact"]) == (6, True)
    assert len(counts) == 4  # each one carried its own count; none was known


def test_the_label_may_lag_for_its_seconds_then_is_counted_again(client, clock, refunds, counts):
    _, meta = page(client, "q=refund&status=open&per_page=2")
    assert (meta["total"], meta["total_exact"]) == (3, False)
    for ticket_id in refunds[:3]:
        assert (
            client.patch(f"/api/tickets/{ticket_id}", json={"status": "closed"}).status_code == 200
        )
    # Three open matches now, which the cap would count exactly: within 30 s the list still
    # says "3+" — but its rows are the truth.
    ids, meta = page(client, "q=refund&status=open&per_page=2")
    assert ids == sorted(refunds[3:], reverse=True)[:2]
    assert (meta["total"], meta["total_exact"]) == (3, False)
    clock.now += 31
    ids, meta = page(client, "q=refund&status=open&per_page=2")
    assert ids == sorted(refunds[3:], reverse=True)[:2]
    assert (meta["total"], meta["total_exact"]) == (3, True)
    assert len(counts) == 2


def test_asking_again_does_not_extend_the_seconds(client, clock, refunds, counts):
    """The seconds run from the count, not from the last ask: a search asked every 20 s is
    still counted again 30 s after its count."""
    page(client, "q=refund&per_page=2")
    clock.now += 20
    page(client, "q=refund&per_page=2")
    assert len(counts) == 1
    clock.now += 11
    _, meta = page(client, "q=refund&per_page=2")
    assert (meta["total"], meta["total_exact"]) == (3, False)
    assert len(counts) == 2


def test_a_search_seen_to_end_early_is_forgotten_at_once(client, clock, refunds, counts):
    page(client, "q=refund&status=open&per_page=2")
    for ticket_id in refunds[:4]:
        assert client.delete(f"/api/tickets/{ticket_id}").status_code == 204
    # Two left: the first page is the last, exact; the next ask counts again.
    ids, meta = page(client, "q=refund&status=open&per_page=2")
    assert (ids, meta["total"], meta["total_exact"]) == (sorted(refunds[4:], reverse=True), 2, True)
    client.post("/api/tickets", json={"subject": "Refund please", "body": "A refund, please."})
    client.post("/api/tickets", json={"subject": "Another refund", "body": "Refund me."})
    _, meta = page(client, "q=refund&status=open&per_page=2")
    assert (meta["total"], meta["total_exact"]) == (3, False)
    assert len(counts) == 2


def test_with_no_seconds_every_search_is_counted(app, client, refunds, counts):
    app.config["SEARCH_MANY_SECONDS"] = 0
    for _ in range(3):
        _, meta = page(client, "q=refund&per_page=2")
        assert (meta["total"], meta["total_exact"]) == (3, False)
    assert len(counts) == 3
