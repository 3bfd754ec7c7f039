"""requester search from an index: a trigram index on PostgreSQL

Revision ID: a9c3e5f7b1d4
Revises: f3b5d7a9c1e4
Create Date: 2026-11-29 17:40:00

Search matches the requester's name and e-mail address as substrings ("globex" finds
``ana@globex.com``). ``LIKE '%globex%'`` cannot use a b-tree, so at 100,000 tickets every
search counted its matches with a sequential scan (98 ms of a 122 ms request). A ``pg_trgm``
GIN index on the one expression search matches (``lower(email || ' ' || name)``) lets
PostgreSQL OR it with the full-text index in a bitmap: the same count takes 6 ms.

``pg_trgm`` ships with PostgreSQL (contrib) and is a trusted extension, so the database owner
may create it (Heroku Postgres allows it). Where it cannot be created the index is left out and
search still works, by scanning: the migration says so and goes on.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "a9c3e5f7b1d4"
down_revision = "f3b5d7a9c1e4"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

INDEX = "ix_tickets_requester_trgm"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as err:
        log.warning("pg_trgm is not available (%s): requester search will scan", err.orig)
        return
    bind.execute(
        sa.text(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON tickets USING gin "
            "((lower(requester_email || ' ' || coalesce(requester_name, ''))) gin_trgm_ops)"
        )
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
