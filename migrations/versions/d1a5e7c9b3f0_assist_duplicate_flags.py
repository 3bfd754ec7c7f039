"""assist: duplicate flags

Revision ID: d1a5e7c9b3f0
Revises: d5f7a9c1e3b5
Create Date: 2026-11-29 14:10:00

A new table only (no change to ``tickets``: the full-text triggers stay).
"""

from alembic import op
import sqlalchemy as sa


revision = "d1a5e7c9b3f0"
down_revision = "d5f7a9c1e3b5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_duplicates",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 1", name=op.f("ck_ticket_duplicates_score")),
        sa.CheckConstraint(
            "ticket_id <> duplicate_of_id", name=op.f("ck_ticket_duplicates_not_itself")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_duplicates_duplicate_of_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_duplicates_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_duplicates")),
    )
    op.create_index(
        op.f("ix_ticket_duplicates_duplicate_of_id"),
        "ticket_duplicates",
        ["duplicate_of_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_ticket_duplicates_duplicate_of_id"), table_name="ticket_duplicates")
    op.drop_table("ticket_duplicates")
