"""teams, routing rules, ticket assignee/team/version, away agents, macros, saved views, bulk

Revision ID: d7e1a3c5b9f2
Revises: e5f7a9b1c3d5
Create Date: 2026-11-29 14:00:00

SQLite rebuilds ``tickets`` to add the foreign keys and CHECKs, which drops the full-text
triggers: they are put back (both ways), as in b3d5f7a9c1e2.
"""

from alembic import op
import sqlalchemy as sa


revision = "d7e1a3c5b9f2"
down_revision = "e5f7a9b1c3d5"
branch_labels = None
depends_on = None

SOURCES = "IN ('manual', 'rule')"
MODES = "assignment IN ('round_robin', 'least_open', 'none')"
CATEGORIES = "category IS NULL OR category IN ('billing', 'technical', 'account', 'general')"
PRIORITIES = "priority IS NULL OR priority IN ('low', 'medium', 'high', 'critical')"
JOB_STATUSES = "status IN ('queued', 'running', 'done', 'failed')"

FTS_TRIGGERS = (
    """CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN
         INSERT INTO tickets_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
       END""",
    """CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN
         INSERT INTO tickets_fts(tickets_fts, rowid, subject, body)
         VALUES ('delete', old.id, old.subject, old.body);
       END""",
    """CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject, body ON tickets BEGIN
         INSERT INTO tickets_fts(tickets_fts, rowid, subject, body)
         VALUES ('delete', old.id, old.subject, old.body);
         INSERT INTO tickets_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
       END""",
)


def _restore_fts_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for trigger in FTS_TRIGGERS:
            op.execute(trigger)


def _ticket_columns() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assignee_source", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("team_source", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.create_foreign_key(
            op.f("fk_tickets_assignee_id_users"),
            "users",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_tickets_team_id_teams"), "teams", ["team_id"], ["id"], ondelete="SET NULL"
        )
        for column in ("assignee_source", "team_source"):
            batch.create_check_constraint(column, f"{column} IS NULL OR {column} {SOURCES}")
    _restore_fts_triggers()
    op.create_index("ix_tickets_assignee_id_status", "tickets", ["assignee_id", "status"])
    op.create_index("ix_tickets_team_id_status", "tickets", ["team_id", "status"])


def upgrade():
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("assignment", sa.String(length=16), nullable=False),
        sa.Column("last_assigned_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(MODES, name=op.f("ck_teams_assignment")),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 80", name=op.f("ck_teams_name_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_team_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_user_id"), "team_members", ["user_id"])
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("tag", sa.String(length=50), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(CATEGORIES, name=op.f("ck_routing_rules_category")),
        sa.CheckConstraint(PRIORITIES, name=op.f("ck_routing_rules_priority")),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_routing_rules_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rules")),
    )
    op.create_index(op.f("ix_routing_rules_team_id"), "routing_rules", ["team_id"])
    op.create_table(
        "macros",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "body IS NULL OR length(body) BETWEEN 0 AND 20000", name=op.f("ck_macros_body_length")
        ),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 80", name=op.f("ck_macros_name_length")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_macros_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_macros")),
    )
    op.create_index("ix_macros_owner_id_name", "macros", ["owner_id", "name"])
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(name) BETWEEN 1 AND 80", name=op.f("ck_saved_views_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_views_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    op.create_index("ix_saved_views_owner_id_position", "saved_views", ["owner_id", "position"])
    op.create_table(
        "bulk_edits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(JOB_STATUSES, name=op.f("ck_bulk_edits_status")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_bulk_edits_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_edits")),
    )
    op.create_index(op.f("ix_bulk_edits_created_at"), "bulk_edits", ["created_at"])
    op.create_index(op.f("ix_bulk_edits_requested_by_id"), "bulk_edits", ["requested_by_id"])
    _ticket_columns()
    op.add_column(
        "users", sa.Column("away", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("away")
    op.drop_index("ix_tickets_team_id_status", table_name="tickets")
    op.drop_index("ix_tickets_assignee_id_status", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint(op.f("fk_tickets_assignee_id_users"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_tickets_team_id_teams"), type_="foreignkey")
        batch.drop_constraint(op.f("ck_tickets_assignee_source"), type_="check")
        batch.drop_constraint(op.f("ck_tickets_team_source"), type_="check")
        for column in ("version", "team_source", "team_id", "assignee_source", "assignee_id"):
            batch.drop_column(column)
    _restore_fts_triggers()
    op.drop_table("bulk_edits")
    op.drop_table("saved_views")
    op.drop_table("macros")
    op.drop_table("routing_rules")
    op.drop_table("team_members")
    op.drop_table("teams")
