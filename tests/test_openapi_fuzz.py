"""schemathesis runs every operation of /api/openapi.json against the app, signed in as an admin:
no server error and no response that contradicts the document (codes, types, bodies, headers).

Bounded: ``FUZZ_EXAMPLES`` examples per operation (default 20), derandomized so CI sees the
same requests each run (``FUZZ_RANDOM=1`` explores new ones). The figures (operations,
requests) are printed at the end of the test.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance

from ticketing.tickets.seed import seed

#: The inbound mail webhook takes raw RFC 822 bytes (without INBOUND_EMAIL_TOKEN it answers 401).
schemathesis.openapi.media_type(
    "message/rfc822",
    st.sampled_from(
        [b"From: a@example.com\r\nSubject: Hi\r\n\r\nHello\r\n", b"Subject: =?utf-8?q?x?=\r\n\r\n"]
    ),
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
#: Same examples every run (a failure reproduces); FUZZ_RANDOM=1 explores new ones.
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"

#: Rules a schema-valid request can still break because OpenAPI cannot express them: a rule
#: joining two fields, text no database can store (NUL, lone surrogates), and a value that must
#: match stored state (your current password). A 422 for schema-valid data is accepted only
#: with one of these messages.
UNEXPRESSIBLE_RULES = {
    "Must not be after created_to.",
    # SLA calendars: spans within a day, hours vs 24/7, a region of its country; a policy's
    # calendar must exist.
    "Working hours must be ordered, non-overlapping spans within a day.",
    "A calendar that is not 24/7 needs some working hours.",
    "The holiday data does not know this country or region.",
    "A region needs its country.",
    "No such calendar.",
    "Text may not contain NUL characters or unpaired surrogates.",
    # Idempotency-Key: the same key sent earlier with another request (state, not schema).
    "This key was already used with a different request.",
    "The current password is wrong.",
    # A password-reset link is checked against its signature and the stored password.
    "This link is not valid. Ask for a new one.",
    "No active user has this id.",
    "No team has this id.",
    "No active user has one of these ids.",
    "Give either ids or filter.",
    "Name at least one change.",
    "A macro needs a reply or an action.",
}


#: 400 codes for values whose validity is a signature, not a shape: a list's ``cursor`` is any
#: string to OpenAPI, but only one the API signed opens a page.
SIGNED_VALUE_CODES = {"invalid_cursor"}


def _messages(value):
    """Every message of a (possibly nested: a field holding an object) error ``fields``."""
    if isinstance(value, dict):
        for inner in value.values():
            yield from _messages(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _messages(item) if not isinstance(item, str) else [item]


def cross_field_only(response) -> bool:
    if response.status_code == 400:
        return response.json()["error"]["code"] in SIGNED_VALUE_CODES
    if response.status_code != 422:
        return response.status_code < 400 or response.status_code in (401, 403, 404, 409, 429)
    fields = response.json()["error"].get("fields") or {}
    messages = set(_messages(fields))
    return bool(messages) and messages <= UNEXPRESSIBLE_RULES


@pytest.fixture
def fresh_admin_headers(app, admin_user):
    """A new admin token per operation: an operation that revokes tokens (or the stateful
    calls it makes) cannot lock the next operation out."""
    from ticketing.accounts import services as accounts
    from ticketing.core.extensions import db
    from ticketing.models import User

    def _headers() -> dict:
        with app.app_context():
            text = accounts.create_token(db.session.get(User, admin_user.id), "fuzz")[1]
            db.session.commit()
            db.session.remove()
        return {"Authorization": f"Bearer {text}"}

    return _headers


def fuzz_operation(operation, headers: dict, counter: list[int]) -> None:
    """Run one operation's generated cases; raises with schemathesis' report on a failure."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        counter[0] += 1
        response = case.call_and_validate(
            headers=headers, excluded_checks=[positive_data_acceptance]
        )
        if case.meta is None or "positive" in str(case.meta).lower():
            assert cross_field_only(response), (
                f"schema-valid request rejected: {response.status_code} {response.text[:300]}"
            )

    run()


def test_every_operation_keeps_its_documented_contract(app, fresh_admin_headers, capsys):
    with app.app_context():
        seed(8, days=5, seed_value=3)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    requests = [0]
    failures: list[str] = []
    for operation in operations:
        try:
            fuzz_operation(operation, fresh_admin_headers(), requests)
        except BaseException as err:  # noqa: BLE001 - report every operation, then fail
            if isinstance(err, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}:\n{str(err)[:2000]}")
    with capsys.disabled():
        print(f"\nschemathesis: {len(operations)} operations, {requests[0]} requests")
    assert len(operations) >= 5
    assert not failures, "\n\n".join(failures)
