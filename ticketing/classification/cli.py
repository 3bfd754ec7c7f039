"""``flask tickets evaluate``: score a classifier on a labelled CSV."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("evaluate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--classifier",
    "classifier_name",
    type=click.Choice(["fallback", "claude"]),
    default="fallback",
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
