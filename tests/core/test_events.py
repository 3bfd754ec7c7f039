"""'Ticket saved' and 'reply saved': sent after the commit, for every entry point, never for
work that was rolled back; in-transaction receivers' writes commit with the save."""

from __future__ import annotations

import pytest

from ticketing.core import events
from ticketing.core.extensions import db
from ticketing.tickets import services


@pytest.fixture
def saved():
    """Every after-commit event, as (kind, id, created, fields, parent_id)."""
    seen: list[tuple] = []

    def receiver(app, change):
        seen.append((change.kind, change.id, change.created, change.fields, change.parent_id))

    events.ticket_saved.connect(receiver)
    events.reply_saved.connect(receiver)
    yield seen
    events.ticket_saved.disconnect(receiver)
    events.reply_saved.disconnect(receiver)


def test_a_created_ticket_is_announced_once_after_commit(app_ctx, saved):
    ticket = services.create_ticket({"subject": "Hi", "body": "Hello there"})
    ticket.note = "flushed twice in one transaction"
    db.session.flush()
    assert saved == []  # nothing before the commit
    db.session.commit()
    assert len(saved) == 1
    kind, ticket_id, created, fields, _ = saved[0]
    assert (kind, ticket_id, created) == ("ticket", ticket.id, True)
    assert {"subject", "body", "note"} <= fields


def test_an_edit_names_the_fields_that_changed(app_ctx, saved):
    ticket = services.create_ticket({"subject": "Hi", "body": "Hello there"})
    db.session.commit()
    saved.clear()
    services.update_ticket(ticket, {"status": "resolved"})
    db.session.commit()
    assert [(s[2], "status" in s[3], "subject" in s[3]) for s in saved] == [(False, True, False)]


def test_rolled_back_work_is_never_announced(app_ctx, saved):
    services.create_ticket({"subject": "Hi", "body": "Hello there"})
    db.session.rollback()
    db.session.commit()
    assert saved == []


def test_a_reply_is_announced_with_its_ticket(app_ctx, saved):
    ticket = services.create_ticket({"subject": "Hi", "body": "Hello there"})
    db.session.commit()
    saved.clear()
    reply = services.add_reply(ticket, {"body": "We are on it", "internal": False})
    db.session.commit()
    assert saved[0][:3] == ("reply", reply.id, True) and saved[0][4] == ticket.id


def test_saving_receivers_write_in_the_same_transaction(app_ctx):
    def mark(app, change):
        if change.kind == "ticket" and change.created:
            change.obj.note = "marked while saving"

    events.ticket_saving.connect(mark)
    try:
        ticket = services.create_ticket({"subject": "Hi", "body": "Hello there"})
        db.session.rollback()  # the mark goes with the save ...
        ticket = services.create_ticket({"subject": "Hi", "body": "Hello there"})
        db.session.commit()  # ... and commits with it
    finally:
        events.ticket_saving.disconnect(mark)
    db.session.expire_all()
    assert db.session.get(type(ticket), ticket.id).note == "marked while saving"


@pytest.mark.parametrize("config_overrides", [{"AUTO_CLASSIFY": True}])
def test_every_entry_point_gets_triage_without_asking(client, anon_client, app):
    made = client.post("/api/tickets", json={"subject": "Refund", "body": "Charged twice"})
    intake = anon_client.post(
        "/api/intake",
        json={"subject": "Cannot log in", "body": "Password reset fails", "email": "a@b.co"},
    )
    assert made.status_code == 201 and intake.status_code == 201
    for ticket_id in (made.get_json()["id"], intake.get_json()["reference"]):
        ticket = client.get(f"/api/tickets/{ticket_id}").get_json()
        assert ticket["triage_status"] == "done" and ticket["category"] is not None
    with events.save_options(triage=False), app.app_context():
        quiet = services.create_ticket({"subject": "Quiet", "body": "No triage please"})
        db.session.commit()
        assert quiet.triage_status is None
