"""Each ticket's brief of its triage history, counted by the rollups

Revision ID: c6e8a0b2d4f7
Revises: b8d0f2a4c6e8
Create Date: 2026-11-30 00:10:00

The stats' triage figures (runs by source, failed runs, tickets with a run, and per field the
agreement of the current value with the latest run's) scanned every triage run: ~1 s at 1M
tickets, on every /api/stats. Each ticket now carries them in brief — ``triaged_category`` /
``triaged_priority`` (the latest run's values) and ``triage_runs_<source>`` /
``triage_runs_failed`` (counts), kept by each run — and the rollups count those columns like
any other (dimensions ``runs``, ``category_agreement``, ``priority_agreement``).

The backfill sets the columns from the runs (one grouped UPDATE on PostgreSQL; correlated
subqueries on SQLite) and then streams the tickets that have a run once, inserting their
rollup rows per created day and all-time (the counting rules frozen as of this revision). New
columns are added in place on both engines (SQLite: ADD COLUMN with its CHECK; PostgreSQL: a
constant default rewrites nothing). The UPDATE rewrites every triaged ticket (PostgreSQL
recomputes the stored search vector too): ~9 min at 1M tickets on 2 busy cores, with the
tickets table locked meanwhile; ~0.5 min per 100k.

Also an index on the rollups' (dimension, day), covering status, value and n on PostgreSQL: a
window's series, histogram and counts read their dimension's rows for the window's days
instead of every row of those days.
"""

from collections import defaultdict
from datetime import UTC, date

import sqlalchemy as sa
from alembic import op

revision = "c6e8a0b2d4f7"
down_revision = "b8d0f2a4c6e8"
branch_labels = None
depends_on = None

ALL_DAYS = date(1, 1, 1)
SOURCES = ("claude", "fallback", "learned")
COUNTS = (*SOURCES, "failed")
CATEGORIES = ("billing", "technical", "account", "general")
PRIORITIES = ("low", "medium", "high", "critical")
DIMENSIONS = ("runs", "category_agreement", "priority_agreement")


def _in(column, allowed):
    listed = ", ".join(f"'{v}'" for v in allowed)
    return f"{column} IS NULL OR {column} IN ({listed})"


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
    sa.column("category", sa.String()),
    sa.column("priority", sa.String()),
    sa.column("triaged_category", sa.String()),
    sa.column("triaged_priority", sa.String()),
    *(sa.column(f"triage_runs_{name}", sa.Integer()) for name in COUNTS),
)

PG_BACKFILL = """
UPDATE tickets t SET triaged_category = r.category, triaged_priority = r.priority,
  triage_runs_claude = r.claude, triage_runs_fallback = r.fallback,
  triage_runs_learned = r.learned, triage_runs_failed = r.failed
FROM (
  SELECT ticket_id,
    (array_agg(category ORDER BY id DESC))[1] AS category,
    (array_agg(priority ORDER BY id DESC))[1] AS priority,
    count(*) FILTER (WHERE source = 'claude') AS claude,
    count(*) FILTER (WHERE source = 'fallback') AS fallback,
    count(*) FILTER (WHERE source = 'learned') AS learned,
    count(*) FILTER (WHERE error IS NOT NULL) AS failed
  FROM classifications GROUP BY ticket_id
) r
WHERE t.id = r.ticket_id
"""

SQLITE_BACKFILL = """
UPDATE tickets SET
  triaged_category = (SELECT c.category FROM classifications c
                      WHERE c.ticket_id = tickets.id ORDER BY c.id DESC LIMIT 1),
  triaged_priority = (SELECT c.priority FROM classifications c
                      WHERE c.ticket_id = tickets.id ORDER BY c.id DESC LIMIT 1),
  triage_runs_claude = (SELECT count(*) FROM classifications c
                        WHERE c.ticket_id = tickets.id AND c.source = 'claude'),
  triage_runs_fallback = (SELECT count(*) FROM classifications c
                          WHERE c.ticket_id = tickets.id AND c.source = 'fallback'),
  triage_runs_learned = (SELECT count(*) FROM classifications c
                         WHERE c.ticket_id = tickets.id AND c.source = 'learned'),
  triage_runs_failed = (SELECT count(*) FROM classifications c
                        WHERE c.ticket_id = tickets.id AND c.error IS NOT NULL)
WHERE EXISTS (SELECT 1 FROM classifications c WHERE c.ticket_id = tickets.id)
"""


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def upgrade():
    bind = op.get_bind()
    checks = {"triaged_category": _in("triaged_category", CATEGORIES),
              "triaged_priority": _in("triaged_priority", PRIORITIES)}  # fmt: skip
    if bind.dialect.name == "sqlite":  # ADD COLUMN with its CHECK: no table rebuild
        for name, check in checks.items():
            op.execute(
                f"ALTER TABLE tickets ADD COLUMN {name} VARCHAR(16) "
                f"CONSTRAINT ck_tickets_{name} CHECK ({check})"
            )
    else:
        for name, check in checks.items():
            op.add_column("tickets", sa.Column(name, sa.String(length=16), nullable=True))
            op.create_check_constraint(name, "tickets", check)
    for name in COUNTS:
        op.add_column(
            "tickets",
            sa.Column(f"triage_runs_{name}", sa.Integer(), nullable=False, server_default="0"),
        )
    op.execute(PG_BACKFILL if bind.dialect.name == "postgresql" else SQLITE_BACKFILL)
    op.create_index(
        "ix_ticket_rollups_dimension_day",
        "ticket_rollups",
        ["dimension", "day"],
        unique=False,
        postgresql_include=["status", "value", "n"],
    )

    has_run = sum(tickets.c[f"triage_runs_{name}"] for name in SOURCES) > 0
    result = bind.execute(
        sa.select(tickets).where(has_run).execution_options(stream_results=True, yield_per=10_000)
    )
    counts = defaultdict(int)
    for row in result.mappings():
        created = _aware(row["created_at"]).astimezone(UTC).date()
        for day in (created, ALL_DAYS):
            at = (day, row["status"])
            for field in ("category", "priority"):
                said = row[f"triaged_{field}"]
                if said is not None:
                    verdict = "agreed" if row[field] == said else "differs"
                    counts[(*at, f"{field}_agreement", verdict)] += 1
            for name in COUNTS:
                if row[f"triage_runs_{name}"]:
                    counts[(*at, "runs", name)] += row[f"triage_runs_{name}"]
            counts[(*at, "runs", "tickets")] += 1
    rows = [
        {"day": day, "status": status, "dimension": dimension, "value": value,
         "n": n, "urgency_sum": 0, "urgency_n": 0, "resolved_n": 0}
        for (day, status, dimension, value), n in sorted(counts.items())
    ]  # fmt: skip
    for start in range(0, len(rows), 1000):
        op.bulk_insert(rollups, rows[start : start + 1000])


def downgrade():
    op.drop_index("ix_ticket_rollups_dimension_day", table_name="ticket_rollups")
    op.execute(rollups.delete().where(rollups.c.dimension.in_(DIMENSIONS)))
    bind = op.get_bind()
    names = ["triaged_category", "triaged_priority", *(f"triage_runs_{n}" for n in COUNTS)]
    if bind.dialect.name == "postgresql":
        for name in names[:2]:
            op.drop_constraint(op.f(f"ck_tickets_{name}"), "tickets", type_="check")
    for name in names:  # SQLite drops in place: each CHECK belongs to its own column
        op.drop_column("tickets", name)
