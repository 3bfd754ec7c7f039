"""The list's filters as ``flask tickets`` options, shared by ``stats`` and ``export``:
the same names as the API's query parameters, validated by the same schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from marshmallow import ValidationError

from ..core.vocab import UNCLASSIFIED, Category, Priority, Sentiment, TicketStatus, values
from .schemas import TicketFilterQuery


def _format_errors(messages: Any) -> str:
    if isinstance(messages, dict):
        return "".join(
            f"\n  --{field.replace('_', '-')}: {' '.join(m if isinstance(m, list) else [str(m)])}"
            for field, m in sorted(messages.items())
        )
    return str(messages)


def load_filters(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate CLI filter values with the API's schema; a bad one is a usage error."""
    given = {k: v for k, v in raw.items() if v not in (None, (), [])}
    for key, value in given.items():
        if isinstance(value, tuple):
            given[key] = list(value)
    try:
        return TicketFilterQuery().load(given)
    except ValidationError as err:
        raise click.UsageError(f"Invalid filter: {_format_errors(err.messages)}") from err


def _choices(names: tuple[str, ...]) -> str:
    return ", ".join(names) + " (repeat, or a,b)."


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add every list filter as an option; the command receives them as keyword arguments."""
    options = [
        click.option("--status", multiple=True, help=_choices(values(TicketStatus))),
        click.option("--category", multiple=True, help=_choices((*values(Category), UNCLASSIFIED))),
        click.option("--priority", multiple=True, help=_choices(values(Priority))),
        click.option("--sentiment", multiple=True, help=_choices(values(Sentiment))),
        click.option("--tag", multiple=True, help="Tickets with this tag."),
        click.option(
            "--has-note/--no-note", "has_note", default=None, help="With / without a note."
        ),
        click.option("--requester", help="Requester e-mail address."),
        click.option("--language", multiple=True, help="ISO 639-1 code, e.g. de (repeat, or a,b)."),
        click.option("--created-from", help="From this date or ISO timestamp (inclusive, UTC)."),
        click.option(
            "--created-to", help="To this date (whole day) or timestamp (exclusive), UTC."
        ),
        click.option("-q", "--q", "q", help="Full-text search, as in the list."),
    ]
    for option in reversed(options):
        command = option(command)
    return command
