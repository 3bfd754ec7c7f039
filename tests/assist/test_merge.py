"""Merging tickets: what moves, what each audit trail says, undo, bulk, and the refusals."""

from __future__ import annotations

from datetime import timedelta

from tests.assist.test_similar import create


def replies(client, ticket_id):
    return client.get(f"/api/tickets/{ticket_id}/replies").get_json()["items"]


def actions(client, ticket_id):
    events = client.get(f"/api/tickets/{ticket_id}/events").get_json()["items"]
    return [(e["action"], e["field"], e["old_value"], e["new_value"]) for e in events]


def test_merge_moves_replies_request_and_tags_and_closes_the_source(client):
    target = create(client, "Charged twice", "Refund please", requester_email="a@x.io")
    source = create(
        client, "Double charge", "Charged twice again", requester_email="a@x.io", tags=["vip"]
    )
    client.patch(f"/api/tickets/{target}", json={"tags": ["billing"]})
    client.post(f"/api/tickets/{source}/replies", json={"body": "Looking into it"})
    client.post(f"/api/tickets/{source}/replies", json={"body": "ops note", "internal": True})

    response = client.post(f"/api/tickets/{source}/merge", json={"into": target})
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith(f"/api/tickets/{source}/merge")
    merged = response.get_json()
    assert (merged["source_id"], merged["target_id"]) == (source, target)

    thread = replies(client, target)
    bodies = [r["body"] for r in thread]
    assert "Double charge\n\nCharged twice again" in bodies  # the requester's own request
    assert "Looking into it" in bodies and "ops note" in bodies
    request = next(r for r in thread if r["body"].startswith("Double charge"))
    assert request["author_email"] == "a@x.io" and request["internal"] is False
    assert next(r for r in thread if r["body"] == "ops note")["internal"] is True

    target_ticket = client.get(f"/api/tickets/{target}").get_json()
    assert target_ticket["tags"] == ["billing", "vip"]
    source_ticket = client.get(f"/api/tickets/{source}").get_json()
    assert source_ticket["status"] == "closed"
    left = replies(client, source)
    assert [(r["internal"], r["body"]) for r in left] == [
        (True, f"Merged into #{target}: its replies, tags and request are there now.")
    ]
    assert client.get(f"/api/tickets/{source}/merge").get_json()["target_id"] == target

    trail = actions(client, source)
    assert ("merged_into", None, None, str(target)) in trail
    assert ("updated", "status", "open", "closed") in trail
    assert ("merged_from", None, None, str(source)) in actions(client, target)


def test_an_admin_undoes_a_merge_and_both_tickets_are_as_before(client):
    target = create(client, "Target", "T body", tags=["billing"])
    source = create(client, "Source", "S body", tags=["vip"], status="pending")
    client.post(f"/api/tickets/{source}/replies", json={"body": "first answer"})
    before_target = [r["id"] for r in replies(client, target)]
    client.post(f"/api/tickets/{source}/merge", json={"into": target})

    response = client.post(f"/api/tickets/{source}/merge/undo")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["undone_at"]
    assert [r["body"] for r in replies(client, source)] == ["first answer"]
    assert [r["id"] for r in replies(client, target)] == before_target
    assert client.get(f"/api/tickets/{target}").get_json()["tags"] == ["billing"]
    assert client.get(f"/api/tickets/{source}").get_json()["status"] == "pending"
    assert client.get(f"/api/tickets/{source}/merge").status_code == 404
    assert ("merge_undone", None, str(target), None) in actions(client, source)
    assert ("merge_undone", None, str(source), None) in actions(client, target)
    # Undone, it can be merged again.
    assert client.post(f"/api/tickets/{source}/merge", json={"into": target}).status_code == 201


def test_agents_cannot_undo_and_nobody_can_after_the_window(app, client, agent_client):
    target = create(client, "Target", "T")
    source = create(client, "Source", "S")
    client.post(f"/api/tickets/{source}/merge", json={"into": target})
    assert agent_client.post(f"/api/tickets/{source}/merge/undo").status_code == 403
    with app.app_context():
        from ticketing.assist.models import TicketMerge
        from ticketing.core.extensions import db

        record = db.session.query(TicketMerge).one()
        record.merged_at = record.merged_at - timedelta(hours=25)
        db.session.commit()
    response = client.post(f"/api/tickets/{source}/merge/undo")
    assert response.status_code == 410, response.get_json()


def test_merge_refusals(client):
    a, b, c = (create(client, f"T{i}", "x") for i in range(3))
    assert client.post(f"/api/tickets/{a}/merge", json={"into": a}).status_code == 422
    assert client.post(f"/api/tickets/{a}/merge", json={"into": 999999}).status_code == 404
    assert client.post(f"/api/tickets/{a}/merge", json={}).status_code == 422
    assert client.post(f"/api/tickets/{a}/merge", json={"into": b}).status_code == 201
    again = client.post(f"/api/tickets/{a}/merge", json={"into": c})
    assert again.status_code == 409
    into_merged = client.post(f"/api/tickets/{c}/merge", json={"into": a})
    assert into_merged.status_code == 409
    assert f"ticket {b}" in into_merged.get_json()["error"]["message"]


def test_bulk_merge_is_all_or_nothing(client):
    target = create(client, "Target", "T")
    one, two, merged = (create(client, f"S{i}", "x") for i in range(3))
    other = create(client, "Other", "x")
    client.post(f"/api/tickets/{merged}/merge", json={"into": other})

    refused = client.post("/api/merges", json={"sources": [one, two, merged], "into": target})
    assert refused.status_code == 409
    assert client.get(f"/api/tickets/{one}/merge").status_code == 404  # rolled back

    done = client.post("/api/merges", json={"sources": [one, two], "into": target})
    assert done.status_code == 200, done.get_json()
    assert [m["source_id"] for m in done.get_json()["items"]] == [one, two]
    assert client.get(f"/api/tickets/{two}").get_json()["status"] == "closed"


def test_merging_clears_the_duplicate_flag_and_hides_the_source_from_look_alikes(client):
    first = create(client, "Charged twice", "Charged twice, refund.", requester_email="d@x.io")
    second = create(client, "Charged twice", "Charged twice, refund!", requester_email="d@x.io")
    flags = client.get("/api/duplicates", query_string={"ticket": second}).get_json()["items"]
    assert flags and flags[0]["duplicate_of"]["id"] == first
    client.post(f"/api/tickets/{second}/merge", json={"into": first})
    assert client.get("/api/duplicates", query_string={"ticket": second}).get_json()["items"] == []
    probe = create(client, "Refund for double charge", "I was charged twice")
    ids = [
        i["ticket"]["id"] for i in client.get(f"/api/tickets/{probe}/similar").get_json()["items"]
    ]
    assert first in ids and second not in ids
