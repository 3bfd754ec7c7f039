"""pending and on_hold ticket statuses

Revision ID: b3d5f7a9c1e2
Revises: 7a1c2e9d4b10
Create Date: 2026-11-29 13:00:00
"""

from alembic import op


revision = "b3d5f7a9c1e2"
down_revision = "7a1c2e9d4b10"
branch_labels = None
depends_on = None

NEW = "status IN ('open', 'in_progress', 'pending', 'on_hold', 'resolved', 'closed')"
OLD = "status IN ('open', 'in_progress', 'resolved', 'closed')"


#: SQLite rebuilds the table to change a CHECK, which drops the full-text triggers on it:
#: they are put back (the FTS index itself is keyed by the unchanged ticket ids).
FTS_TRIGGERS = (
    """CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN
         INSERT INTO tickets_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
       END""",
    """CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN
         INSERT INTO tickets_fts(tickets_fts, rowid, subject, body)
         VALUES ('delete', old.id, old.subject, old.body);
       END""",
    """CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject, body ON tickets BEGIN
         INSERT INTO tickets_fts(tickets_fts, rowid, subject, body)
         VALUES ('delete', old.id, old.subject, old.body);
         INSERT INTO tickets_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
       END""",
)


def _replace_check(condition: str) -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint(op.f("ck_tickets_status"), type_="check")
        batch.create_check_constraint("status", condition)
    if op.get_bind().dialect.name == "sqlite":
        for name in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for trigger in FTS_TRIGGERS:
            op.execute(trigger)


def upgrade():
    _replace_check(NEW)


def downgrade():
    op.execute("UPDATE tickets SET status = 'open' WHERE status IN ('pending', 'on_hold')")
    _replace_check(OLD)
