"""``flask tickets teams …``: thin over the services."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.vocab import AssignmentMode, values
from ..models import User
from . import services

teams_cli = AppGroup("teams", help="Manage teams and their members.")


def _team(name: str):
    team = services.find_team(name)
    if team is None:
        raise click.ClickException(f"No team named {name!r}.")
    return team


def _user(email: str) -> User:
    user = db.session.query(User).filter_by(email=email.strip().lower()).one_or_none()
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    return user


def _run(fn, *args):
    try:
        result = fn(*args)
    except DomainError as err:
        raise click.ClickException(err.message) from err
    db.session.commit()
    return result


@teams_cli.command("list")
def list_command() -> None:
    """Teams, how they hand out tickets, and their members."""
    for team in services.list_teams():
        members = ", ".join(f"{m.email}{' (away)' if m.away else ''}" for m in team.members)
        click.echo(f"{team.id}\t{team.name}\t{team.assignment}\t{members or '-'}")


@teams_cli.command("create")
@click.argument("name")
@click.option(
    "--assignment",
    type=click.Choice(values(AssignmentMode)),
    default=AssignmentMode.ROUND_ROBIN.value,
    show_default=True,
)
@click.option("--member", "members", multiple=True, help="A member's e-mail (repeatable).")
def create_command(name: str, assignment: str, members: tuple[str, ...]) -> None:
    """Create a team."""
    ids = [_user(email).id for email in members]
    team = _run(services.create_team, {"name": name, "assignment": assignment, "member_ids": ids})
    click.echo(f"Created team {team.name} (id {team.id}).")


@teams_cli.command("add-member")
@click.argument("name")
@click.argument("email")
def add_member_command(name: str, email: str) -> None:
    """Add a user to a team."""
    _run(services.add_member, _team(name), _user(email))
    click.echo(f"{email} is in {name}.")


@teams_cli.command("remove-member")
@click.argument("name")
@click.argument("email")
def remove_member_command(name: str, email: str) -> None:
    """Take a user out of a team."""
    _run(services.remove_member, _team(name), _user(email))
    click.echo(f"{email} left {name}.")


@teams_cli.command("delete")
@click.argument("name")
def delete_command(name: str) -> None:
    """Delete a team (its tickets keep their assignee)."""
    _run(services.delete_team, _team(name))
    click.echo(f"Deleted team {name}.")


COMMANDS = (teams_cli,)
