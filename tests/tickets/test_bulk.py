"""Bulk edits: ids or the current filter, status/priority/category/assignee/team/tags, audited
per ticket; large sets run as a job with progress; If-Match refuses stale selections."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ticketing.core.extensions import db
from ticketing.models import TicketEvent
from ticketing.tickets.seed import seed


def test_bulk_by_ids_changes_each_ticket_and_audits_each(client, agent_user, make_ticket):
    tickets = [make_ticket(subject=f"Spam {n}", tags=["spam", "old"]) for n in range(3)]
    other = make_ticket(subject="Keep me")
    answer = client.post(
        "/api/tickets/bulk",
        json={
            "ids": [t["id"] for t in tickets],
            "changes": {
                "status": "closed",
                "assignee_id": agent_user.id,
                "tags_add": ["junk"],
                "tags_remove": ["old"],
            },
        },
    )
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    assert (result["status"], result["total"], result["done"], result["changed"]) == (
        "done",
        3,
        3,
        3,
    )
    for ticket in tickets:
        stored = client.get(f"/api/tickets/{ticket['id']}").get_json()
        assert stored["status"] == "closed"
        assert stored["assignee_id"] == agent_user.id
        assert stored["tags"] == ["junk", "spam"]
        fields = {
            e["field"]
            for e in client.get(f"/api/tickets/{ticket['id']}/events").get_json()["items"]
            if e["action"] == "updated"
        }
        assert {"status", "assignee_id", "tags"} <= fields
    assert client.get(f"/api/tickets/{other['id']}").get_json()["status"] == "open"


def test_bulk_by_filter_selects_all_matching(client, make_ticket):
    for n in range(3):
        make_ticket(subject=f"Billing {n}", category="billing")
    make_ticket(subject="Tech", category="technical")
    answer = client.post(
        "/api/tickets/bulk",
        json={"filter": {"category": "billing"}, "changes": {"priority": "high"}},
    )
    assert answer.get_json()["total"] == 3
    high = client.get("/api/tickets?priority=high").get_json()["meta"]["total"]
    assert high == 3


def test_bulk_refuses_stale_etags_and_bad_requests(client, make_ticket):
    a, b = make_ticket(), make_ticket()
    tags = [client.get(f"/api/tickets/{t['id']}").headers["ETag"] for t in (a, b)]
    client.patch(f"/api/tickets/{b['id']}", json={"note": "someone else"})
    stale = client.post(
        "/api/tickets/bulk",
        json={"ids": [a["id"], b["id"]], "changes": {"status": "closed"}},
        headers={"If-Match": ", ".join(tags)},
    )
    assert stale.status_code == 412
    assert [t["id"] for t in stale.get_json()["error"]["current"]] == [b["id"]]
    assert client.get(f"/api/tickets/{a['id']}").get_json()["status"] == "open"
    assert (
        client.post("/api/tickets/bulk", json={"changes": {"status": "closed"}}).status_code == 422
    )
    assert (
        client.post("/api/tickets/bulk", json={"ids": [a["id"]], "changes": {}}).status_code == 422
    )


@pytest.fixture
def config_overrides():
    return {"BULK_INLINE_MAX": 50}


def test_a_thousand_tickets_run_as_a_job_with_progress_and_audit(app, client):
    with app.app_context():
        seed(1000, days=10, seed_value=5)
        before = db.session.scalar(select(func.count()).select_from(TicketEvent))
    answer = client.post(
        "/api/tickets/bulk", json={"filter": {}, "changes": {"tags_add": ["reviewed"]}}
    )
    assert answer.status_code == 202, answer.get_json()
    job = answer.get_json()
    assert answer.headers["Location"].endswith(job["status_url"])
    status = client.get(job["status_url"]).get_json()  # embedded mode: already run
    assert (status["status"], status["total"], status["done"], status["changed"]) == (
        "done",
        1000,
        1000,
        1000,
    )
    assert client.get("/api/tickets?tag=reviewed").get_json()["meta"]["total"] == 1000
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(TicketEvent))
        actors = set(
            db.session.scalars(
                select(TicketEvent.actor_label).where(TicketEvent.field == "tags").distinct()
            )
        )
    assert after - before == 1000  # one tag event per ticket
    assert actors == {"admin@example.com"}  # audited as the person who asked
