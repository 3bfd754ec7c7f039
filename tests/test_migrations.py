"""Migrations build the whole schema on an empty database and match the models exactly."""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import MIGRATIONS
from ticketing.core.extensions import db
from ticketing.models import Ticket
from ticketing.tickets.services import filter_tickets


def test_flask_db_check_finds_no_drift(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_search_structures_exist_for_the_engine(app_ctx):
    inspector = sa.inspect(db.engine)
    if db.engine.dialect.name == "postgresql":
        assert "search_vector" in {c["name"] for c in inspector.get_columns("tickets")}
        indexes = {i["name"] for i in inspector.get_indexes("tickets")}
        assert "ix_tickets_search_vector" in indexes
    else:
        assert "tickets_fts" in inspector.get_table_names()


def test_downgrade_to_empty_and_upgrade_again(app_ctx):
    downgrade(directory=MIGRATIONS, revision="base")
    assert "tickets" not in sa.inspect(db.engine).get_table_names()
    upgrade(directory=MIGRATIONS)
    assert "tickets" in sa.inspect(db.engine).get_table_names()


def _repair_revision():
    path = Path(MIGRATIONS) / "versions" / "7a1c2e9d4b10_repair_search_configuration.py"
    spec = importlib.util.spec_from_file_location("repair_search", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _install_the_first_release_search(engine) -> None:
    """Put back the search structures the initial revision created before it was edited."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP INDEX ix_tickets_search_vector"))
            conn.execute(sa.text("ALTER TABLE tickets DROP COLUMN search_vector"))
            conn.execute(
                sa.text(
                    "ALTER TABLE tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
                    "(to_tsvector('simple', subject || ' ' || body)) STORED"
                )
            )
            index = "CREATE INDEX ix_tickets_search_vector ON tickets USING gin (search_vector)"
            conn.execute(sa.text(index))
        else:
            for name in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
                conn.execute(sa.text(f"DROP TRIGGER {name}"))
            conn.execute(sa.text("DROP TABLE tickets_fts"))
            conn.execute(
                sa.text(
                    "CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, body, content='tickets',"
                    " content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
                )
            )
            for trigger in _repair_revision().FTS_TRIGGERS:
                conn.execute(sa.text(trigger))
            conn.execute(sa.text("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')"))


def test_a_database_migrated_before_the_search_edit_is_repaired(app, client):
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="643cec8f32b0")
        _install_the_first_release_search(db.engine)
        # Written with the first release's columns only (today's model has more).
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO tickets (subject, body, status, created_at, updated_at) "
                    "VALUES ('Refunds', 'Two refunds are missing', 'open', :now, :now)"
                ),
                {"now": "2026-11-29 12:00:00+00:00"},
            )
        # The same search the list runs (ids only: the old schema lacks today's columns).
        found = db.session.scalars(filter_tickets(sa.select(Ticket.id), {"q": "refund"})).all()
        assert found == []  # unstemmed
        db.session.rollback()
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    found = client.get("/api/tickets?q=refund").get_json()
    assert [t["subject"] for t in found["items"]] == ["Refunds"]


def test_upgrades_that_rebuild_the_tickets_table_keep_replies_and_tags(app_ctx):
    """SQLite rebuilds ``tickets`` to change a CHECK; with foreign keys on, dropping the old
    table would cascade to every reply and tag link. An install upgraded from the first
    release must keep its conversations."""
    downgrade(directory=MIGRATIONS, revision="7a1c2e9d4b10")  # the first release's schema
    with db.engine.begin() as conn:
        ticket = conn.execute(
            sa.text(
                "INSERT INTO tickets (subject, body, status, created_at, updated_at) "
                "VALUES ('Refund', 'Charged twice', 'open', :t, :t) RETURNING id"
            ),
            {"t": "2026-11-01 10:00:00"},
        ).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO replies (ticket_id, author_name, body, internal, created_at) "
                "VALUES (:id, 'Ana', 'We refunded you.', false, '2026-11-01 11:00:00')"
            ),
            {"id": ticket},
        )
        tag = conn.execute(sa.text("INSERT INTO tags (name) VALUES ('vip') RETURNING id")).scalar()
        conn.execute(
            sa.text("INSERT INTO ticket_tags (ticket_id, tag_id) VALUES (:t, :g)"),
            {"t": ticket, "g": tag},
        )
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as conn:
        replies = conn.execute(sa.text("SELECT count(*) FROM replies")).scalar()
        links = conn.execute(sa.text("SELECT count(*) FROM ticket_tags")).scalar()
    assert (replies, links) == (1, 1)


def test_password_reset_mail_needs_no_ticket_and_the_downgrade_drops_such_rows(app_ctx):
    """e7a9c1d3f5b8: ``mail_outbox.ticket_id`` nullable and kind ``password_reset`` (a table
    rebuild on SQLite): ticket mail survives both ways; ticketless rows go on the way down."""
    insert = (
        "INSERT INTO mail_outbox (ticket_id, kind, status, to_address, message_id, attempts, "
        "next_attempt_at, created_at) VALUES (:ticket, :kind, 'queued', 'a@example.com', :mid, "
        "0, :t, :t)"
    )
    when = "2026-11-29 12:00:00+00:00"
    downgrade(directory=MIGRATIONS, revision="c3e5a7b9d1f2")
    with db.engine.begin() as conn:
        ticket = conn.execute(
            sa.text(
                "INSERT INTO tickets (subject, body, status, created_at, updated_at) "
                "VALUES ('Refund', 'Charged twice', 'open', :t, :t) RETURNING id"
            ),
            {"t": when},
        ).scalar()
        conn.execute(
            sa.text(insert), {"ticket": ticket, "kind": "reply", "mid": "<1@x>", "t": when}
        )
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(sa.text(insert), {"ticket": None, "kind": "reply", "mid": "<2@x>", "t": when})

    upgrade(directory=MIGRATIONS)
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(insert), {"ticket": None, "kind": "password_reset", "mid": "<3@x>", "t": when}
        )
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(sa.text(insert), {"ticket": None, "kind": "bogus", "mid": "<4@x>", "t": when})

    downgrade(directory=MIGRATIONS, revision="c3e5a7b9d1f2")
    with db.engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT message_id FROM mail_outbox")).scalars().all()
    assert kept == ["<1@x>"]
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.text(insert), {"ticket": ticket, "kind": "password_reset", "mid": "<5@x>", "t": when}
        )
    upgrade(directory=MIGRATIONS)


def _pending_list_limits() -> dict[str, str | None]:
    rows = db.session.execute(
        sa.text(
            "SELECT relname, (SELECT option_value FROM pg_options_to_table(reloptions) "
            "WHERE option_name = 'gin_pending_list_limit') FROM pg_class "
            "WHERE relname IN ('ix_tickets_search_vector', 'ix_tickets_requester_trgm')"
        )
    )
    limits = dict(rows.all())
    db.session.rollback()
    return limits


def test_search_indexes_keep_a_short_pending_list_on_postgresql(app_ctx):
    """ed14953df0ee: every search reads a GIN index's whole pending list, which grew to
    hundreds of pages after an intake burst with the 4 MB default (the search twice as slow
    until a vacuum); the two search indexes merge theirs past 64 kB, and the downgrade gives
    back the default."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("GIN pending lists are PostgreSQL's")
    wanted = {"ix_tickets_search_vector": "64", "ix_tickets_requester_trgm": "64"}
    assert _pending_list_limits() == wanted
    downgrade(directory=MIGRATIONS, revision="d2f4a6c8e0b1")
    assert _pending_list_limits() == dict.fromkeys(wanted)
    upgrade(directory=MIGRATIONS)
    assert _pending_list_limits() == wanted
