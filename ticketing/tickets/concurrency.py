"""Optimistic concurrency for tickets: a version bumped by every write, an ``ETag`` made from
it, and ``If-Match`` checked against the row locked for the update.

The version is bumped in the saving transaction (``ticket_saving``) with ``version + 1`` in
SQL, so concurrent writers never lose an increment, whatever wrote the row (a route, a job, the
CLI, a bulk edit). A client that sends ``If-Match`` gets 412 when someone saved in between;
one that sends none keeps the old last-write-wins behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core import events
from ..core.errors import PreconditionFailed
from ..models import Ticket

_TAG = re.compile(r'(?:W/)?"([^"]*)"')


def etag(ticket: Ticket) -> str:
    """The ticket's entity tag (quoted), e.g. ``"t12-v3"``: id and version, so a list of them
    names several tickets at once (bulk edits)."""
    return f'"t{ticket.id}-v{ticket.version}"'


def parse_if_match(header: str | None) -> set[str] | None:
    """The entity tags ``If-Match`` lists (quoted), ``{"*"}`` for any, None when absent. A
    value that is not a list of quoted tags matches nothing (so ``If-Match: bogus`` fails)."""
    if header is None:
        return None
    header = header.strip()
    if header == "*":
        return {"*"}
    return {f'"{tag}"' for tag in _TAG.findall(header)}


def matches(ticket: Ticket, wanted: set[str] | None) -> bool:
    return wanted is None or "*" in wanted or etag(ticket) in wanted


def stale(tickets: Iterable[Ticket], wanted: set[str] | None) -> list[Ticket]:
    return [t for t in tickets if not matches(t, wanted)]


def precondition_failed(current: dict, message: str | None = None) -> PreconditionFailed:
    """The 412: ``current`` (the ticket as it is now, dumped) rides in the error envelope."""
    return PreconditionFailed(
        message or "This ticket changed since you loaded it.", body={"current": current}
    )


def bump_version(sender, change: events.Change) -> None:
    """Every save of an existing ticket makes a new version (in SQL: no lost increments)."""
    if not change.created and change.obj is not None and "version" not in change.fields:
        change.obj.version = Ticket.version + 1
