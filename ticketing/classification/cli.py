"""``flask tickets classify`` (queue or run triage for many tickets) and ``flask tickets
evaluate`` (score a classifier on a labelled CSV)."""

from __future__ import annotations

import json
import sys
from collections import Counter

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..core.context import Actor, acting_as
from ..core.extensions import db
from ..core.vocab import ActorType, TriageSource, Via, values
from ..models import Ticket


@click.command("evaluate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--classifier",
    "classifier_name",
    type=click.Choice(values(TriageSource)),
    default=TriageSource.FALLBACK.value,
    show_default=True,
    help="Which classifier to score.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object for machines.")
@with_appcontext
def evaluate_command(path: str, classifier_name: str, as_json: bool) -> None:
    """Score a classifier on PATH.csv (columns subject, body, category[, priority]).

    Prints rows scored, accuracy, macro-F1, per-class precision/recall/F1, the confusion
    matrix (for category, and for priority when the file has priority labels) and tickets/s.
    """
    from .evaluate import EvaluationError, evaluate, format_report, read_labelled_csv
    from .registry import ClassifierUnavailable, build_classifier

    try:
        classifier = build_classifier(classifier_name, current_app._get_current_object())
    except ClassifierUnavailable as err:
        raise click.UsageError(str(err)) from err
    try:
        if as_json:
            figures = evaluate(read_labelled_csv(path), classifier)
        else:
            tickets = read_labelled_csv(path)
            with click.progressbar(tickets, label="Scoring", file=sys.stderr) as bar:
                figures = evaluate(bar, classifier)
    except EvaluationError as err:
        raise click.ClickException(str(err)) from err
    figures = {"classifier": classifier_name, "path": path, **figures}
    if as_json:
        click.echo(json.dumps(figures, sort_keys=False))
    else:
        click.echo(format_report(figures, title=f"Classifier {classifier_name} on {path}"))


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
    with acting_as(Actor(type=ActorType.SYSTEM, via=Via.CLI)):
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
        parts = [f"{outcomes[s]} by {s}" for s in values(TriageSource) if outcomes[s]]
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


COMMANDS = (classify_command, evaluate_command)
