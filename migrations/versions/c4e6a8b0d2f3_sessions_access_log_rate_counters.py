"""sign-in sessions, the access log (append-only), database rate counters, replies on behalf

Revision ID: c4e6a8b0d2f3
Revises: b3d5f7a9c1e2
Create Date: 2026-11-29 14:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "c4e6a8b0d2f3"
down_revision = "b3d5f7a9c1e2"
branch_labels = None
depends_on = None

ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_in_throttled",
    "sign_out",
    "sign_out_everywhere",
    "password_changed",
    "password_reset",
    "user_created",
    "role_changed",
    "user_disabled",
    "user_enabled",
    "token_created",
    "token_revoked",
    "token_first_used",
    "export_created",
    "export_downloaded",
    "access_log_exported",
    "settings_changed",
)

#: PostgreSQL: no UPDATE ever; a DELETE only inside the retention prune, which sets
#: ``ticketing.access_log_prune`` for its transaction, and only of entries older than a day.
PG_APPEND_ONLY = (
    """CREATE FUNCTION access_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE'
            AND current_setting('ticketing.access_log_prune', true) = 'on'
            AND OLD.created_at < now() - interval '1 day' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'access_events is append-only: % refused', TG_OP
           USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER access_events_append_only BEFORE UPDATE OR DELETE ON access_events
       FOR EACH ROW EXECUTE FUNCTION access_events_append_only()""",
)
#: SQLite has no session settings: no UPDATE ever, and no DELETE of an entry under a day old.
SQLITE_APPEND_ONLY = (
    """CREATE TRIGGER access_events_no_update BEFORE UPDATE ON access_events BEGIN
         SELECT RAISE(ABORT, 'access_events is append-only: UPDATE refused');
       END""",
    """CREATE TRIGGER access_events_no_recent_delete BEFORE DELETE ON access_events
       WHEN OLD.created_at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 day') BEGIN
         SELECT RAISE(ABORT, 'access_events is append-only: DELETE refused');
       END""",
)


def upgrade():
    op.create_table(
        "access_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=True),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_label", sa.String(length=254), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in ACTIONS) + ")",
            name=op.f("ck_access_events_action"),
        ),
        sa.CheckConstraint(
            "via IN ('web', 'api', 'cli', 'job')", name=op.f("ck_access_events_via")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_events")),
    )
    with op.batch_alter_table("access_events", schema=None) as batch_op:
        batch_op.create_index("ix_access_events_action_id", ["action", "id"], unique=False)
        batch_op.create_index("ix_access_events_actor_id_id", ["actor_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_access_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index("ix_access_events_subject_id_id", ["subject_id", "id"], unique=False)
    for statement in (
        PG_APPEND_ONLY if op.get_bind().dialect.name == "postgresql" else SQLITE_APPEND_ONLY
    ):
        op.execute(statement)

    op.create_table(
        "rate_counters",
        sa.Column("counter_key", sa.String(length=320), nullable=False),
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("counter_key", "slot", name=op.f("pk_rate_counters")),
    )
    with op.batch_alter_table("rate_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rate_counters_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            "ix_user_sessions_user_id_ended_at", ["user_id", "ended_at"], unique=False
        )

    # Nullable columns: SQLite adds them in place (no rebuild of replies).
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_behalf_of_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("on_behalf_of_email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_column("on_behalf_of_email")
        batch_op.drop_column("on_behalf_of_name")
    op.drop_table("user_sessions")
    op.drop_table("rate_counters")
    op.drop_table("access_events")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS access_events_append_only()")
