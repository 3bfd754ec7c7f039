"""Per-day resolution-time histograms in ticket_rollups, backfilled from the existing tickets

Revision ID: f5b7d9a1c3e6
Revises: e7a9c1d3f5b8
Create Date: 2026-11-29 21:00:00

Until now the histogram (dimension ``resolution``) had all-time rows only, so a created
window's median sorted the window's tickets. From here on every resolved ticket also counts
in its created day's bucket. No schema change: the backfill streams the resolved tickets once
and inserts one row per (created day, status, bucket), with the bucket formula frozen as of
this revision (1%-wide log buckets of seconds; 0 below one second). The downgrade deletes
those day rows (the all-time histogram stays).
"""
from collections import defaultdict
from datetime import UTC, date
import math

from alembic import op
import sqlalchemy as sa


revision = "f5b7d9a1c3e6"
down_revision = "e7a9c1d3f5b8"
branch_labels = None
depends_on = None

ALL_DAYS = date(1, 1, 1)
CLOSED = ("resolved", "closed")
LOG_RATIO = math.log(1.01)

rollups = sa.table(
    "ticket_rollups",
    sa.column("day", sa.Date()),
    sa.column("status", sa.String()),
    sa.column("dimension", sa.String()),
    sa.column("value", sa.String()),
    sa.column("n", sa.BigInteger()),
    sa.column("urgency_sum", sa.BigInteger()),
    sa.column("urgency_n", sa.BigInteger()),
    sa.column("resolved_n", sa.BigInteger()),
)
tickets = sa.table(
    "tickets",
    sa.column("status", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("resolved_at", sa.DateTime(timezone=True)),
)


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _bucket(seconds):
    return 0 if seconds < 1 else 1 + math.floor(math.log(seconds) / LOG_RATIO)


def upgrade():
    bind = op.get_bind()
    result = bind.execute(
        sa.select(tickets.c.status, tickets.c.created_at, tickets.c.resolved_at)
        .where(tickets.c.status.in_(CLOSED), tickets.c.resolved_at.is_not(None))
        .execution_options(stream_results=True, yield_per=10_000)
    )
    counts = defaultdict(int)
    for status, created_at, resolved_at in result:
        created = _aware(created_at)
        seconds = (_aware(resolved_at) - created).total_seconds()
        counts[(created.astimezone(UTC).date(), status, str(_bucket(seconds)))] += 1
    rows = [
        {"day": day, "status": status, "dimension": "resolution", "value": value,
         "n": n, "urgency_sum": 0, "urgency_n": 0, "resolved_n": 0}
        for (day, status, value), n in sorted(counts.items())
    ]  # fmt: skip
    for start in range(0, len(rows), 1000):
        op.bulk_insert(rollups, rows[start : start + 1000])


def downgrade():
    op.execute(
        rollups.delete().where(rollups.c.dimension == "resolution", rollups.c.day != ALL_DAYS)
    )
