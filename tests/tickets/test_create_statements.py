"""A create is one transaction of a few statements, with no read-backs; on PostgreSQL its
rollup upsert travels with the COMMIT, so the day's hot rollup rows are locked only for the
commit itself (tickets/rollups.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.sqlspy import statements_until_commit
from ticketing.core import withcommit
from ticketing.core.extensions import db
from ticketing.models import (
    OutboundMail,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketRollup,
    TicketSla,
)
from ticketing.tickets import rollups, services

BODY = {
    "subject": "Charged twice for my subscription",
    "body": "My card was charged twice this month for the same plan. Please refund one.",
    "requester_email": "someone@example.com",
}


def _is_postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_a_create_is_its_writes_and_one_lookup_no_read_backs(app, client):
    """The duplicate look-up is the only read; then one INSERT per table, in one transaction.
    The ORM writes the ticket; its clock, outbox row, audit row and rollup upsert are plain
    rows that ride with the COMMIT on PostgreSQL (core.withcommit: not seen here, they are
    checked stored below) and follow the flush on SQLite. A SELECT of the new
    ticket, its clock or its outbox row after an INSERT (a read-back) fails this test."""
    client.post("/api/tickets", json={**BODY, "requester_email": "warm@example.com"})
    sent = statements_until_commit(app, client, BODY)
    reads = [s for s in sent if s.startswith("select")]
    assert len(reads) == 1 and "requester_email" in reads[0], reads
    tables = [s.split()[2] for s in sent if s.startswith("insert")]
    with app.app_context():
        clocks = db.session.scalar(sa.select(sa.func.count()).select_from(SlaPolicy)) > 0
    flushed = ["tickets"]
    with_commit = [] if _is_postgresql(app) else ["mail_outbox", "ticket_events", "ticket_rollups"]
    if clocks and not _is_postgresql(app):
        with_commit = sorted([*with_commit, "ticket_slas"])
    assert tables[: len(flushed)] == flushed, sent
    assert sorted(tables[len(flushed) :]) == with_commit, sent
    assert len(sent) == len(flushed) + len(with_commit) + 1, sent
    with app.app_context():
        ticket_id = db.session.scalar(
            sa.select(Ticket.id).where(Ticket.requester_email == BODY["requester_email"])
        )
        mails = db.session.scalars(
            sa.select(OutboundMail).where(OutboundMail.ticket_id == ticket_id)
        ).all()
        assert [(m.kind, m.to_address) for m in mails] == [
            ("acknowledgement", BODY["requester_email"])
        ]
        assert mails[0].message_id and mails[0].created_at and mails[0].next_attempt_at
        trail = db.session.scalars(
            sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
        ).all()
        assert [(e.action, e.new_value) for e in trail] == [("created", BODY["subject"])]
        clock = db.session.get(TicketSla, ticket_id)
        assert (clock is not None) == clocks


def test_the_rollups_count_a_create_once_committed(app, client):
    assert client.post("/api/tickets", json=BODY).status_code == 201
    with app.app_context():
        assert rollups.check() == []
        total = db.session.scalar(
            sa.select(TicketRollup.n).where(
                TicketRollup.day == rollups.ALL_DAYS,
                TicketRollup.status == "open",
                TicketRollup.dimension == rollups.ALL,
            )
        )
        assert total == 1


@pytest.fixture
def postgresql_only(app):
    if not _is_postgresql(app):
        pytest.skip("SQLite writes the rollups at each flush (one writer at a time anyway)")


def _new_ticket(subject: str) -> Ticket:
    return services.create_ticket({"subject": subject, "body": "It does not work."})


def test_a_flushed_create_locks_no_rollup_row_before_its_commit(app, postgresql_only):
    """Before: the upsert ran at the flush and held the day's rows until the commit, so a
    second create waited for the first one's commit (here: its lock timeout)."""
    with app.app_context():
        first = _new_ticket("First")  # flushed, not committed
        with app.app_context():  # another request, its own session and connection
            db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            _new_ticket("Second")
            db.session.commit()
        db.session.commit()
        assert first.id is not None
        assert rollups.check() == []


def test_kept_counts_follow_their_transaction(app, postgresql_only):
    """A savepoint's counts go with its rollback, the outer ones stay; a read of the rollups
    inside the transaction sees the counts kept for the commit; an outer rollback drops them
    (and the connection's next transaction does not inherit them)."""
    with app.app_context():
        _new_ticket("Kept")
        savepoint = db.session.begin_nested()
        _new_ticket("Rolled back with its savepoint")
        savepoint.rollback()
        assert rollups.check() == []  # reads the kept counts: one ticket, not two
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
        assert rollups.check() == []

        _new_ticket("Rolled back")
        db.session.rollback()
        _new_ticket("Committed")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 2
        assert rollups.check() == []


def test_a_failing_upsert_fails_the_commit_and_stores_nothing(app, postgresql_only):
    """The counts and the change commit together or not at all: an upsert the database
    refuses (here a value too long for its column) fails the commit, as a SQLAlchemy error,
    and the ticket is not stored; the session and its connection work on afterwards."""
    with app.app_context():
        _new_ticket("Never stored")
        connection = db.session.connection()
        bogus = rollups.Deltas()
        bogus.counts[(rollups.ALL_DAYS, "x" * 500, rollups.ALL, "")] = [1, 0, 0, 0]
        with rollups._kept_lock:
            rollups._kept[connection].counts.update(bogus.counts)
        with pytest.raises(sa.exc.DBAPIError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0
        _new_ticket("Stored")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
        assert rollups.check() == []


def test_the_commit_goes_with_the_upsert(app, postgresql_only):
    """The pipeline ends the transaction itself: the DB-API commit that follows has nothing
    left to send."""
    with app.app_context():
        _new_ticket("One round trip")
        connection = db.session.connection()
        raw = connection.connection.driver_connection
        withcommit.commit(connection)  # what the connection's commit event runs
        assert raw.info.transaction_status.name == "IDLE"
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
        assert rollups.check() == []
