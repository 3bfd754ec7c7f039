"""The ``flask tickets`` command group: thin over the services."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from .accounts.cli import ensure_admin_command, users_cli
from .classification.cli import evaluate_command
from .classification.commands import classify_command
from .context import Actor, acting_as
from .exports.cli import export_command, exports_cli
from .extensions import db
from .models import Ticket
from .stats.cli import stats_command


def _act_as_cli() -> None:
    """Every ``flask tickets`` command acts as the system via ``cli`` (for the audit trail),
    until the command ends."""
    ctx = click.get_current_context()
    ctx.with_resource(acting_as(Actor(type="system", via="cli")))


tickets_cli = AppGroup(
    "tickets",
    help="Manage tickets: seed, import, classify, export, users.",
    callback=_act_as_cli,
)
tickets_cli.add_command(evaluate_command)
tickets_cli.add_command(classify_command)


@tickets_cli.command("seed")
@click.option(
    "--count",
    default=200,
    show_default=True,
    type=click.IntRange(1, 5_000_000),
    help="How many tickets to create.",
)
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3650),
    help="Spread creation dates over this many past days.",
)
@click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
@click.option("--if-empty", is_flag=True, help="Do nothing when tickets already exist.")
def seed_command(count: int, days: int, seed_value: int, if_empty: bool) -> None:
    """Insert realistic demo tickets (bulk insert)."""
    from .seed import seed

    if if_empty and db.session.scalar(select(func.count()).select_from(Ticket)):
        click.echo("Tickets already exist; not seeding.")
        return
    with click.progressbar(length=count, label="Seeding tickets") as bar:
        done = seed(count, days=days, seed_value=seed_value, progress=bar.update)
    click.echo(f"Created {done} tickets over the last {days} days.")


@tickets_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Serve only these queues (repeatable).")
def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker for every queue the app uses (needs REDIS_URL)."""
    from flask import current_app

    from .worker import make_worker

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set: without Redis, jobs run in-process.")
    make_worker(current_app._get_current_object(), queues or None).work(
        burst=burst, with_scheduler=True
    )


tickets_cli.add_command(stats_command)
tickets_cli.add_command(users_cli)
tickets_cli.add_command(ensure_admin_command)
tickets_cli.add_command(export_command)
tickets_cli.add_command(exports_cli)
