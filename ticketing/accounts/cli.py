"""``flask tickets users …`` and ``flask tickets ensure-admin``: thin over the services.

Secrets appear on the terminal once (a generated password, a new token) and nowhere else.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from ..core.context import Actor, acting_as
from ..core.errors import DomainError
from ..core.extensions import db
from ..core.vocab import ActorType, Role, Via, values
from . import services

users_cli = AppGroup("users", help="Manage user accounts and their API tokens.")
token_cli = AppGroup("token", help="Create and revoke API tokens.")
users_cli.add_command(token_cli)

CLI_ACTOR = Actor(type=ActorType.SYSTEM, via=Via.CLI, label="cli")


def _fail(err: DomainError) -> None:
    detail = ""
    if err.fields:
        detail = " " + " ".join(f"{k}: {' '.join(v)}" for k, v in err.fields.items())
    raise click.ClickException(err.message + detail)


def _user(email: str):
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {services.normalise_email(email)}.")
    return user


@users_cli.command("create")
@click.option("--email", required=True, help="Sign-in e-mail (stored lowercase).")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--role", type=click.Choice(values(Role)), default=Role.AGENT.value, show_default=True
)
@click.option(
    "--password",
    default=None,
    help="Initial password; without it one is generated and printed once.",
)
def create_command(email: str, name: str, role: str, password: str | None) -> None:
    """Create a user."""
    with acting_as(CLI_ACTOR):
        try:
            created = services.create_user_account(email, name, role, password)
        except DomainError as err:
            _fail(err)
        db.session.commit()
    user = created.user
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if created.generated_password:
        click.echo(f"Password (shown once): {created.generated_password}")


@users_cli.command("list")
def list_command() -> None:
    """List users: id, e-mail, role, active, name."""
    for user in services.all_users():
        state = "active" if user.active else "disabled"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}\t{user.name}")


@users_cli.command("disable")
@click.option("--email", required=True)
def disable_command(email: str) -> None:
    """Disable a user: sign-in and every token stop working at once."""
    with acting_as(CLI_ACTOR):
        try:
            services.disable_user(_user(email))
        except DomainError as err:
            _fail(err)
        db.session.commit()
    click.echo(f"Disabled {services.normalise_email(email)}.")


@token_cli.command("create")
@click.option("--email", required=True, help="Whose token.")
@click.option("--name", "label", default="cli token", show_default=True, help="A label.")
def token_create_command(email: str, label: str) -> None:
    """Create an API token and print it (the only time it is shown)."""
    user = _user(email)
    with acting_as(CLI_ACTOR):
        token, text = services.create_token(user, label)
        db.session.commit()
    click.echo(f"Token {token.id} ({token.name}) for {user.email}:", err=True)
    click.echo(text)


@token_cli.command("revoke")
@click.argument("ref")
def token_revoke_command(ref: str) -> None:
    """Revoke a token by id or by its shown prefix (e.g. tkt_AbCd1234)."""
    found = services.find_tokens(ref)
    if not found:
        raise click.ClickException(f"No token matches {ref!r}.")
    if len(found) > 1:
        raise click.ClickException(f"{len(found)} tokens match {ref!r}; give the id.")
    with acting_as(CLI_ACTOR):
        token = services.revoke_token(found[0])
        db.session.commit()
    click.echo(f"Revoked token {token.id} ({token.prefix}…, {token.name}).")


@click.command("ensure-admin")
@click.option(
    "--email",
    envvar="ADMIN_EMAIL",
    default="admin@example.com",
    show_default=True,
    help="E-mail of the admin to create when none exists (env ADMIN_EMAIL).",
)
@click.option("--name", default="Admin", show_default=True)
@with_appcontext
def ensure_admin_command(email: str, name: str) -> None:
    """Create an admin with a generated password when no active admin exists (prints it once)."""
    with acting_as(CLI_ACTOR):
        created = services.ensure_admin(email, name)
        db.session.commit()
    if created is None:
        click.echo("An admin account exists; nothing to do.")
        return
    click.echo("Created the first admin account. Sign in with:")
    click.echo(f"  e-mail:   {created.user.email}")
    click.echo(f"  password: {created.generated_password}")
    click.echo("This password is shown only now: keep it somewhere safe.")


COMMANDS = (users_cli, ensure_admin_command)
