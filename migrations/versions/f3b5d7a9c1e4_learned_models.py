"""learned models; "learned" as a triage source

Revision ID: f3b5d7a9c1e4
Revises: f3a5c7e9b1d2
Create Date: 2026-11-29 14:10:00

Changing a CHECK rebuilds ``tickets`` on SQLite, which drops its full-text triggers: they are
put back (as in b3d5f7a9c1e2), and foreign keys are switched off around the rebuild (with them
on, SQLite's ``DROP TABLE tickets`` cascades to replies and tag links; as in d7e1a3c5b9f2).
"""

from alembic import op
import sqlalchemy as sa


revision = "f3b5d7a9c1e4"
down_revision = "f3a5c7e9b1d2"
branch_labels = None
depends_on = None

OLD_SOURCES = "'claude', 'fallback', 'manual'"
NEW_SOURCES = "'claude', 'fallback', 'manual', 'learned'"
OLD_TRIAGE = "'claude', 'fallback'"
NEW_TRIAGE = "'claude', 'fallback', 'learned'"

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


def _nullable_in(column: str, listed: str) -> str:
    return f"{column} IS NULL OR {column} IN ({listed})"


def _replace_checks(sources: str, triage: str) -> None:
    with op.batch_alter_table("tickets") as batch:
        for column in ("category_source", "priority_source"):
            batch.drop_constraint(op.f(f"ck_tickets_{column}"), type_="check")
            batch.create_check_constraint(column, _nullable_in(column, sources))
    if op.get_bind().dialect.name == "sqlite":
        for name in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for trigger in FTS_TRIGGERS:
            op.execute(trigger)
    with op.batch_alter_table("classifications") as batch:
        batch.drop_constraint(op.f("ck_classifications_source"), type_="check")
        batch.create_check_constraint("source", f"source IN ({triage})")


def upgrade():
    op.create_table(
        "learned_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=40), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("held_out", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("rules_accuracy", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=300), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "accuracy IS NULL OR accuracy BETWEEN 0 AND 1", name=op.f("ck_learned_models_accuracy")
        ),
        sa.CheckConstraint(
            "field IN ('category', 'priority')", name=op.f("ck_learned_models_field")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_models")),
    )
    op.create_index(
        "ix_learned_models_field_version", "learned_models", ["field", "version"], unique=True
    )
    _replace_checks(NEW_SOURCES, NEW_TRIAGE)


def downgrade():
    op.execute("UPDATE tickets SET category_source = 'fallback' WHERE category_source = 'learned'")
    op.execute("UPDATE tickets SET priority_source = 'fallback' WHERE priority_source = 'learned'")
    op.execute("UPDATE classifications SET source = 'fallback' WHERE source = 'learned'")
    _replace_checks(OLD_SOURCES, OLD_TRIAGE)
    op.drop_index("ix_learned_models_field_version", table_name="learned_models")
    op.drop_table("learned_models")
