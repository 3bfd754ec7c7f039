"""ticket rollups for /api/stats, backfilled from the existing tickets

Revision ID: d7f1a3c5e9b2
Revises: d1a5e7c9b3f0
Create Date: 2026-11-29 14:45:00

The tickets table is not altered (SQLite would recreate it and drop its search triggers).
The backfill is a frozen copy of ``ticketing.tickets.rollups`` as of this revision, so the
migration keeps working when that module changes: it streams the tickets once and writes
one row per key. ``flask tickets rollups rebuild`` does the same with the current code.
"""
from collections import defaultdict
from datetime import UTC, date
import math

from alembic import op
import sqlalchemy as sa


revision = "d7f1a3c5e9b2"
down_revision = "d1a5e7c9b3f0"
branch_labels = None
depends_on = None

ALL_DAYS = date(1, 1, 1)
DIMENSIONS = ("category", "priority", "sentiment", "category_source", "priority_source")
FIELDS = ("status", *DIMENSIONS, "urgency_score", "created_at", "resolved_at")
CLOSED = ("resolved", "closed")
LOG_RATIO = math.log(1.01)


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _bucket(seconds):
    return 0 if seconds < 1 else 1 + math.floor(math.log(seconds) / LOG_RATIO)


def _count(rows):
    counts = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        status, created, score, resolved_at = (
            row["status"], _aware(row["created_at"]), row["urgency_score"], row["resolved_at"]
        )
        resolved = status in CLOSED and resolved_at is not None
        for day in (created.astimezone(UTC).date(), ALL_DAYS):
            head = counts[(day, status, "all", "")]
            head[0] += 1
            head[1] += score or 0
            head[2] += score is not None
            head[3] += resolved
            for name in DIMENSIONS:
                counts[(day, status, name, row[name] or "")][0] += 1
        if resolved:
            seconds = (_aware(resolved_at) - created).total_seconds()
            counts[(ALL_DAYS, status, "resolution", str(_bucket(seconds)))][0] += 1
    return counts


def upgrade():
    rollups = op.create_table(
        "ticket_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dimension", sa.String(length=24), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("urgency_sum", sa.BigInteger(), nullable=False),
        sa.Column("urgency_n", sa.BigInteger(), nullable=False),
        sa.Column("resolved_n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_rollups")),
        sa.UniqueConstraint("day", "status", "dimension", "value", name="uq_ticket_rollups_key"),
    )
    tickets = sa.table(
        "tickets",
        *(sa.column(name) for name in FIELDS if name not in ("created_at", "resolved_at")),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("resolved_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    result = bind.execute(
        sa.select(*(tickets.c[name] for name in FIELDS)).execution_options(
            stream_results=True, yield_per=10_000
        )
    )
    counts = _count(result.mappings())
    rows = [
        {"day": k[0], "status": k[1], "dimension": k[2], "value": k[3],
         "n": c[0], "urgency_sum": c[1], "urgency_n": c[2], "resolved_n": c[3]}
        for k, c in sorted(counts.items())
    ]  # fmt: skip
    for start in range(0, len(rows), 1000):
        op.bulk_insert(rollups, rows[start : start + 1000])


def downgrade():
    op.drop_table("ticket_rollups")
