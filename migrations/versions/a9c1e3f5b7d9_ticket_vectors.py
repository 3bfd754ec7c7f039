"""ticket vectors (sentence embeddings per ticket)

Revision ID: a9c1e3f5b7d9
Revises: a9c3e5f7b1d4
Create Date: 2026-11-29 17:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "a9c1e3f5b7d9"
down_revision = "a9c3e5f7b1d4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_vectors",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("text_hash", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_vectors_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_vectors")),
    )
    op.create_index("ix_ticket_vectors_seq", "ticket_vectors", ["seq"], unique=False)


def downgrade():
    op.drop_index("ix_ticket_vectors_seq", table_name="ticket_vectors")
    op.drop_table("ticket_vectors")
