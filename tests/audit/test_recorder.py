"""The recorder's edges: unloaded old values, bulk paths, the switch, and its cost in queries."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from ticketing.core import withcommit
from ticketing.core.extensions import db
from ticketing.models import Ticket, TicketEvent
from ticketing.tickets import services

from .helpers import events


def _trail(ticket_id: int) -> list[tuple]:
    rows = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return [(r.action, r.field, r.old_value, r.new_value) for r in rows]


def test_old_value_is_read_from_the_row_when_the_attribute_was_not_loaded(app_ctx):
    ticket = services.create_ticket({"subject": "Expired", "body": "x", "priority": "low"})
    db.session.commit()  # expires every attribute
    ticket.priority = "high"  # set without reading the old value first
    ticket.status = "closed"
    db.session.commit()
    assert _trail(ticket.id)[1:] == [
        ("updated", "status", "open", "closed"),
        ("updated", "priority", "low", "high"),
    ]


def test_several_tickets_in_one_flush_each_get_their_events(app_ctx):
    first = services.create_ticket({"subject": "First", "body": "x"})
    second = services.create_ticket({"subject": "Second", "body": "y"})
    first.note, second.note = "one", "two"
    db.session.commit()
    assert _trail(first.id) == [("created", None, None, "First"), ("updated", "note", None, "one")]
    assert _trail(second.id) == [
        ("created", None, None, "Second"),
        ("updated", "note", None, "two"),
    ]


@pytest.mark.parametrize("config_overrides", [{"AUDIT_ENABLED": False}], ids=["off"])
def test_audit_enabled_false_records_nothing(client, make_ticket):
    ticket = make_ticket()
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "closed"})
    assert client.get(f"/api/tickets/{ticket['id']}/events").get_json()["items"] == []


def test_the_bulk_seed_writes_no_events(app, runner, client):
    result = runner.invoke(args=["tickets", "seed", "--count", "30"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 30
        assert db.session.scalar(select(db.func.count()).select_from(TicketEvent)) == 0
    # Seeded tickets have no trail yet, but they are real tickets: their events are a 200.
    assert events(client, 1) == []
    client.patch("/api/tickets/1", json={"note": "checked"})
    assert [e["field"] for e in events(client, 1)] == ["note"]


def _statements(app, client, calls, monkeypatch) -> list[list[str]]:
    """The SQL each call sends: through SQLAlchemy, and with a COMMIT (core.withcommit)."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    send = withcommit._send

    def record_with_commit(connection, statements, commit):
        statements = list(statements)
        seen.extend(sql for sql, _params in statements)
        send(connection, statements, commit)

    monkeypatch.setattr(withcommit, "_send", record_with_commit)
    event.listen(engine, "before_cursor_execute", record)
    out = []
    try:
        for method, url, body in calls:
            seen.clear()
            response = client.open(url, method=method, json=body)
            assert response.status_code < 300
            out.append(list(seen))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return out


def test_audit_adds_no_query_to_the_list_and_one_insert_to_a_change(
    app, client, make_ticket, monkeypatch
):
    """Reads cost nothing; a change costs exactly one extra INSERT (all its events at once),
    sent with the COMMIT on PostgreSQL."""
    for n in range(3):
        make_ticket(subject=f"T{n}", tags=["a"])
    measured = {}
    for enabled in (False, True):
        app.config["AUDIT_ENABLED"] = enabled
        measured[enabled] = _statements(
            app,
            client,
            [
                ("GET", "/api/tickets?per_page=10", None),
                ("PATCH", "/api/tickets/1", {"note": str(enabled)}),
            ],
            monkeypatch,
        )
    (list_off, patch_off), (list_on, patch_on) = measured[False], measured[True]
    assert list_on == list_off
    assert not any("ticket_events" in s for s in list_on)
    assert len(patch_on) == len(patch_off) + 1
    [insert] = [s for s in patch_on if "ticket_events" in s]
    assert insert.lstrip().upper().startswith("INSERT INTO TICKET_EVENTS")
