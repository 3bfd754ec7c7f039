"""similar tickets at scale: an inverted-file index of the ticket vectors, in the database

Revision ID: b8d0f2a4c6e8
Revises: f5b7d9a1c3e6
Create Date: 2026-11-29 21:00:00

``vector_indexes`` holds each training's k-means centroids; every ``ticket_vectors`` row gains
the list it belongs to (``ivf_version``, ``ivf_list``, NULL until an index is trained) and an
index on them — on PostgreSQL covering ``ticket_id`` and ``vector``, so a query reads its lists
by an index-only scan from contiguous pages (a second copy of every vector, ~0.8 KB a ticket).
Adding two NULL columns rewrites nothing on either engine.
"""

from alembic import op
import sqlalchemy as sa


revision = "b8d0f2a4c6e8"
down_revision = "f5b7d9a1c3e6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vector_indexes",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("lists", sa.Integer(), nullable=False),
        sa.Column("centroids", sa.LargeBinary(), nullable=False),
        sa.Column("trained_rows", sa.Integer(), nullable=False),
        sa.Column("sample_rows", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_vector_indexes")),
    )
    op.create_index(
        op.f("ix_vector_indexes_model"), "vector_indexes", ["model"], unique=False
    )
    op.add_column("ticket_vectors", sa.Column("ivf_version", sa.Integer(), nullable=True))
    op.add_column("ticket_vectors", sa.Column("ivf_list", sa.Integer(), nullable=True))
    op.create_index(
        "ix_ticket_vectors_ivf",
        "ticket_vectors",
        ["ivf_version", "ivf_list"],
        unique=False,
        postgresql_include=["ticket_id", "vector"],
    )


def downgrade():
    op.drop_index("ix_ticket_vectors_ivf", table_name="ticket_vectors")
    with op.batch_alter_table("ticket_vectors") as batch:
        batch.drop_column("ivf_list")
        batch.drop_column("ivf_version")
    op.drop_index(op.f("ix_vector_indexes_model"), table_name="vector_indexes")
    op.drop_table("vector_indexes")
