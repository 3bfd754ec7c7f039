"""SLA notifications (in the page, and mailed to agents), team leads, escalation to the lead

Revision ID: b4d6f8a0c2e4
Revises: a7c9e1b3d5f7
Create Date: 2026-11-29 17:50:00

Changing the CHECKs rebuilds ``mail_outbox`` and ``sla_policies`` on SQLite (``env.py`` turns
foreign keys off around the migration, so nothing cascades).
"""

from alembic import op
import sqlalchemy as sa


revision = "b4d6f8a0c2e4"
down_revision = "a7c9e1b3d5f7"
branch_labels = None
depends_on = None

OLD_KINDS = "'acknowledgement', 'reply', 'resolution'"
NEW_KINDS = "'acknowledgement', 'reply', 'resolution', 'notification'"
OLD_ESCALATIONS = "'none', 'raise_priority'"
NEW_ESCALATIONS = "'none', 'raise_priority', 'reassign_to_lead', 'raise_and_reassign'"


def _checks(kinds: str, escalations: str) -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_constraint(op.f("ck_mail_outbox_kind"), type_="check")
        batch.create_check_constraint("kind", f"kind IN ({kinds})")
    with op.batch_alter_table("sla_policies") as batch:
        batch.drop_constraint(op.f("ck_sla_policies_escalation"), type_="check")
        batch.create_check_constraint("escalation", f"escalation IN ({escalations})")


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("field", sa.String(length=24), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "event IN ('sla_at_risk', 'sla_breached', 'sla_escalated')",
            name=op.f("ck_notifications_event"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_notifications_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "user_id", "ticket_id", "event", "field", name="uq_notifications_once"
        ),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])
    op.create_index(op.f("ix_notifications_ticket_id"), "notifications", ["ticket_id"])
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_teams_lead_id_users"), "users", ["lead_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("notification_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_mail_outbox_notification_id_notifications"),
            "notifications",
            ["notification_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index(
        op.f("ix_mail_outbox_notification_id"), "mail_outbox", ["notification_id"]
    )
    _checks(NEW_KINDS, NEW_ESCALATIONS)


def downgrade():
    op.execute("DELETE FROM mail_outbox WHERE kind = 'notification'")
    op.execute(
        "UPDATE sla_policies SET escalation = 'raise_priority' "
        "WHERE escalation = 'raise_and_reassign'"
    )
    op.execute("UPDATE sla_policies SET escalation = 'none' WHERE escalation = 'reassign_to_lead'")
    _checks(OLD_KINDS, OLD_ESCALATIONS)
    op.drop_index(op.f("ix_mail_outbox_notification_id"), table_name="mail_outbox")
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_constraint(
            op.f("fk_mail_outbox_notification_id_notifications"), type_="foreignkey"
        )
        batch.drop_column("notification_id")
    with op.batch_alter_table("teams") as batch:
        batch.drop_constraint(op.f("fk_teams_lead_id_users"), type_="foreignkey")
        batch.drop_column("lead_id")
    op.drop_index(op.f("ix_notifications_ticket_id"), table_name="notifications")
    op.drop_index("ix_notifications_user_id_id", table_name="notifications")
    op.drop_table("notifications")
