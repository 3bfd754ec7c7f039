"""The database itself refuses bad values (CHECK constraints) and cascades deletes."""

import pytest
import sqlalchemy as sa

from ticketing.core.extensions import db

GOOD = {"subject": "ok", "body": "fine", "status": "open"}


def insert_ticket(**overrides):
    row = {**GOOD, "created_at": sa.func.now(), "updated_at": sa.func.now(), **overrides}
    table = db.metadata.tables["tickets"]
    return db.session.execute(sa.insert(table).values(**row).returning(table.c.id)).scalar_one()


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "waiting"},
        {"priority": "urgent"},
        {"category": "hacked"},
        {"category_source": "robot"},
        {"priority_source": "guess"},
        {"sentiment": "ecstatic"},
        {"urgency_score": 101},
        {"urgency_score": -1},
        {"confidence": 1.5},
        {"confidence": -0.1},
        {"subject": ""},
        {"subject": " padded "},
        {"subject": "s" * 201},
        {"body": ""},
        {"note": "n" * 5001},
        {"explanation": "e" * 501},
        {"suggested_title": "t" * 121},
        {"triage_status": "lost"},
    ],
)
def test_check_constraints_reject_raw_sql(app_ctx, overrides):
    # IntegrityError for a CHECK; PostgreSQL's varchar(n) answers DataError first.
    with pytest.raises((sa.exc.IntegrityError, sa.exc.DataError)):
        insert_ticket(**overrides)
    db.session.rollback()


def test_valid_raw_row_is_accepted(app_ctx):
    assert insert_ticket(urgency_score=100, confidence=1.0, priority="critical")


def test_tag_names_must_be_normalised(app_ctx):
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("INSERT INTO tags (name) VALUES ('Mixed Case')"))
    db.session.rollback()


def test_deleting_a_ticket_cascades_to_replies_and_tag_links(app_ctx):
    ticket_id = insert_ticket()
    db.session.execute(sa.text("INSERT INTO tags (name) VALUES ('keep')"))
    tag_id = db.session.execute(sa.text("SELECT id FROM tags")).scalar_one()
    db.session.execute(
        sa.text("INSERT INTO ticket_tags (ticket_id, tag_id) VALUES (:t, :g)"),
        {"t": ticket_id, "g": tag_id},
    )
    db.session.execute(
        sa.text(
            "INSERT INTO replies (ticket_id, body, internal, created_at) "
            "VALUES (:t, 'hi', false, CURRENT_TIMESTAMP)"
        ),
        {"t": ticket_id},
    )
    db.session.execute(sa.text("DELETE FROM tickets WHERE id = :t"), {"t": ticket_id})
    count = lambda table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: E731
    assert (count("replies"), count("ticket_tags"), count("tags")) == (0, 0, 1)
