from datetime import timedelta

import pytest
from sqlalchemy import select

from ticketing.accounts import services
from ticketing.core.errors import Conflict, InvalidInput
from ticketing.core.extensions import db
from ticketing.models import ApiToken, User


def test_create_user_normalises_email_and_hashes_the_password(app_ctx):
    user = services.create_user("  Ana.Lopez@Example.COM ", "Ana", "agent", "a long password 1")
    db.session.commit()
    assert user.email == "ana.lopez@example.com"
    assert user.password_hash and "a long password 1" not in user.password_hash
    assert services.authenticate("ANA.LOPEZ@example.com", "a long password 1").user == user
    wrong = services.authenticate("ana.lopez@example.com", "a long password 2")
    assert wrong.user is None and wrong.failure == "wrong_password" and wrong.account == user


def test_create_user_without_password_generates_one_that_works(app_ctx):
    created = services.create_user_account("bo@example.com", "Bo", "admin")
    assert len(created.generated_password) >= 16
    assert services.authenticate("bo@example.com", created.generated_password).user is created.user


def test_duplicate_email_bad_role_and_short_password_are_refused(app_ctx):
    services.create_user("cy@example.com", "Cy", "agent", "a long password 1")
    with pytest.raises(Conflict) as dup:
        services.create_user("CY@example.com", "Cy again", "agent", "a long password 1")
    assert dup.value.fields == {"email": ["Already taken."]}
    with pytest.raises(InvalidInput) as role:
        services.create_user("dee@example.com", "Dee", "owner", "a long password 1")
    assert "role" in role.value.fields
    with pytest.raises(InvalidInput) as short:
        services.create_user("dee@example.com", "Dee", "agent", "short")
    assert "password" in short.value.fields


def test_disabled_or_unknown_users_do_not_authenticate(app_ctx):
    user = services.create_user("ed@example.com", "Ed", "agent", "a long password 1")
    services.create_user("root@example.com", "Root", "admin", "a long password 1")
    services.disable_user(user)
    disabled = services.authenticate("ed@example.com", "a long password 1")
    assert disabled.user is None and disabled.failure == "disabled"
    unknown = services.authenticate("nobody@example.com", "a long password 1")
    assert unknown.user is None and unknown.failure == "unknown_account"
    assert services.authenticate("", "").user is None


def test_token_is_stored_only_as_a_hash_and_resolves_to_its_user(app_ctx):
    user = services.create_user("fay@example.com", "Fay", "agent", "a long password 1")
    token, text = services.create_token(user, "ci")
    db.session.commit()
    assert text.startswith("tkt_") and len(text) > 40
    stored = db.session.scalars(select(ApiToken.token_hash)).one()
    assert stored != text and text not in stored and len(stored) == 64
    assert token.prefix == text[:12]
    match = services.resolve_token(text)
    assert match.user == user and match.touched
    assert services.resolve_token(text[:-1] + ("A" if text[-1] != "A" else "B")) is None
    assert services.resolve_token("not-a-token") is None


def test_last_used_is_written_at_most_once_per_interval(app_ctx):
    user = services.create_user("gus@example.com", "Gus", "agent", "a long password 1")
    token, text = services.create_token(user, "ci")
    db.session.commit()
    assert services.resolve_token(text).touched
    db.session.commit()
    assert not services.resolve_token(text).touched
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None
    token.last_used_at = first - timedelta(minutes=5)
    db.session.commit()
    assert services.resolve_token(text).touched


def test_revoked_token_and_disabled_user_do_not_resolve(app_ctx):
    services.create_user("root@example.com", "Root", "admin", "a long password 1")
    user = services.create_user("hal@example.com", "Hal", "agent", "a long password 1")
    token, text = services.create_token(user, "one")
    _other, other_text = services.create_token(user, "two")
    services.revoke_token(token)
    assert services.resolve_token(text) is None
    assert services.resolve_token(other_text) is not None
    services.disable_user(user)
    assert services.resolve_token(other_text) is None


def test_find_tokens_by_id_or_prefix(app_ctx):
    user = services.create_user("ida@example.com", "Ida", "agent", "a long password 1")
    token, text = services.create_token(user, "x")
    assert services.find_tokens(str(token.id)) == [token]
    assert services.find_tokens(text[:12]) == [token]
    assert services.find_tokens("tkt_") == []  # too short to mean anything
    assert services.find_tokens("%") == []


def test_ensure_admin_creates_one_admin_once(app_ctx):
    created = services.ensure_admin("boss@example.com")
    db.session.commit()
    assert created.user.role == "admin" and created.generated_password
    assert services.authenticate("boss@example.com", created.generated_password)
    assert services.ensure_admin("boss@example.com") is None
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_the_last_active_admin_cannot_be_demoted_or_disabled(app_ctx):
    admin = services.create_user("only@example.com", "Only", "admin", "a long password 1")
    for change in ({"role": "agent"}, {"active": False}):
        with pytest.raises(Conflict) as err:
            services.update_user(admin, change)
        assert "admin" in err.value.message
    services.create_user("second@example.com", "Second", "admin", "a long password 1")
    services.update_user(admin, {"role": "agent"})
    assert admin.role == "agent"
