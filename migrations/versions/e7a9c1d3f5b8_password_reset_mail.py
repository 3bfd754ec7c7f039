"""Password-reset mail: an outbox row without a ticket, kind ``password_reset``

Revision ID: e7a9c1d3f5b8
Revises: c3e5a7b9d1f2
Create Date: 2026-11-29 18:55:00

``mail_outbox.ticket_id`` becomes nullable and the kind CHECK gains ``password_reset``. On
SQLite that rebuilds ``mail_outbox`` (``env.py`` turns foreign keys off around the migration).
The downgrade deletes the rows it cannot keep (reset mails, which have no ticket).
"""

from alembic import op
import sqlalchemy as sa


revision = "e7a9c1d3f5b8"
down_revision = "c3e5a7b9d1f2"
branch_labels = None
depends_on = None

OLD_KINDS = "'acknowledgement', 'reply', 'resolution', 'notification'"
NEW_KINDS = "'acknowledgement', 'reply', 'resolution', 'notification', 'password_reset'"


def upgrade():
    with op.batch_alter_table("mail_outbox") as batch:
        batch.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint(op.f("ck_mail_outbox_kind"), type_="check")
        batch.create_check_constraint("kind", f"kind IN ({NEW_KINDS})")


def downgrade():
    op.execute("DELETE FROM mail_outbox WHERE kind = 'password_reset' OR ticket_id IS NULL")
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_constraint(op.f("ck_mail_outbox_kind"), type_="check")
        batch.create_check_constraint("kind", f"kind IN ({OLD_KINDS})")
        batch.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)
