"""``flask tickets mail …``: fetch, send, revoke a ticket's links."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..core.extensions import db
from ..models import Ticket
from ..tickets import links
from . import imap, inbound, outbox


@click.group("mail")
def mail_group() -> None:
    """E-mail: fetch from IMAP, send the outbox, revoke a ticket's links."""


@mail_group.command("fetch")
@with_appcontext
def fetch_command() -> None:
    """Fetch new mail from IMAP_URL once and process it."""
    counts = imap.fetch()
    done = inbound.process_pending()
    click.echo(f"imap: {counts}; processed: {done['processed']}")


@mail_group.command("send")
@with_appcontext
def send_command() -> None:
    """Send every due mail in the outbox now."""
    click.echo(f"outbox: {outbox.deliver_due()}")


@mail_group.command("revoke-link")
@click.argument("ticket_id", type=int)
@with_appcontext
def revoke_command(ticket_id: int) -> None:
    """Revoke the ticket's reply address and status link (new ones go out with the next mail)."""
    if db.session.get(Ticket, ticket_id) is None:
        raise click.ClickException(f"Ticket {ticket_id} not found.")
    links.revoke(ticket_id)
    db.session.commit()
    click.echo(f"ticket {ticket_id}: reply address and status link revoked")


COMMANDS = [mail_group]
