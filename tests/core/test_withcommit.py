"""Rows kept for the COMMIT (core.withcommit): written with it, seen by the transaction that
wrote them, gone with its rollback, and a commit that fails stores nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ticketing.core import withcommit
from ticketing.core.extensions import db
from ticketing.models import TicketEvent, utcnow

EVENTS = TicketEvent.__table__


def _row(ticket_id: int, **overrides) -> dict:
    return {
        "ticket_id": ticket_id,
        "action": "created",
        "field": None,
        "old_value": None,
        "new_value": "A subject",
        "actor_type": "system",
        "actor_id": None,
        "actor_label": None,
        "via": "cli",
        "request_id": None,
        "created_at": utcnow(),
        **overrides,
    }


def _ticket_ids() -> list[int]:
    return list(db.session.scalars(sa.select(TicketEvent.ticket_id).order_by(TicketEvent.id)))


def _kept() -> bool:
    return db.session.connection() in withcommit._kept


@pytest.fixture
def postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("other databases write at once")


def test_other_databases_write_at_once(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            pytest.skip("PostgreSQL keeps the rows for the commit")
        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(1)])
        assert not _kept()
        db.session.commit()
        assert _ticket_ids() == [1]


def test_kept_rows_are_written_with_the_commit(app, postgresql_only):
    with app.app_context():
        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(1), _row(2)])
        assert _kept()
        db.session.commit()
        assert _ticket_ids() == [1, 2]


def test_the_transaction_reads_what_it_kept(app, postgresql_only):
    """Any statement after the rows were kept (here a read) writes them first."""
    with app.app_context():
        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(3)])
        assert _ticket_ids() == [3]
        assert not _kept()
        db.session.commit()
        assert _ticket_ids() == [3]


def test_a_rollback_drops_kept_rows_and_a_savepoint_keeps_the_outer_ones(app, postgresql_only):
    with app.app_context():
        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(4)])
        db.session.rollback()
        assert _ticket_ids() == []

        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(5)])
        savepoint = db.session.begin_nested()  # writes the outer transaction's rows first
        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(6)])  # at once
        assert not _kept()
        savepoint.rollback()
        db.session.commit()
        assert _ticket_ids() == [5]


def test_a_failing_kept_row_fails_the_commit_and_stores_nothing(app, postgresql_only):
    """The CHECK constraint refuses the second row at the commit: neither row is stored, the
    error is SQLAlchemy's, and the session works on afterwards."""
    with app.app_context():
        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(7)])
        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(8, via="carrier-pigeon")])
        with pytest.raises(sa.exc.DBAPIError):
            db.session.commit()
        db.session.rollback()
        assert _ticket_ids() == []
        withcommit.insert_rows(db.session.connection(), EVENTS, [_row(9)])
        db.session.commit()
        assert _ticket_ids() == [9]


def test_a_row_without_its_defaulted_columns_is_refused(app, postgresql_only):
    """A kept row is written as given: a column default would silently not apply."""
    with app.app_context():
        row = _row(10)
        del row["created_at"]
        with pytest.raises(ValueError, match="created_at"):
            withcommit.insert_rows(db.session.connection(), EVENTS, [row])
        db.session.rollback()
