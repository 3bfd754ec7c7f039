"""``flask tickets stats``: the /api/stats figures in a terminal (or as JSON)."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from ..core.extensions import db
from ..tickets import rollups
from ..tickets.cli_filters import filter_options, load_filters
from . import services
from .schemas import StatsOut

BAR_WIDTH = 40


def _num(value: Any, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}{suffix}"
    return f"{value:,}{suffix}"


def _rate(agreement: dict[str, Any]) -> str:
    if agreement["rate"] is None:
        return "- (no triage history)"
    return f"{agreement['rate']:.1%} ({agreement['agreed']:,} of {agreement['compared']:,})"


def render(stats: dict[str, Any]) -> str:
    """A readable table of the figures."""
    span = stats["window"]
    window = f"{span['start']} .. {span['end']}, {span['days']} days" if span["start"] else "-"
    lines = [
        f"{'Tickets':<28}{_num(stats['total']):>12}",
        f"{'Open (open + in_progress)':<28}{_num(stats['open']):>12}",
        f"{'Average per day':<28}{_num(stats['avg_per_day']):>12}   ({window})",
        f"{'Average urgency score':<28}{_num(stats['avg_urgency_score']):>12}",
        f"{'Median resolution':<28}{_num(stats['median_resolution_hours'], ' h'):>12}"
        f"   (over {stats['resolved_count']:,} resolved/closed)",
    ]
    total = stats["total"]
    for title, key in (
        ("Status", "by_status"),
        ("Category", "by_category"),
        ("Priority", "by_priority"),
        ("Sentiment", "by_sentiment"),
    ):
        lines += ["", title]
        for name, count in stats[key].items():
            share = f"{count / total:6.1%}" if total else "     -"
            lines.append(f"  {name:<26}{count:>12,}  {share}")
    triage = stats["triage"]
    lines += ["", "Triage (tickets by category source)"]
    lines += [f"  {name:<26}{count:>12,}" for name, count in triage["by_source"].items()]
    runs = triage["runs"]
    lines.append(
        f"  {'runs in history':<26}{runs['total']:>12,}"
        f"  (claude {runs['claude']:,}, fallback {runs['fallback']:,},"
        f" with error {runs['with_error']:,})"
    )
    for field in ("category", "priority"):
        lines.append(f"  {field + ' agreement':<26}  {_rate(triage['agreement'][field])}")
    series = stats["per_day"]
    peak = max((d["count"] for d in series), default=0)
    lines += ["", f"Created per day (last {len(series)} days, UTC)"]
    for day in series:
        bar = "#" * round(BAR_WIDTH * day["count"] / peak) if peak else ""
        lines.append(f"  {day['date']}  {day['count']:>10,}  {bar}")
    return "\n".join(lines)


@click.command("stats")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@filter_options
def stats_command(as_json: bool, **raw: Any) -> None:
    """Ticket statistics, the same figures as GET /api/stats."""
    filters = load_filters(raw)
    figures = StatsOut().dump(services.ticket_stats(filters))
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
    else:
        click.echo(render(figures))


@click.group("rollups")
def rollups_group() -> None:
    """The ticket rollups /api/stats reads (counts kept in step with every ticket write)."""


@rollups_group.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Recount the rollups from the tickets (after raw SQL or a restore wrote tickets)."""
    rows = rollups.rebuild()
    db.session.commit()
    click.echo(f"Rollups rebuilt: {rows:,} rows.")


@rollups_group.command("check")
@with_appcontext
def check_command() -> None:
    """Compare the rollups with a recount of the tickets; exit 1 on any difference."""
    differences = rollups.check()
    db.session.rollback()
    for (day, status, dimension, value), have, want in differences[:50]:
        click.echo(f"{day} {status} {dimension}={value!r}: stored {have}, recount {want}")
    if differences:
        click.echo(
            f"{len(differences):,} rollup rows differ: run 'flask tickets rollups rebuild'.",
            err=True,
        )
        raise SystemExit(1)
    click.echo("Rollups match a recount of the tickets.")


COMMANDS = (stats_command, rollups_group)
