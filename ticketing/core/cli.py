"""The one CLI group, ``flask tickets …``; each feature package hands it its commands.

Every command acts as the system via ``cli`` for the audit trail, labelled with the
operator's OS account. The worker command lives here because the queue is core.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .context import Actor, acting_as
from .vocab import ActorType, Via


def _operator() -> str | None:
    """The operating-system account running the command (names the operator in the trail)."""
    try:
        return getpass.getuser()[:254] or None
    except (KeyError, OSError):  # no name for this uid (some containers)
        return None


def _act_as_cli() -> None:
    """Every ``flask tickets`` command acts as the system via ``cli`` (for the audit trail),
    labelled with the operator's account, until the command ends."""
    ctx = click.get_current_context()
    ctx.with_resource(acting_as(Actor(type=ActorType.SYSTEM, via=Via.CLI, label=_operator())))


def add_commands(app: Flask, commands: Iterable[click.Command]) -> None:
    """Offer ``commands`` under ``flask tickets`` in ``app`` (a feature's ``init_app``)."""
    app.extensions.setdefault("cli_commands", []).extend(commands)


def init_app(app: Flask) -> None:
    """Give ``app`` its ``tickets`` group with every command the features added."""
    app.cli.add_command(make_group(app.extensions.get("cli_commands", [])))


def make_group(commands: Iterable[click.Command]) -> AppGroup:
    """A fresh ``tickets`` group holding ``commands`` (one per app)."""
    group = AppGroup(
        "tickets",
        help="Manage tickets: seed, import, classify, export, users.",
        callback=_act_as_cli,
    )
    for command in (*commands, worker_command):
        group.add_command(command)
    return group


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Serve only these queues (repeatable).")
def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker for every queue the app uses (needs REDIS_URL)."""
    from flask import current_app
    from redis.exceptions import RedisError

    from .worker import make_worker, run_forever

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set: without Redis, jobs run in-process.")
    app = current_app._get_current_object()
    try:
        make_worker(app, queues or None)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    except (RedisError, OSError):
        pass  # the names are right (checked first); Redis is down: run_forever waits for it
    run_forever(
        app,
        queues or None,
        burst=burst,
        with_scheduler=True,
        logging_level=app.config["LOG_LEVEL"],
    )
