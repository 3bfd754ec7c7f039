"""a requester's latest tickets from one index: (requester_email, id) replaces (requester_email)

Revision ID: c7e9a1b3d5f8
Revises: c6e8a0b2d4f7
Create Date: 2026-11-30 00:50:00

Each create compares the new ticket with its requester's 20 latest open tickets (the
duplicate flag). With ``requester_email`` alone PostgreSQL read every ticket of the requester
and sorted them (25 ms for a requester with 1,400 tickets at 100k); with ``id`` in the index
it walks the requester's entries newest first and stops at 20. The pair serves every lookup
the single column did (equality on the address).
"""

from alembic import op


revision = "c7e9a1b3d5f8"
down_revision = "c6e8a0b2d4f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_tickets_requester_email_id", "tickets", ["requester_email", "id"])
    op.drop_index("ix_tickets_requester_email", table_name="tickets")


def downgrade():
    op.create_index("ix_tickets_requester_email", "tickets", ["requester_email"])
    op.drop_index("ix_tickets_requester_email_id", table_name="tickets")
