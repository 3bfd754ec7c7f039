"""ticket thread summaries

Revision ID: c3e5a7b9d1f2
Revises: b4d6f8a0c2e4
Create Date: 2026-11-29 18:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = "c3e5a7b9d1f2"
down_revision = "b4d6f8a0c2e4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_summaries",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("generator", sa.String(length=16), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "generator IN ('claude', 'local')", name=op.f("ck_ticket_summaries_generator")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_summaries_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_summaries")),
    )


def downgrade():
    op.drop_table("ticket_summaries")
