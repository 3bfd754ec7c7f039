import re

from sqlalchemy import select

from ticketing.core.extensions import db
from ticketing.models import ApiToken, User


def test_users_create_with_a_generated_password_prints_it_once(app, runner):
    result = runner.invoke(
        args=["tickets", "users", "create", "--email", "Zed@Example.com", "--name", "Zed"]
    )
    assert result.exit_code == 0, result.output
    assert "Created agent zed@example.com" in result.output
    password = re.search(r"Password \(shown once\): (\S+)", result.output).group(1)
    login = app.test_client().post(
        "/api/auth/login", json={"email": "zed@example.com", "password": password}
    )
    assert login.status_code == 200


def test_users_create_with_a_given_password_does_not_echo_it(runner):
    result = runner.invoke(
        args=[
            "tickets",
            "users",
            "create",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "admin",
            "--password",
            "my secret password",
        ]
    )
    assert result.exit_code == 0
    assert "my secret password" not in result.output
    again = runner.invoke(
        args=["tickets", "users", "create", "--email", "a@example.com", "--name", "A"]
    )
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(
        args=[
            "tickets",
            "users",
            "create",
            "--email",
            "b@example.com",
            "--name",
            "B",
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0 and "password" in short.output


def test_users_list_and_disable(app, runner, make_user):
    make_user(role="admin", email="root@example.com")
    agent = make_user(email="sam@example.com")
    listed = runner.invoke(args=["tickets", "users", "list"])
    assert "root@example.com\tadmin\tactive" in listed.output
    assert "sam@example.com\tagent\tactive" in listed.output
    result = runner.invoke(args=["tickets", "users", "disable", "--email", "SAM@example.com"])
    assert result.exit_code == 0, result.output
    assert (
        "sam@example.com\tagent\tdisabled"
        in runner.invoke(args=["tickets", "users", "list"]).output
    )
    headers = {"Authorization": f"Bearer {agent.token}"}
    assert app.test_client().get("/api/tickets", headers=headers).status_code == 401
    missing = runner.invoke(args=["tickets", "users", "disable", "--email", "nobody@example.com"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_token_create_prints_a_working_token_and_revoke_stops_it(app, runner, make_user):
    make_user(email="tia@example.com", token=False)
    created = runner.invoke(
        args=["tickets", "users", "token", "create", "--email", "tia@example.com", "--name", "ci"]
    )
    assert created.exit_code == 0, created.output
    text = created.stdout.strip().splitlines()[-1]
    assert text.startswith("tkt_")
    headers = {"Authorization": f"Bearer {text}"}
    assert app.test_client().get("/api/auth/me", headers=headers).status_code == 200

    revoked = runner.invoke(args=["tickets", "users", "token", "revoke", text[:12]])
    assert revoked.exit_code == 0, revoked.output
    assert text not in revoked.output
    assert app.test_client().get("/api/auth/me", headers=headers).status_code == 401


def test_token_revoke_by_id_and_unknown_refs(app, runner, make_user):
    make_user(email="uma@example.com", token=False)
    runner.invoke(args=["tickets", "users", "token", "create", "--email", "uma@example.com"])
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert runner.invoke(args=["tickets", "users", "token", "revoke", str(token_id)]).exit_code == 0
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
    nothing = runner.invoke(args=["tickets", "users", "token", "revoke", "tkt_nothere"])
    assert nothing.exit_code != 0 and "No token matches" in nothing.output


def test_ensure_admin_creates_one_admin_and_then_does_nothing(app, runner):
    first = runner.invoke(args=["tickets", "ensure-admin", "--email", "owner@example.com"])
    assert first.exit_code == 0, first.output
    assert "owner@example.com" in first.output
    password = re.search(r"password: (\S+)", first.output).group(1)
    login = app.test_client().post(
        "/api/auth/login", json={"email": "owner@example.com", "password": password}
    )
    assert login.status_code == 200 and login.get_json()["user"]["role"] == "admin"

    second = runner.invoke(args=["tickets", "ensure-admin"])
    assert second.exit_code == 0 and "nothing to do" in second.output
    assert password not in second.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def _login(app, email, password):
    return app.test_client().post("/api/auth/login", json={"email": email, "password": password})


def test_reset_password_prints_a_new_one_in_a_frame_and_the_old_one_stops_working(app, runner):
    made = runner.invoke(
        args=["tickets", "users", "create", "--email", "lost@example.com", "--name", "Lost"]
    )
    old = re.search(r"Password \(shown once\): (\S+)", made.output).group(1)
    reset = runner.invoke(
        args=["tickets", "users", "reset-password", "--email", "lost@example.com"]
    )
    assert reset.exit_code == 0, reset.output
    frame = reset.output.strip().splitlines()
    assert frame[0].startswith("+=") and frame[-1].startswith("+=")
    assert all(line.startswith("| ") and line.endswith(" |") for line in frame[1:-1])
    new = re.search(r"password: (\S+)", reset.output).group(1)
    assert new != old
    assert _login(app, "lost@example.com", old).status_code == 401
    assert _login(app, "lost@example.com", new).status_code == 200

    given = runner.invoke(
        args=[
            "tickets",
            "users",
            "reset-password",
            "--email",
            "lost@example.com",
            "--password",
            "a chosen long password",
        ]
    )
    assert given.exit_code == 0 and "a chosen long password" not in given.output
    assert _login(app, "lost@example.com", "a chosen long password").status_code == 200
    nobody = runner.invoke(args=["tickets", "users", "reset-password", "--email", "no@example.com"])
    assert nobody.exit_code != 0 and "No user with e-mail no@example.com" in nobody.output
    short = runner.invoke(
        args=[
            "tickets",
            "users",
            "reset-password",
            "--email",
            "lost@example.com",
            "--password",
            "x",
        ]
    )
    assert short.exit_code != 0


def test_bootstrap_migrates_seeds_an_empty_database_and_frames_the_first_admin_last(app, runner):
    from ticketing.models import Ticket

    first = runner.invoke(
        args=["tickets", "bootstrap", "--seed", "5", "--email", "boss@example.com"]
    )
    assert first.exit_code == 0, first.output
    lines = first.output.strip().splitlines()
    # The credentials are the last thing printed, in their frame.
    assert lines[-1].startswith("+=") and "boss@example.com" in first.output
    password = re.search(r"password: (\S+)", first.output).group(1)
    assert _login(app, "boss@example.com", password).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 5

    again = runner.invoke(args=["tickets", "bootstrap", "--seed", "5"])
    assert again.exit_code == 0, again.output
    assert "nothing to do" in again.output and password not in again.output
    assert "reset-password" in again.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 5
