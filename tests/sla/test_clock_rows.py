"""A new ticket's clock is a plain row written with its transaction's COMMIT (after the flush
that gave the ticket its id), and joins the session as what it wrote: the answer reads it
without a read-back, a change in the same transaction is stored, a rollback leaves nothing."""

from __future__ import annotations

import sqlalchemy as sa

from tests.sla.conftest import berlin, iso
from tests.sqlspy import statements_until_commit
from ticketing.core.extensions import db
from ticketing.models import Ticket, TicketSla
from ticketing.tickets import services


def _clocks() -> list[TicketSla]:
    return list(db.session.scalars(sa.select(TicketSla).order_by(TicketSla.ticket_id)))


def test_a_create_writes_its_clock_with_the_commit_and_answers_with_it(app, client, clock):
    """No SELECT of the clock before the commit (on PostgreSQL its INSERT is not even a
    statement of its own: it rides with the COMMIT); the answer and the stored clock agree."""
    clock.set(berlin(2026, 11, 27, 16))  # Friday 16:00, high: first response due Mon 12:00
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    body = {"subject": "Down", "body": "x", "priority": "high"}
    client.post("/api/tickets", json=body)  # the token's first use commits on its own
    before_commit = statements_until_commit(app, client, body)
    assert not [s for s in before_commit if "ticket_slas" in s and not s.startswith("insert")]
    inserts = [s for s in before_commit if s.startswith("insert into ticket_slas")]
    assert len(inserts) == (0 if postgresql else 1), before_commit
    with app.app_context():
        ticket_id = db.session.scalar(sa.select(sa.func.max(Ticket.id)))
    assert client.get(f"/api/tickets/{ticket_id}").get_json()["sla"] is not None
    detail = client.get(f"/api/tickets/{ticket_id}/sla").get_json()
    assert detail["first_response"]["due_at"] == iso(berlin(2026, 11, 30, 12))
    assert detail["first_response"]["state"] == "running"


def test_a_clock_changed_in_its_creating_transaction_is_stored_changed(app_ctx, clock):
    ticket = services.create_ticket({"subject": "Waiting", "body": "x", "priority": "high"})
    assert ticket.sla is not None and ticket.sla.resolution_state == "running"
    services.update_ticket(ticket, {"status": "pending"})  # the clock pauses: an UPDATE
    db.session.commit()
    db.session.expire_all()
    [stored] = _clocks()
    assert (stored.ticket_id, stored.resolution_state) == (ticket.id, "paused")
    assert stored.resolution_due_at is None and stored.resolution_left_seconds > 0


def test_a_rolled_back_create_leaves_no_clock_behind(app_ctx, clock):
    gone = services.create_ticket({"subject": "Gone", "body": "x", "priority": "high"})
    gone_clock = gone.sla
    assert gone_clock in db.session
    db.session.rollback()
    assert gone_clock not in db.session
    kept = services.create_ticket({"subject": "Kept", "body": "x", "priority": "high"})
    db.session.commit()
    assert [c.ticket_id for c in _clocks()] == [kept.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_several_new_tickets_in_one_flush_each_get_their_clock(app_ctx, clock):
    tickets = [
        services.build_ticket({"subject": f"T{n}", "body": "x", "priority": "high"})
        for n in range(3)
    ]
    db.session.commit()
    assert [c.ticket_id for c in _clocks()] == sorted(t.id for t in tickets)
    assert all(t.sla.ticket_id == t.id for t in tickets)


def test_a_savepoint_rolled_back_takes_only_its_own_clocks(app_ctx, clock):
    outer = services.create_ticket({"subject": "Outer", "body": "x", "priority": "high"})
    savepoint = db.session.begin_nested()
    inner = services.create_ticket({"subject": "Inner", "body": "x", "priority": "high"})
    inner_clock = inner.sla
    savepoint.rollback()
    assert inner_clock not in db.session
    assert outer.sla in db.session
    services.update_ticket(outer, {"status": "pending"})
    db.session.commit()
    db.session.expire_all()
    assert [(c.ticket_id, c.resolution_state) for c in _clocks()] == [(outer.id, "paused")]
