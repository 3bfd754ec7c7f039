"""search indexes keep a short pending list (gin_pending_list_limit 64 kB) on PostgreSQL

Revision ID: ed14953df0ee
Revises: d2f4a6c8e0b1
Create Date: 2026-11-30 06:40:00

GIN's fast update puts new entries in a pending list that is merged into the index only by a
vacuum or when it outgrows ``gin_pending_list_limit`` (4 MB by default), and every search reads
the whole list. At 100,000 tickets, 3,000 single-ticket inserts left 271 pages pending in the
full-text index and 375 in the requester trigram index, and the "refund invoice" search page's
statement went from 3.2 to 6.3 ms until a vacuum. With a 64 kB limit the inserting backend merges
a few pages at a time: at most ~8 pages each are pending (search 3.2 -> 3.4 ms after the same
burst), and an insert costs the same on average (0.41 vs 0.45 ms; one in ~50 pays ~2 ms for the
merge). ``fastupdate = off`` kept the list empty but made every insert 3-5x dearer (1.4-2.2 ms).

The pending lists left now are merged at once (``gin_clean_pending_list``).
"""

import sqlalchemy as sa
from alembic import op

revision = "ed14953df0ee"
down_revision = "d2f4a6c8e0b1"
branch_labels = None
depends_on = None

#: The GIN indexes a search reads (the trigram one is missing where pg_trgm was unavailable).
INDEXES = ("ix_tickets_search_vector", "ix_tickets_requester_trgm")
PENDING_LIST_KB = 64


def _existing(bind) -> list[str]:
    return [
        name
        for name in INDEXES
        if bind.execute(sa.text("SELECT to_regclass(:name)"), {"name": name}).scalar()
    ]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in _existing(bind):
        bind.execute(sa.text(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})"))
        bind.execute(sa.text("SELECT gin_clean_pending_list(to_regclass(:name))"), {"name": name})


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in _existing(bind):
        bind.execute(sa.text(f"ALTER INDEX {name} RESET (gin_pending_list_limit)"))
