"""What the trail records for changes made through the API, and what it leaves out."""

from __future__ import annotations

import pytest

from ticketing.core.context import Actor
from ticketing.core.extensions import db
from ticketing.models import TicketEvent

from .helpers import changes, events


def test_creation_is_the_first_event_with_actor_via_and_request_id(request_actor, client):
    request_actor.actor = Actor(type="user", via="web", id=5, label="ana@example.com")
    response = client.post(
        "/api/tickets",
        json={"subject": "Locked out", "body": "Cannot sign in.", "tags": ["login"]},
        headers={"X-Request-ID": "req-create-1"},
    )
    ticket = response.get_json()
    [created] = events(client, ticket["id"])
    assert (created["action"], created["field"], created["new_value"]) == (
        "created",
        None,
        "Locked out",
    )
    assert (created["actor_type"], created["actor_id"], created["actor_label"]) == (
        "user",
        5,
        "ana@example.com",
    )
    assert created["via"] == "web"
    assert created["request_id"] == "req-create-1"
    assert created["ticket_id"] == ticket["id"]
    assert created["created_at"].endswith("+00:00")


def test_each_audited_field_change_is_one_event_with_old_and_new_text(client, make_ticket):
    ticket = make_ticket(requester_email="ana@example.com")
    url = f"/api/tickets/{ticket['id']}"
    patches = [
        (
            {"subject": "Printer still on fire"},
            [("subject", "Printer on fire", "Printer still on fire")],
        ),
        (
            {"body": "Smoke everywhere."},
            [("body", "It is on fire. Please help.", "Smoke everywhere.")],
        ),
        ({"status": "in_progress"}, [("status", "open", "in_progress")]),
        (
            {"priority": "critical"},
            [("priority", None, "critical"), ("priority_source", None, "manual")],
        ),
        (
            {"category": "technical"},
            [("category", None, "technical"), ("category_source", None, "manual")],
        ),
        ({"note": "Called the customer"}, [("note", None, "Called the customer")]),
        (
            {"requester_email": "bo@example.com"},
            [("requester_email", "ana@example.com", "bo@example.com")],
        ),
        ({"requester_name": "Bo"}, [("requester_name", None, "Bo")]),
        (
            {"category": None},
            [("category", "technical", None), ("category_source", "manual", None)],
        ),
    ]
    expected = [("created", None, None, "Printer on fire")]
    for body, fields in patches:
        assert client.patch(url, json=body).status_code == 200
        expected += [("updated", *f) for f in fields]
    assert changes(events(client, ticket["id"])) == expected


def test_status_change_does_not_also_log_resolved_at_or_updated_at(client, make_ticket):
    ticket = make_ticket()
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "resolved"})
    items = events(client, ticket["id"])
    assert [e["field"] for e in items] == [None, "status"]
    assert (items[-1]["old_value"], items[-1]["new_value"]) == ("open", "resolved")


def test_a_long_body_is_kept_in_full(client, make_ticket):
    ticket = make_ticket()
    long_body = "word " * 3000
    client.patch(f"/api/tickets/{ticket['id']}", json={"body": long_body})
    assert events(client, ticket["id"])[-1]["new_value"] == long_body


def test_tag_changes_are_one_event_with_sorted_comma_lists(client, make_ticket):
    ticket = make_ticket(tags=["vip", "billing"])
    url = f"/api/tickets/{ticket['id']}"
    client.patch(url, json={"tags": ["urgent", "billing"]})
    client.patch(url, json={"tags": []})
    client.patch(url, json={"tags": ["zeta", "alpha"]})
    assert changes(events(client, ticket["id"]))[1:] == [
        ("updated", "tags", "billing,vip", "billing,urgent"),
        ("updated", "tags", "billing,urgent", None),
        ("updated", "tags", None, "alpha,zeta"),
    ]


def test_a_patch_that_changes_nothing_records_nothing(client, make_ticket):
    ticket = make_ticket(tags=["a", "b"], category="billing", note="same")
    before = events(client, ticket["id"])
    response = client.patch(
        f"/api/tickets/{ticket['id']}",
        json={
            "subject": ticket["subject"],
            "status": "open",
            "category": "billing",
            "note": "same",
            "tags": ["a", "b"],
        },
    )
    assert response.status_code == 200
    assert events(client, ticket["id"]) == before


def test_replies_and_internal_notes_are_recorded_without_their_text(client, make_ticket):
    ticket = make_ticket()
    url = f"/api/tickets/{ticket['id']}/replies"
    public = client.post(url, json={"body": "We are on it."}).get_json()
    note = client.post(url, json={"body": "Customer is rude", "internal": True}).get_json()
    items = events(client, ticket["id"])
    assert changes(items)[1:] == [
        ("reply_added", None, None, str(public["id"])),
        ("internal_note_added", None, None, str(note["id"])),
    ]
    texts = " ".join(str(v) for e in items for v in e.values())
    assert "Customer is rude" not in texts and "We are on it." not in texts


def test_events_are_served_oldest_first_across_pages(client, make_ticket):
    ticket = make_ticket()
    url = f"/api/tickets/{ticket['id']}"
    statuses = ["in_progress", "resolved", "open", "closed", "open"]
    for status in statuses:
        client.patch(url, json={"status": status})
    first = client.get(url + "/events?per_page=2&page=1").get_json()
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 6, "pages": 3, "total_exact": True}
    pages = [first["items"]] + [
        client.get(url + f"/events?per_page=2&page={n}").get_json()["items"] for n in (2, 3)
    ]
    served = [e for page in pages for e in page]
    assert [e["new_value"] for e in served[1:]] == statuses
    assert [e["id"] for e in served] == sorted(e["id"] for e in served)
    assert [e["created_at"] for e in served] == sorted(e["created_at"] for e in served)


def test_deletion_is_recorded_and_the_trail_survives_it(client, make_ticket):
    ticket = make_ticket()
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Hello"})
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "closed"})
    assert client.delete(f"/api/tickets/{ticket['id']}").status_code == 204
    assert client.get(f"/api/tickets/{ticket['id']}").status_code == 404
    items = events(client, ticket["id"])
    assert [e["action"] for e in items] == ["created", "reply_added", "updated", "deleted"]
    assert changes(items)[-1] == ("deleted", None, "Printer on fire", None)


@pytest.mark.parametrize("ticket_id", [4242, 2**31, 10**20])
def test_events_of_a_ticket_that_never_existed_are_a_404(client, ticket_id):
    response = client.get(f"/api/tickets/{ticket_id}/events")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_page_past_the_end_is_empty_and_a_bad_page_is_a_422(client, make_ticket):
    ticket = make_ticket()
    url = f"/api/tickets/{ticket['id']}/events"
    far = client.get(url, query_string={"page": 10**20})
    assert far.status_code == 200
    assert far.get_json()["items"] == [] and far.get_json()["meta"]["total"] == 1
    bad = client.get(url, query_string={"page": "abc"})
    assert bad.status_code == 422 and "page" in bad.get_json()["error"]["fields"]


def test_events_of_one_ticket_do_not_leak_into_another(client, make_ticket):
    one, two = make_ticket(subject="One"), make_ticket(subject="Two")
    client.patch(f"/api/tickets/{one['id']}", json={"status": "closed"})
    assert changes(events(client, two["id"])) == [("created", None, None, "Two")]


def test_a_request_that_fails_after_its_flush_leaves_no_events(
    app, client, make_ticket, monkeypatch
):
    from ticketing.tickets import services

    ticket = make_ticket()
    real_update = services.update_ticket

    def update_then_fail(ticket, data):
        real_update(ticket, data)  # flushes: the audit events are written now
        raise RuntimeError("boom after the flush")

    monkeypatch.setattr(services, "update_ticket", update_then_fail)
    response = client.patch(f"/api/tickets/{ticket['id']}", json={"status": "closed"})
    assert response.status_code == 500
    monkeypatch.undo()
    assert client.get(f"/api/tickets/{ticket['id']}").get_json()["status"] == "open"
    assert [e["action"] for e in events(client, ticket["id"])] == ["created"]
    with app.app_context():
        assert db.session.query(TicketEvent).count() == 1


def test_openapi_documents_the_events_operation(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/tickets/{ticket_id}/events"]["get"]
    assert {"200", "404", "422"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} >= {"page", "per_page"}


def test_a_signed_in_person_is_the_actor_through_the_real_sign_in(client, agent_client):
    ticket = agent_client.post("/api/tickets", json={"subject": "VPN", "body": "VPN drops."})
    tid = ticket.get_json()["id"]
    assert client.patch(f"/api/tickets/{tid}", json={"status": "resolved"}).status_code == 200
    items = client.get(f"/api/tickets/{tid}/events").get_json()["items"]
    who = [(e["action"], e["actor_type"], e["actor_label"], e["via"]) for e in items]
    assert who[0] == ("created", "user", "agent@example.com", "api")
    assert who[-1] == ("updated", "user", "admin@example.com", "api")


def test_only_admins_read_the_trail_of_a_deleted_ticket(client, agent_client, make_ticket):
    tid = make_ticket()["id"]
    assert agent_client.get(f"/api/tickets/{tid}/events").status_code == 200
    assert client.delete(f"/api/tickets/{tid}").status_code == 204
    assert agent_client.get(f"/api/tickets/{tid}/events").status_code == 404
    admin_view = client.get(f"/api/tickets/{tid}/events")
    assert admin_view.status_code == 200
    assert admin_view.get_json()["items"][-1]["action"] == "deleted"
