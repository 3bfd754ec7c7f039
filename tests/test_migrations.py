"""Migrations build the whole schema on an empty database and match the models exactly."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import MIGRATIONS
from ticketing.extensions import db


def test_flask_db_check_finds_no_drift(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_search_structures_exist_for_the_engine(app_ctx):
    inspector = sa.inspect(db.engine)
    if db.engine.dialect.name == "postgresql":
        assert "search_vector" in {c["name"] for c in inspector.get_columns("tickets")}
        indexes = {i["name"] for i in inspector.get_indexes("tickets")}
        assert "ix_tickets_search_vector" in indexes
    else:
        assert "tickets_fts" in inspector.get_table_names()


def test_downgrade_to_empty_and_upgrade_again(app_ctx):
    downgrade(directory=MIGRATIONS, revision="base")
    assert "tickets" not in sa.inspect(db.engine).get_table_names()
    upgrade(directory=MIGRATIONS)
    assert "tickets" in sa.inspect(db.engine).get_table_names()
