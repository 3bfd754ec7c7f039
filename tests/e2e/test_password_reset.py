""" "Forgot your password?" in the page (issue 19, first run): the whole way, with a real SMTP
server receiving the mail and the link read from the outbox row."""

from __future__ import annotations

import re
from email import message_from_string, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.mail.servers import Inbox, free_port
from ticketing.accounts import services as accounts
from ticketing.core.extensions import db
from ticketing.models import OutboundMail, User

from .conftest import watched_page

pytestmark = pytest.mark.slow


def test_a_forgotten_password_comes_back_by_a_mailed_link(new_context, live_app):
    """Sign-in → "Forgot your password?" → the e-mail → the link from the outbox row → a new
    password twice → signed in with it; the link does not work a second time."""
    email, old, new = "forgetful@example.com", "the old passphrase 1", "a new passphrase 22"
    with live_app.app_context():
        if not db.session.scalar(sa.select(User.id).where(User.email == email)):
            accounts.create_user(email, "Forgetful Agent", "agent", old)
            db.session.commit()
        db.session.remove()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    live_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    try:
        page = watched_page(new_context(signed_in=False))
        page.goto("/#/login")
        expect(page.locator(".forgot")).to_contain_text("flask tickets users reset-password")
        page.get_by_role("link", name="Forgot your password?").click()
        expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
        page.get_by_role("button", name="Send me a link").click()
        expect(page.locator(".field-error").first).to_have_text(
            "Enter the e-mail address you sign in with."
        )
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Send me a link").click()
        expect(page.locator(".forgot-sent")).to_contain_text(
            "If an account exists for this address, we've sent it a link"
        )
        with live_app.app_context():
            raw = db.session.scalar(
                sa.select(OutboundMail.raw)
                .where(OutboundMail.kind == "password_reset", OutboundMail.to_address == email)
                .order_by(OutboundMail.id.desc())
                .limit(1)
            )
            db.session.remove()
        body = message_from_string(raw, policy=policy.default).get_content()
        link = re.search(r"http://\S+/(#/reset\?token=\S+)", body).group(1)
        assert len(inbox.messages) == 1

        page.goto(f"/{link}")
        expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
        page.get_by_label("New password", exact=True).fill(new)
        page.get_by_label("New password again").fill(new + "x")
        page.get_by_role("button", name="Set password").click()
        expect(page.locator(".field-error").filter(has_text="differ")).to_have_text(
            "The two new passwords differ."
        )
        page.get_by_label("New password again").fill(new)
        page.get_by_role("button", name="Set password").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(new)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"#/tickets"))

        # The link was used: a second visit says so in plain words.
        page.goto(f"/{link}")
        page.get_by_label("New password", exact=True).fill("another passphrase 333")
        page.get_by_label("New password again").fill("another passphrase 333")
        page.get_by_role("button", name="Set password").click()
        expect(page.locator(".error-box")).to_have_text(
            "This link has already been used or is no longer valid."
        )
        assert page.watch.errors == []
    finally:
        live_app.config["SMTP_URL"] = None
        controller.stop()
