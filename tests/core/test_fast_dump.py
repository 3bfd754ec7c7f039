"""FastDumpSchema gives exactly marshmallow's output: tickets and replies of every shape
(tags, owners, SLA clocks, resolved, unclassified, replies with delivery), alone and as a
page, through the API and against the plain ``Schema`` serialisation."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema
from sqlalchemy import select

from ticketing.core.extensions import db
from ticketing.models import Reply, Ticket
from ticketing.tickets.schemas import ReplyOut, TicketOut


def _varied_tickets(client, admin_user) -> None:
    team = client.post("/api/teams", json={"name": "Billing desk"})
    assert team.status_code == 201, team.get_json()
    team_id = team.get_json()["id"]
    bodies = [
        {"subject": "Charged twice", "body": "My card was charged twice.", "tags": ["vip", "card"]},
        {"subject": "Login broken", "body": "Cannot sign in since Monday.", "priority": "high",
         "category": "technical", "assignee_id": admin_user.id, "team_id": team_id},
        {"subject": "Question", "body": "Where is the invoice?", "requester_email": "a@b.example",
         "requester_name": "Ann Example", "note": "Called twice"},
    ]  # fmt: skip
    ids = []
    for body in bodies:
        response = client.post("/api/tickets", json=body)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    reply = client.post(f"/api/tickets/{ids[0]}/replies", json={"body": "We refunded one."})
    assert reply.status_code == 201, reply.get_json()
    note = client.post(
        f"/api/tickets/{ids[0]}/replies", json={"body": "Checked Stripe.", "internal": True}
    )
    assert note.status_code == 201, note.get_json()
    assert client.patch(f"/api/tickets/{ids[2]}", json={"status": "resolved"}).status_code == 200


def test_fast_dump_equals_marshmallow_for_every_ticket_and_reply(app, client, admin_user):
    _varied_tickets(client, admin_user)
    with app.app_context():
        db.session.add(Ticket(subject="Bare", body="Nothing set.", created_at=datetime.now(UTC)))
        db.session.commit()
        tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
        replies = db.session.scalars(select(Reply).order_by(Reply.id)).all()
        assert len(tickets) == 4 and len(replies) == 2
        for schema, rows in ((TicketOut(), tickets), (ReplyOut(), replies)):
            plain = [Schema._serialize(schema, row, many=False) for row in rows]  # its own
            fast = schema.dump(rows, many=True)
            assert fast == plain
            assert [schema.dump(row) for row in rows] == plain
        shapes = {(t.assignee_id is None, t.resolved_at is None, not t.tags) for t in tickets}
        assert len(shapes) >= 3  # owned / unowned, resolved / open, tagged / untagged


def test_the_list_and_a_ticket_answer_the_same_fields(app, client, admin_user):
    _varied_tickets(client, admin_user)
    page = client.get("/api/tickets?per_page=100").get_json()["items"]
    for item in page:
        alone = client.get(f"/api/tickets/{item['id']}").get_json()
        assert alone == item
    keys = set(TicketOut().dump_fields)
    assert all(set(item) == keys for item in page)
