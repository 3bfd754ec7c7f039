"""``flask tickets export -o FILE`` (the same CSV, written directly) and
``flask tickets exports prune`` (the upkeep the worker also runs on a schedule)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from marshmallow import ValidationError
from sqlalchemy import func, select

from ..core.extensions import db
from ..models import Ticket
from ..tickets.cli_filters import filter_options, load_filters
from ..tickets.services import filter_tickets
from . import jobs, services
from .csvwriter import ALLOWED_COLUMNS, write_csv


def _columns(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    names = [c.strip() for c in raw.split(",") if c.strip()]
    try:
        return services.validate_columns(names)
    except ValidationError as err:
        raise click.BadParameter(" ".join(err.messages), param_hint="--columns") from err


@click.command("export")
@with_appcontext
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, resolve_path=True),
    help="The CSV file to write (replaced atomically when complete).",
)
@click.option("--columns", help=f"Comma-separated columns (any of: {', '.join(ALLOWED_COLUMNS)}).")
@filter_options
def export_command(output: str, columns: str | None, **raw: Any) -> None:
    """Write the tickets the filters select as CSV, the same file an export job writes."""
    filters = load_filters(raw)
    chosen = _columns(columns) or None
    target = Path(output)
    if not target.parent.is_dir():
        raise click.BadParameter(f"directory {target.parent} does not exist", param_hint="-o")
    total = db.session.scalar(
        select(func.count()).select_from(filter_tickets(select(Ticket.id), filters).subquery())
    )
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with (
            os.fdopen(fd, "wb") as handle,
            click.progressbar(length=total or 0, label="Exporting tickets", file=None) as bar,
        ):
            rows = write_csv(
                handle,
                filters,
                chosen or services.validate_columns(None),
                progress=bar.update,
                use_copy=current_app.config["EXPORT_USE_COPY"],
            )
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        db.session.rollback()
    click.echo(f"Wrote {rows:,} tickets to {target} ({target.stat().st_size:,} bytes).")


exports_cli = AppGroup("exports", help="Manage queued CSV exports.")


@exports_cli.command("prune")
def prune_command() -> None:
    """Delete expired export files, fail exports whose workers died EXPORT_MAX_ATTEMPTS times,
    remove stale temp files, and ring a worker for exports waiting without one."""
    done = services.run_upkeep()
    waiting = jobs.ring_waiting_exports()["waiting"]
    click.echo(
        f"Expired {done['expired']} export(s), deleted {done['files_deleted']} file(s); "
        f"failed {done['stale_failed']} export(s) whose workers kept dying; "
        f"{waiting} export(s) waiting for a worker; "
        f"removed {done['partials_removed']} partial file(s)."
    )


COMMANDS = (export_command, exports_cli)
