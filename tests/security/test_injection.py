"""Hostile text is data: stored verbatim, returned as JSON, never run as HTML or SQL."""

from __future__ import annotations

import pytest

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(document.cookie)">',
    "\"><svg/onload=alert('x')>",
    "javascript:alert(1)",
    "{{7*7}} ${7*7} <%= 7*7 %>",
]


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_are_stored_verbatim_and_returned_as_json(client, anon_client, payload):
    created = client.post(
        "/api/tickets",
        json={"subject": f"Subject {payload}", "body": f"Body {payload}", "note": payload},
    )
    assert created.status_code == 201
    assert created.content_type == "application/json"
    ticket = created.get_json()
    url = f"/api/tickets/{ticket['id']}"
    reply = client.post(f"{url}/replies", json={"body": payload, "internal": False})
    note = client.post(f"{url}/replies", json={"body": payload, "internal": True})
    assert reply.status_code == note.status_code == 201

    stored = client.get(url)
    assert stored.content_type == "application/json"
    assert stored.headers["X-Content-Type-Options"] == "nosniff"
    body = stored.get_json()
    assert body["subject"] == f"Subject {payload}"
    assert body["body"] == f"Body {payload}"
    assert body["note"] == payload
    thread = client.get(f"{url}/replies").get_json()["items"]
    assert [r["body"] for r in thread] == [payload, payload]
    listed = client.get("/api/tickets").get_json()["items"][0]
    assert listed["subject"] == f"Subject {payload}"

    submitted = anon_client.post(
        "/api/intake", json={"subject": payload, "body": payload, "email": "x@example.com"}
    )
    assert submitted.status_code == 201
    via_intake = client.get(f"/api/tickets/{submitted.get_json()['reference']}").get_json()
    assert (via_intake["subject"], via_intake["body"]) == (payload.strip(), payload)


SQLISH = ["%", "_", "%_%", "'", '"', "' OR '1'='1", "'; DROP TABLE tickets; --", "\\", "100%"]


@pytest.mark.parametrize("q", SQLISH)
def test_q_with_sql_wildcards_or_quotes_is_plain_text(client, make_ticket, q):
    make_ticket(subject="Refund please", body="I want my money back.")
    make_ticket(subject="Discount 100% off", body="The code gives 100% off.")
    response = client.get("/api/tickets", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    subjects = [t["subject"] for t in response.get_json()["items"]]
    if q == "100%":
        assert subjects == ["Discount 100% off"]  # the word 100, not "anything"
    else:
        assert subjects == []  # a wildcard or quote matches nothing, not everything
    assert client.get("/api/tickets").get_json()["meta"]["total"] == 2  # the table is intact


@pytest.mark.parametrize("field", ["requester", "tag"])
def test_filters_with_sql_text_are_plain_text(client, make_ticket, field):
    make_ticket(requester_email="a@example.com", tags=["vip"])
    response = client.get("/api/tickets", query_string={field: "' OR '1'='1"})
    assert response.status_code == 200
    assert response.get_json()["items"] == []
