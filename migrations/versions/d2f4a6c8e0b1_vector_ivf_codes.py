"""similar tickets at scale: compact int8 codes in the inverted-file index; trainings in chunks

Revision ID: d2f4a6c8e0b1
Revises: c7e9a1b3d5f8
Create Date: 2026-11-30 00:30:00

``ticket_vectors.ivf_code``: the vector as int8 values and one float32 scale (388 bytes, half the
float16 vector). The covering index on ``(ivf_version, ivf_list)`` now carries ``ticket_id`` and
the code instead of the vector, so a query reads half the pages; the candidates it keeps are
re-ranked by their exact vectors. The trained indexes are dropped (their rows have no codes yet):
until the upkeep trains again (at its next round, as the vectors are past ``SIMILAR_IVF_MIN``),
or ``flask tickets vector-index``, similar tickets take the exact paths. The training writes
every row's code.

``vector_indexes.ready``: false while a training moves the rows to its lists, chunk by chunk
(queries then read the rows already moved from its lists as well as the old index's).
"""

from alembic import op
import sqlalchemy as sa


revision = "d2f4a6c8e0b1"
down_revision = "c7e9a1b3d5f8"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM vector_indexes")
    op.add_column(
        "vector_indexes",
        sa.Column("ready", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.drop_index("ix_ticket_vectors_ivf", table_name="ticket_vectors")
    op.add_column("ticket_vectors", sa.Column("ivf_code", sa.LargeBinary(), nullable=True))
    op.create_index(
        "ix_ticket_vectors_ivf",
        "ticket_vectors",
        ["ivf_version", "ivf_list"],
        unique=False,
        postgresql_include=["ticket_id", "ivf_code"],
    )


def downgrade():
    op.execute("DELETE FROM vector_indexes")
    op.drop_index("ix_ticket_vectors_ivf", table_name="ticket_vectors")
    with op.batch_alter_table("ticket_vectors") as batch:
        batch.drop_column("ivf_code")
    with op.batch_alter_table("vector_indexes") as batch:
        batch.drop_column("ready")
    op.create_index(
        "ix_ticket_vectors_ivf",
        "ticket_vectors",
        ["ivf_version", "ivf_list"],
        unique=False,
        postgresql_include=["ticket_id", "vector"],
    )
