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


def credentials_block(title: str, email: str, password: str) -> str:
    """Sign-in details in a frame that stands out at the end of a start-up log."""
    lines = [
        title,
        "",
        f"  e-mail:   {email}",
        f"  password: {password}",
        "",
        "Shown only now: keep it somewhere safe. Lost it? Run",
        f"  flask tickets users reset-password --email {email}",
    ]
    width = max(len(line) for line in lines) + 2
    rule = "+" + "=" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


@users_cli.command("reset-password")
@click.option("--email", required=True, help="Whose password.")
@click.option(
    "--password",
    default=None,
    help="The new password; without it one is generated and printed once.",
)
def reset_password_command(email: str, password: str | None) -> None:
    """Give a user a new password (every session they have open ends; tokens stay)."""
    user = _user(email)
    new = password or services.generate_password()
    with acting_as(CLI_ACTOR):
        try:
            services.update_user(user, {"password": new})
        except DomainError as err:
            _fail(err)
        db.session.commit()
    if password:
        click.echo(f"Password of {user.email} changed; their sessions ended.")
    else:
        click.echo(credentials_block(f"New password for {user.email}:", user.email, new))


def _ensure_admin(email: str, name: str) -> None:
    with acting_as(CLI_ACTOR):
        created = services.ensure_admin(email, name)
        db.session.commit()
    if created is None:
        click.echo(
            "An admin account exists; nothing to do. (Forgot its password? "
            "flask tickets users reset-password --email <their e-mail>)"
        )
        return
    title = "Created the first admin account. Sign in with:"
    click.echo(credentials_block(title, created.user.email, created.generated_password))


ADMIN_EMAIL = click.option(
    "--email",
    envvar="ADMIN_EMAIL",
    default="admin@example.com",
    show_default=True,
    help="E-mail of the admin to create when none exists (env ADMIN_EMAIL).",
)


@click.command("ensure-admin")
@ADMIN_EMAIL
@click.option("--name", default="Admin", show_default=True)
@with_appcontext
def ensure_admin_command(email: str, name: str) -> None:
    """Create an admin with a generated password when no active admin exists (prints it once)."""
    _ensure_admin(email, name)


@click.command("bootstrap")
@ADMIN_EMAIL
@click.option("--name", default="Admin", show_default=True, help="The first admin's name.")
@click.option(
    "--seed",
    "seed_count",
    default=200,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Demo tickets to create when there are none (0: none).",
)
@with_appcontext
def bootstrap_command(email: str, name: str, seed_count: int) -> None:
    """Every start-up step in one process: migrate the database, seed demo tickets when it has
    none, create the first admin when there is none (its password last, in a frame)."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from ..models import Ticket
    from ..tickets.seed import seed

    click.echo("Migrating the database…")
    upgrade()
    if seed_count and not db.session.scalar(select(func.count()).select_from(Ticket)):
        with click.progressbar(length=seed_count, label="Seeding demo tickets") as bar:
            seed(seed_count, progress=bar.update)
    _ensure_admin(email, name)


COMMANDS = (users_cli, ensure_admin_command, bootstrap_command)
