"""``flask tickets classify``: queue (or run inline) triage for many tickets."""

from __future__ import annotations

import sys
from collections import Counter

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..context import Actor, acting_as
from ..extensions import db
from ..models import Ticket


def select_ticket_ids(unclassified: bool, every: bool, ids: tuple[int, ...]) -> list[int]:
    """The ids the options pick, in id order (unknown ``--id`` values are reported)."""
    stmt = select(Ticket.id).order_by(Ticket.id)
    if ids:
        stmt = stmt.where(Ticket.id.in_(ids))
    elif unclassified:
        stmt = stmt.where(Ticket.classified_at.is_(None))
    return list(db.session.scalars(stmt))


@click.command("classify")
@click.option("--unclassified", is_flag=True, help="Tickets never triaged (the default).")
@click.option("--all", "every", is_flag=True, help="Every ticket.")
@click.option("--id", "ids", multiple=True, type=int, help="This ticket (repeatable).")
@click.option("--inline", is_flag=True, help="Triage here and now instead of queueing jobs.")
@with_appcontext
def classify_command(unclassified: bool, every: bool, ids: tuple[int, ...], inline: bool) -> None:
    """Queue triage for tickets (or run it inline with --inline) and say what happened."""
    from .jobs import enqueue_triage, triage_ticket

    if sum(bool(x) for x in (unclassified, every, ids)) > 1:
        raise click.UsageError("choose one of --unclassified, --all or --id")
    unclassified = unclassified or not (every or ids)
    wanted = select_ticket_ids(unclassified, every, ids)
    missing = sorted(set(ids) - set(wanted))
    if missing:
        click.echo(f"No such ticket: {', '.join(map(str, missing))}", err=True)
    if not wanted:
        click.echo("Nothing to classify.")
        if missing:
            sys.exit(1)
        return
    outcomes: Counter[str] = Counter()
    label = "Classifying" if inline else "Queueing"
    with acting_as(Actor(type="system", via="cli")):
        with click.progressbar(wanted, label=label, file=sys.stderr) as bar:
            for ticket_id in bar:
                if inline:
                    row = triage_ticket(ticket_id)
                    if row is None:
                        outcomes["gone"] += 1
                    else:
                        outcomes[row.source] += 1
                        outcomes["with_error"] += bool(row.error)
                else:
                    job = enqueue_triage(ticket_id)
                    outcomes["queued" if job.created else "already_queued"] += 1
    if inline:
        parts = [f"{outcomes[s]} by {s}" for s in ("claude", "fallback") if outcomes[s]]
        click.echo(
            f"Classified {len(wanted) - outcomes['gone']} ticket(s): "
            + (", ".join(parts) or "none")
            + (f"; {outcomes['with_error']} with a Claude error" if outcomes["with_error"] else "")
            + (f"; {outcomes['gone']} deleted meanwhile" if outcomes["gone"] else "")
            + "."
        )
    else:
        click.echo(
            f"Queued {outcomes['queued']} triage job(s)"
            + (
                f"; {outcomes['already_queued']} already queued or running"
                if outcomes["already_queued"]
                else ""
            )
            + "."
        )
    if missing:
        sys.exit(1)
