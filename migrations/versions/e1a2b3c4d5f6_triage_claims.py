"""triage claims: who holds a ticket's triage and until when (the row is the record of work)

Revision ID: e1a2b3c4d5f6
Revises: d7e1a3c5b9f2
Create Date: 2026-11-29 14:00:00

Plain ALTER TABLE ADD COLUMN (no table rebuild on SQLite, so the full-text triggers stay).
"""

from alembic import op
import sqlalchemy as sa


revision = "e1a2b3c4d5f6"
down_revision = "d7e1a3c5b9f2"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tickets", sa.Column("triage_claimed_by", sa.String(length=64), nullable=True))
    op.add_column(
        "tickets", sa.Column("triage_lease_until", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "tickets",
        sa.Column("triage_attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_tickets_triage_status_lease",
        "tickets",
        ["triage_status", "triage_lease_until", "id"],
        unique=False,
    )
    # The job resource finds a ticket by its triage job id on every poll.
    op.create_index("ix_tickets_triage_job_id", "tickets", ["triage_job_id"], unique=False)


def downgrade():
    op.drop_index("ix_tickets_triage_job_id", table_name="tickets")
    op.drop_index("ix_tickets_triage_status_lease", table_name="tickets")
    # Plain DROP COLUMN on both engines (SQLite >= 3.35): no rebuild, the FTS triggers stay.
    for column in ("triage_attempts", "triage_lease_until", "triage_claimed_by"):
        op.execute(f"ALTER TABLE tickets DROP COLUMN {column}")
