from datetime import datetime

import pytest


def test_create_returns_201_with_location_and_stored_fields(client):
    response = client.post(
        "/api/tickets",
        json={
            "subject": "  Cannot export invoices  ",
            "body": "The export button does nothing.",
            "requester_email": "Ana.Lopez@Example.com",
            "requester_name": "Ana Lopez",
            "tags": ["Billing ", "billing", "urgent"],
            "note": "VIP customer",
        },
    )
    assert response.status_code == 201
    ticket = response.get_json()
    assert response.headers["Location"].endswith(f"/api/tickets/{ticket['id']}")
    assert ticket["subject"] == "Cannot export invoices"
    assert ticket["status"] == "open"
    assert ticket["requester_email"] == "ana.lopez@example.com"
    assert ticket["tags"] == ["billing", "urgent"]
    assert ticket["category"] is None and ticket["category_source"] is None
    assert datetime.fromisoformat(ticket["created_at"]).utcoffset() is not None
    assert client.get(response.headers["Location"]).get_json() == ticket


def test_category_and_priority_given_by_a_person_are_manual(make_ticket):
    ticket = make_ticket(category="billing", priority="high")
    assert (ticket["category_source"], ticket["priority_source"]) == ("manual", "manual")


def test_patch_changes_only_sent_fields(client, make_ticket):
    ticket = make_ticket(tags=["a"])
    response = client.patch(f"/api/tickets/{ticket['id']}", json={"note": "called back"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["note"] == "called back"
    assert body["subject"] == ticket["subject"] and body["tags"] == ["a"]


def test_patch_tags_replaces_the_list(client, make_ticket):
    ticket = make_ticket(tags=["a", "b"])
    response = client.patch(f"/api/tickets/{ticket['id']}", json={"tags": ["C", "a"]})
    assert response.get_json()["tags"] == ["a", "c"]


def test_resolved_at_is_set_on_resolve_and_cleared_on_reopen(client, make_ticket):
    ticket = make_ticket()
    url = f"/api/tickets/{ticket['id']}"
    resolved = client.patch(url, json={"status": "resolved"}).get_json()
    assert resolved["resolved_at"] is not None
    closed = client.patch(url, json={"status": "closed"}).get_json()
    assert closed["resolved_at"] == resolved["resolved_at"]  # still the moment it was solved
    reopened = client.patch(url, json={"status": "open"}).get_json()
    assert reopened["resolved_at"] is None


def test_created_as_resolved_has_resolved_at(make_ticket):
    assert make_ticket(status="closed")["resolved_at"] is not None


def test_setting_category_to_null_makes_it_unclassified(client, make_ticket):
    ticket = make_ticket(category="technical")
    body = client.patch(f"/api/tickets/{ticket['id']}", json={"category": None}).get_json()
    assert body["category"] is None and body["category_source"] is None


def test_delete_removes_ticket_and_replies(client, make_ticket):
    ticket = make_ticket()
    url = f"/api/tickets/{ticket['id']}"
    client.post(f"{url}/replies", json={"body": "On it"})
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/replies").status_code == 404
    assert client.delete(url).status_code == 404


def test_replies_thread_oldest_first_with_internal_flag(client, make_ticket):
    ticket = make_ticket()
    url = f"/api/tickets/{ticket['id']}/replies"
    first = client.post(url, json={"body": "Thanks, looking"})
    assert first.status_code == 201
    assert first.get_json()["author_name"] == "Test Admin"
    client.post(url, json={"body": "Customer is grumpy", "internal": True})
    items = client.get(url).get_json()["items"]
    assert [r["body"] for r in items] == ["Thanks, looking", "Customer is grumpy"]
    assert [r["internal"] for r in items] == [False, True]
    assert client.get(f"/api/tickets/{ticket['id']}").get_json()["reply_count"] == 2


def test_xss_payload_is_stored_verbatim_and_returned_as_json(client, make_ticket):
    payload = "<img src=x onerror=alert(1)>"
    ticket = make_ticket(subject=payload, body=f"<script>{payload}</script>", note=payload)
    response = client.get(f"/api/tickets/{ticket['id']}")
    assert response.mimetype == "application/json"
    assert response.get_json()["subject"] == payload


def test_choosing_the_value_triage_gave_keeps_triage_as_its_source(client, make_ticket):
    """An agent who picks the category Claude (or the rules) chose agrees with it: nothing
    changes, the mark stays the triage's, and the ticket's version and activity stay as they
    were. A different value is the person's and becomes manual."""
    ticket = make_ticket(subject="Refund please", body="I was charged twice, refund the charge.")
    url = f"/api/tickets/{ticket['id']}"
    assert client.post(f"{url}/classify", json={}).status_code == 202
    triaged = client.get(url)
    before = triaged.get_json()
    assert before["category_source"] == "fallback" and before["category"] == "billing"
    events_before = len(client.get(f"{url}/events").get_json()["items"])

    same = client.patch(
        url,
        json={"category": before["category"], "priority": before["priority"]},
        headers={"If-Match": triaged.headers["ETag"]},
    )
    assert same.status_code == 200
    body = same.get_json()
    assert (body["category_source"], body["priority_source"]) == ("fallback", "fallback")
    assert same.headers["ETag"] == triaged.headers["ETag"]
    assert len(client.get(f"{url}/events").get_json()["items"]) == events_before

    other = client.patch(url, json={"category": "technical"}).get_json()
    assert (other["category"], other["category_source"]) == ("technical", "manual")
    assert other["priority_source"] == "fallback"
    # Back to triage's old value is still a person's change (the current value is theirs).
    back = client.patch(url, json={"category": "billing"}).get_json()
    assert (back["category"], back["category_source"]) == ("billing", "manual")
    cleared = client.patch(url, json={"category": None}).get_json()
    assert (cleared["category"], cleared["category_source"]) == (None, None)


@pytest.mark.parametrize(
    "config_overrides",
    [{"AUTO_CLASSIFY": True, "JOBS_ASYNC": True}, {"AUTO_CLASSIFY": True, "JOBS_ASYNC": False}],
)
def test_the_create_answer_is_what_was_stored(client, config_overrides):
    """The create answers from the values it wrote (no read-back): they must be exactly what
    a read returns — server defaults, SLA clocks, version, triage state — whether triage waits
    on the queue (workers) or ran inside the request (in-process jobs)."""
    response = client.post(
        "/api/tickets",
        json={
            "subject": "Site down",
            "body": "Production is down for all our users since 9am.",
            "requester_email": "ops@example.com",
            "tags": ["outage"],
        },
    )
    assert response.status_code == 201
    created = response.get_json()
    read = client.get(response.headers["Location"])
    assert read.get_json() == created
    expected = "queued" if config_overrides["JOBS_ASYNC"] else "done"
    assert created["triage_status"] == expected
