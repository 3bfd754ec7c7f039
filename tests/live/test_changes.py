"""The change feed (cursor over the audit trail) and presence: what the page polls so a
colleague's change shows without a reload."""

from __future__ import annotations

from tests.conftest import bearer_client


def test_the_feed_starts_at_a_cursor_and_returns_later_changes_in_order(
    client, agent_client, make_ticket
):
    ticket = make_ticket()
    start = agent_client.get("/api/changes")
    assert start.status_code == 200
    cursor = start.get_json()["cursor"]
    assert start.get_json()["items"] == []
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "resolved", "note": "secret"})
    created = make_ticket(subject="New one")
    answer = agent_client.get(f"/api/changes?after={cursor}").get_json()
    seen = [(c["ticket_id"], c["action"], c["field"], c["new_value"]) for c in answer["items"]]
    assert (ticket["id"], "updated", "status", "resolved") in seen
    assert (ticket["id"], "updated", "note", None) in seen  # that it changed, never the text
    assert (created["id"], "created", None, None) in seen
    assert [c["id"] for c in answer["items"]] == sorted(c["id"] for c in answer["items"])
    assert all(c["actor_label"] == "admin@example.com" for c in answer["items"])
    again = agent_client.get(f"/api/changes?after={answer['cursor']}").get_json()
    assert again["items"] == [] and again["cursor"] == answer["cursor"]


def test_a_long_backlog_comes_in_pages(client, agent_client, make_ticket):
    cursor = agent_client.get("/api/changes").get_json()["cursor"]
    for n in range(3):
        make_ticket(subject=f"T{n}")
    from ticketing.live import services

    services.FEED_LIMIT, old = 2, services.FEED_LIMIT
    try:
        first = agent_client.get(f"/api/changes?after={cursor}").get_json()
        assert len(first["items"]) == 2 and first["more"] is True
        second = agent_client.get(f"/api/changes?after={first['cursor']}").get_json()
        assert len(second["items"]) == 1 and second["more"] is False
    finally:
        services.FEED_LIMIT = old


def test_presence_shows_who_else_is_on_a_ticket(app, make_user, make_ticket):
    ana, bo = make_user(name="Ana"), make_user(name="Bo")
    ticket = make_ticket()
    as_ana, as_bo = bearer_client(app, ana), bearer_client(app, bo)
    url = f"/api/tickets/{ticket['id']}/presence"
    assert as_ana.put(url, json={"state": "replying"}).status_code == 204
    assert as_bo.put(url, json={"state": "viewing"}).status_code == 204
    seen_by_bo = as_bo.get(f"/api/changes?ticket={ticket['id']}").get_json()["presence"]
    assert seen_by_bo == [{"user_id": ana.id, "name": "Ana", "state": "replying"}]
    assert as_ana.delete(url).status_code == 204
    assert as_bo.get(f"/api/changes?ticket={ticket['id']}").get_json()["presence"] == []
    assert as_ana.put("/api/tickets/99999/presence", json={"state": "viewing"}).status_code == 404
    assert as_ana.put(url, json={"state": "typing"}).status_code == 422


def test_the_feed_query_is_a_primary_key_range_scan(app_ctx):
    """Answered from an index whatever the trail's size (bench/live.py measures the time)."""
    from sqlalchemy import select

    from ticketing.core.extensions import db
    from ticketing.models import TicketEvent

    stmt = select(TicketEvent).where(TicketEvent.id > 5).order_by(TicketEvent.id).limit(201)
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in db.session.execute(db.text(f"EXPLAIN {compiled}")))
        assert "pk_ticket_events" in plan, plan
    else:
        plan = " ".join(
            str(r[-1]) for r in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
        assert "PRIMARY KEY" in plan and "TEMP B-TREE" not in plan, plan


def test_a_cursor_beyond_any_audit_id_is_a_422_not_a_500(client):
    answer = client.get("/api/changes?after=9223372036854775807")
    assert answer.status_code == 422
    assert "after" in answer.get_json()["error"]["fields"]
    assert client.get(f"/api/changes?after={2**31 - 1}").status_code == 200
