"""ticket language; per-run language, withheld PII kinds and cost; triage batches

Revision ID: c4e6a8b0d2f1
Revises: c4e6a8b0d2f3
Create Date: 2026-11-29 12:00:00

Only nullable columns are added to ``tickets`` (plain ALTER TABLE ADD COLUMN, no table rebuild
on SQLite, so the full-text triggers stay).
"""

from alembic import op
import sqlalchemy as sa


revision = "c4e6a8b0d2f1"
down_revision = "c4e6a8b0d2f3"
branch_labels = None
depends_on = None

BATCH_STATUSES = "status IN ('submitting', 'in_progress', 'applied', 'failed')"


def upgrade():
    op.add_column("tickets", sa.Column("language", sa.String(length=8), nullable=True))
    op.create_index(op.f("ix_tickets_language"), "tickets", ["language"], unique=False)
    op.add_column("classifications", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("classifications", sa.Column("redacted", sa.String(length=100), nullable=True))
    op.add_column("classifications", sa.Column("cost_usd", sa.Float(), nullable=True))
    op.add_column("classifications", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_classifications_job_id"), "classifications", ["job_id"], unique=False)
    op.create_table(
        "triage_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=True),
        sa.Column("request_count", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Integer(), nullable=False),
        sa.Column("errored", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(BATCH_STATUSES, name=op.f("ck_triage_batches_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_batches")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_triage_batches_provider_id")),
    )
    op.create_index("ix_triage_batches_status_id", "triage_batches", ["status", "id"], unique=False)
    op.create_table(
        "triage_batch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("custom_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["triage_batches.id"],
            name=op.f("fk_triage_batch_items_batch_id_triage_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_batch_items")),
        sa.UniqueConstraint("custom_id", name=op.f("uq_triage_batch_items_custom_id")),
    )
    op.create_index(
        op.f("ix_triage_batch_items_batch_id"), "triage_batch_items", ["batch_id"], unique=False
    )
    op.create_index(
        op.f("ix_triage_batch_items_ticket_id"), "triage_batch_items", ["ticket_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_triage_batch_items_ticket_id"), table_name="triage_batch_items")
    op.drop_index(op.f("ix_triage_batch_items_batch_id"), table_name="triage_batch_items")
    op.drop_table("triage_batch_items")
    op.drop_index("ix_triage_batches_status_id", table_name="triage_batches")
    op.drop_table("triage_batches")
    op.drop_index(op.f("ix_classifications_job_id"), table_name="classifications")
    with op.batch_alter_table("classifications") as batch_op:
        batch_op.drop_column("batch_id")
        batch_op.drop_column("cost_usd")
        batch_op.drop_column("redacted")
        batch_op.drop_column("language")
    op.drop_index(op.f("ix_tickets_language"), table_name="tickets")
    # Dropping a column rebuilds the table on SQLite, which drops its full-text triggers:
    # drop it with plain ALTER TABLE (SQLite >= 3.35), which keeps them.
    op.drop_column("tickets", "language")
