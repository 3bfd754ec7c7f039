"""assist: ticket merges, knowledge base, /submit suggestions, reply drafts

Revision ID: d1a5e7c9b3f1
Revises: d7f1a3c5e9b2
Create Date: 2026-11-29 14:40:00

A new table only (no change to ``tickets``: the full-text triggers stay).
"""

from alembic import op
import sqlalchemy as sa


revision = "d1a5e7c9b3f1"
down_revision = "d7f1a3c5e9b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_status", sa.String(length=16), nullable=False),
        sa.Column("moved_reply_ids", sa.JSON(), nullable=False),
        sa.Column("added_tags", sa.JSON(), nullable=False),
        sa.Column("request_reply_id", sa.Integer(), nullable=True),
        sa.Column("note_reply_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("source_id <> target_id", name=op.f("ck_ticket_merges_not_itself")),
        sa.ForeignKeyConstraint(
            ["merged_by_id"],
            ["users.id"],
            name=op.f("fk_ticket_merges_merged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_merges_source_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_merges_target_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["users.id"],
            name=op.f("fk_ticket_merges_undone_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_merges")),
    )
    op.create_index(
        "ix_ticket_merges_active_source",
        "ticket_merges",
        ["source_id"],
        unique=True,
        sqlite_where=sa.text("undone_at IS NULL"),
        postgresql_where=sa.text("undone_at IS NULL"),
    )
    op.create_index(
        op.f("ix_ticket_merges_target_id"), "ticket_merges", ["target_id"], unique=False
    )


    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f("ck_kb_articles_status")),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 200", name=op.f("ck_kb_articles_title_length")),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 50000", name=op.f("ck_kb_articles_body_length")),
        sa.ForeignKeyConstraint(["source_ticket_id"], ["tickets.id"], name=op.f("fk_kb_articles_source_ticket_id_tickets"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_kb_articles_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_kb_articles_updated_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
    )
    op.create_index("ix_kb_articles_status_updated_at", "kb_articles", ["status", "updated_at"], unique=False)
    op.create_table(
        "help_suggestions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("article_ids", sa.JSON(), nullable=False),
        sa.Column("opened_article_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_suggestions")),
    )
    op.create_index(op.f("ix_help_suggestions_created_at"), "help_suggestions", ["created_at"], unique=False)
    op.create_table(
        "reply_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=True),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("generator", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("edit_distance", sa.Integer(), nullable=True),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("outcome IN ('pending', 'sent_unchanged', 'edited', 'discarded')", name=op.f("ck_reply_drafts_outcome")),
        sa.CheckConstraint("generator IN ('claude', 'local')", name=op.f("ck_reply_drafts_generator")),
        sa.CheckConstraint("source_type IS NULL OR source_type IN ('ticket', 'article')", name=op.f("ck_reply_drafts_source_type")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_reply_drafts_ticket_id_tickets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reply_drafts_user_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reply_id"], ["replies.id"], name=op.f("fk_reply_drafts_reply_id_replies"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_drafts")),
    )
    op.create_index("ix_reply_drafts_ticket_id_user_id", "reply_drafts", ["ticket_id", "user_id"], unique=False)


def downgrade():
    op.drop_index("ix_reply_drafts_ticket_id_user_id", table_name="reply_drafts")
    op.drop_table("reply_drafts")
    op.drop_index(op.f("ix_help_suggestions_created_at"), table_name="help_suggestions")
    op.drop_table("help_suggestions")
    op.drop_index("ix_kb_articles_status_updated_at", table_name="kb_articles")
    op.drop_table("kb_articles")
    op.drop_index(op.f("ix_ticket_merges_target_id"), table_name="ticket_merges")
    op.drop_index("ix_ticket_merges_active_source", table_name="ticket_merges")
    op.drop_table("ticket_merges")
