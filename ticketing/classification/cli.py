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
from ..core.vocab import ActorType, BatchStatus, TriageSource, Via, values
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
@click.option(
    "--learn",
    "learn",
    metavar="N,N,...",
    help="Also train the learner from scratch on the first N shuffled rows and score the "
    "rest, for each N (a learning curve), e.g. 50,100,200,500.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Shuffle seed for --learn.")
@click.option(
    "--engine",
    type=click.Choice(("auto", "tfidf", "embeddings")),
    default="auto",
    show_default=True,
    help="The learner for --learn: as live (embeddings when installed), or one of the two.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object for machines.")
@with_appcontext
def evaluate_command(
    path: str, classifier_name: str, learn: str | None, seed: int, engine: str, as_json: bool
) -> None:
    """Score a classifier on PATH.csv (columns subject, body, category[, priority]).

    Prints rows scored, accuracy, macro-F1, per-class precision/recall/F1, the confusion
    matrix (for category, and for priority when the file has priority labels) and tickets/s.
    With --learn, also the learner's learning curve (JSON key ``learning_curve``).
    """
    from ..core.embeddings import Unavailable
    from .evaluate import (
        EvaluationError,
        evaluate,
        format_curve,
        format_report,
        learning_curve,
        parse_sizes,
        read_labelled_csv,
    )
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
        if learn:
            sizes = parse_sizes(learn)
            if as_json:
                curve = learning_curve(read_labelled_csv(path), sizes, seed, engine=engine)
            else:
                tickets = read_labelled_csv(path)
                with click.progressbar(
                    length=figures["n"], label="Learning", file=sys.stderr
                ) as bar:
                    curve = learning_curve(tickets, sizes, seed, bar.update, engine=engine)
    except (EvaluationError, Unavailable) as err:
        raise click.ClickException(str(err)) from err
    figures = {"classifier": classifier_name, "path": path, **figures}
    if learn:
        figures["learning_curve"] = curve
        figures["learning_seed"] = seed
    if as_json:
        click.echo(json.dumps(figures, sort_keys=False))
    else:
        click.echo(format_report(figures, title=f"Classifier {classifier_name} on {path}"))
        if learn:
            click.echo(format_curve(curve))


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
@click.option(
    "--batch",
    is_flag=True,
    help="Submit to Claude's Message Batches API (half price, results within 24 h).",
)
@with_appcontext
def classify_command(
    unclassified: bool, every: bool, ids: tuple[int, ...], inline: bool, batch: bool
) -> None:
    """Queue triage for tickets (or run it inline with --inline, or submit a Message Batches
    API batch with --batch) and say what happened."""
    from .jobs import enqueue_triage, triage_ticket

    if sum(bool(x) for x in (unclassified, every, ids)) > 1:
        raise click.UsageError("choose one of --unclassified, --all or --id")
    if inline and batch:
        raise click.UsageError("choose --inline or --batch, not both")
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
    if batch:
        submit_batches(wanted)
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


def submit_batches(ticket_ids: list[int]) -> None:
    """``classify --batch``: one batch per ``CLAUDE_BATCH_MAX`` tickets."""
    from .batches import BatchUnavailable, submit_batch
    from .jobs import TRIAGE_ACTOR

    size = int(current_app.config["CLAUDE_BATCH_MAX"])
    with acting_as(TRIAGE_ACTOR):
        for start in range(0, len(ticket_ids), size):
            chunk = ticket_ids[start : start + size]
            try:
                row = submit_batch(chunk)
            except BatchUnavailable as err:
                raise click.ClickException(
                    f"{err.message} (without --batch they are queued)"
                ) from err
            if row is None:
                continue
            if row.status == BatchStatus.FAILED:
                click.echo(
                    f"Batch #{row.id} refused ({row.error}); its {len(chunk)} ticket(s) were "
                    "queued one by one."
                )
            else:
                click.echo(
                    f"Submitted batch #{row.id} ({row.provider_id}) with {len(chunk)} "
                    "ticket(s); results are applied when it ends (flask tickets batches --poll)."
                )


@click.command("batches")
@click.option("--poll", is_flag=True, help="Check the open batches now and apply what ended.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@with_appcontext
def batches_command(poll: bool, limit: int) -> None:
    """List Message Batches submissions of triage (newest first); --poll applies ended ones."""
    from . import batches

    if poll:
        report = batches.upkeep()
        click.echo(
            f"Polled {report['polled']} open batch(es); recovered {report['recovered']}; "
            f"submitted {report['submitted']} pending ticket(s)."
        )
    page = batches.list_batches(1, limit)
    if not page.items:
        click.echo("No batches.")
    for row in page.items:
        click.echo(
            f"#{row.id}\t{row.status}\t{row.provider_id or '-'}\t{row.request_count} request(s)"
            f"\t{row.applied} applied\t{row.created_at:%Y-%m-%d %H:%M}"
            + (f"\t{row.error}" if row.error else "")
        )


@click.command("learn")
@click.option(
    "--hand-back", is_flag=True, help="Deactivate every learned model: the rules answer again."
)
@with_appcontext
def learn_command(hand_back: bool) -> None:
    """Train the learner on the team's corrections now (the worker's upkeep does it on its
    schedule) and say, per field, which engine answers."""
    from . import learning

    if hand_back:
        count = learning.deactivate_all()
        db.session.commit()
        click.echo(f"Handed {count} field(s) back to the rules.")
        return
    report = learning.train_all()
    if report.get("enabled") is False:
        raise click.ClickException("the learner is off (LEARN_ENABLED=0)")
    for field, outcome in report.items():
        state = learning.field_state(field)
        line = f"{field}: {outcome['corrections']} correction(s); "
        if outcome["trained"]:
            line += (
                f"v{outcome['version']} measures {outcome['accuracy']} on held-back corrections "
                f"(rules {outcome['rules_accuracy']}); "
            )
        else:
            line += f"not trained ({outcome['reason']}); "
        engine = f"learned v{state['version']}" if state["version"] else "the rules"
        line += f"answered by {engine}"
        click.echo(line + (f" — {state['decision']}" if state["decision"] else ""))


COMMANDS = (classify_command, evaluate_command, batches_command, learn_command)
