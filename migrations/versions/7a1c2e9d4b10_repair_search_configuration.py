"""repair the full-text search configuration

The initial revision was edited after release: a database migrated before that edit kept
the 'simple' text-search configuration (PostgreSQL) or the FTS5 table without the porter
stemmer (SQLite), so "refunds" did not find "refund" there. This revision rebuilds the search
structures when, and only when, a database still has the old ones; on a database created
since, it changes nothing.

Revision ID: 7a1c2e9d4b10
Revises: 643cec8f32b0
Create Date: 2026-11-29 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "7a1c2e9d4b10"
down_revision = "643cec8f32b0"
branch_labels = None
depends_on = None

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


def _postgres_needs_repair(bind) -> bool:
    expression = bind.execute(
        sa.text(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
            "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
            "WHERE d.adrelid = 'tickets'::regclass AND a.attname = 'search_vector'"
        )
    ).scalar()
    return expression is not None and "'english'" not in expression


def _sqlite_needs_repair(bind) -> bool:
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tickets_fts'")
    ).scalar()
    return sql is not None and "porter" not in sql


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _postgres_needs_repair(bind):
        op.execute("DROP INDEX IF EXISTS ix_tickets_search_vector")
        op.execute("ALTER TABLE tickets DROP COLUMN search_vector")
        op.execute(
            "ALTER TABLE tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('english', subject || ' ' || body)) STORED"
        )
        op.execute("CREATE INDEX ix_tickets_search_vector ON tickets USING gin (search_vector)")
    elif bind.dialect.name == "sqlite" and _sqlite_needs_repair(bind):
        for name in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE tickets_fts")
        op.execute(
            "CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, body, content='tickets', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 0')"
        )
        for trigger in FTS_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")


def downgrade():
    # The repaired structures are what the initial revision creates today: nothing to undo.
    pass
