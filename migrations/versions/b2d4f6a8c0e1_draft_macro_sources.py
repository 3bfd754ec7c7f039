"""reply drafts may be grounded in a macro ("macro" as a draft source type)

Revision ID: b2d4f6a8c0e1
Revises: a9c1e3f5b7d9
Create Date: 2026-11-29 18:00:00
"""

from alembic import op


revision = "b2d4f6a8c0e1"
down_revision = "a9c1e3f5b7d9"
branch_labels = None
depends_on = None

OLD = "source_type IS NULL OR source_type IN ('ticket', 'article')"
NEW = "source_type IS NULL OR source_type IN ('ticket', 'article', 'macro')"


def _check(condition: str) -> None:
    with op.batch_alter_table("reply_drafts") as batch:
        batch.drop_constraint(op.f("ck_reply_drafts_source_type"), type_="check")
        batch.create_check_constraint("source_type", condition)


def upgrade():
    _check(NEW)


def downgrade():
    op.execute("UPDATE reply_drafts SET source_type = NULL WHERE source_type = 'macro'")
    _check(OLD)
