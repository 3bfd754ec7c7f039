"""Reply drafts: grounded and cited, no personal data, no internal notes, the fake Claude and
the local draft, and the outcomes behind the acceptance rate."""

from __future__ import annotations

import json

import pytest

from tests.assist.test_similar import create
from tests.classification.fake_anthropic import error, tool

CARD = "4111 1111 1111 1111"


@pytest.fixture
def resolved(client):
    """A resolved look-alike whose answer names another customer's e-mail and card."""
    old = create(client, "Charged twice", f"Charged twice on card {CARD}, refund please")
    client.post(
        f"/api/tickets/{old}/replies",
        json={"body": "Hi Bo,\nWe refunded the duplicate charge; write to bo@example.com."},
    )
    client.post(f"/api/tickets/{old}/replies", json={"body": "SECRET-NOTE", "internal": True})
    client.patch(f"/api/tickets/{old}", json={"status": "resolved"})
    return old


def new_ticket(client):
    ticket = create(
        client,
        "Double charge",
        "I was charged twice, my email is ana@example.com",
        requester_name="Ana Lima",
        requester_email="ana@example.com",
    )
    client.post(f"/api/tickets/{ticket}/replies", json={"body": "TOP-SECRET", "internal": True})
    return ticket


def draft(client, ticket):
    response = client.post(f"/api/tickets/{ticket}/draft")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_local_draft_fills_in_the_best_source_and_cites_it(client, resolved):
    ticket = new_ticket(client)
    got = draft(client, ticket)
    assert got["generator"] == "local" and got["outcome"] == "pending"
    assert got["body"].startswith("Hi Ana,\n\nWe refunded the duplicate charge")
    assert got["sources"] == [
        {"key": f"T{resolved}", "type": "ticket", "id": resolved, "title": "Charged twice"}
    ]
    for secret in (
        "bo@example.com",
        "ana@example.com",
        CARD,
        "SECRET-NOTE",
        "TOP-SECRET",
        "[EMAIL",
    ):
        assert secret not in got["body"]


def test_nothing_to_go_on_gives_an_empty_unanswered_draft(client):
    got = draft(client, create(client, "Zebra", "Quixotic xylophones"))
    assert (got["body"], got["sources"], got["answered"]) == ("", [], False)


@pytest.fixture
def claude_app(config_overrides, fake_api):
    config_overrides.update(
        ANTHROPIC_API_KEY="sk-ant-test-key", ANTHROPIC_BASE_URL=fake_api.base_url, DRAFT_TIMEOUT=2
    )
    return fake_api


def test_claude_drafts_from_delimited_redacted_sources_and_cites_only_real_ones(
    claude_app, client, resolved
):
    article = client.post(
        "/api/kb/articles",
        json={"title": "Double charges", "body": "Refunds of a double charge take 5 days.",
              "status": "published"},
    ).get_json()  # fmt: skip
    client.post("/api/kb/articles", json={"title": "Double charge draft", "body": "internal"})
    ticket = new_ticket(client)
    claude_app.script = [
        tool(
            {
                "reply": "Hola Ana, we refunded it ([EMAIL_1]). See T999.",
                "sources": [f"T{resolved}", f"A{article['id']}", "T999"],
                "answered": True,
            }
        )
    ]
    got = draft(client, ticket)
    assert got["generator"] == "claude"
    assert [s["key"] for s in got["sources"]] == [f"T{resolved}", f"A{article['id']}"]
    assert "[EMAIL_1]" not in got["body"] and "ana@example.com" not in got["body"]

    sent = claude_app.requests[-1].body
    text = json.dumps(sent)
    assert sent["tool_choice"] == {"type": "tool", "name": "propose_reply"}
    content = sent["messages"][0]["content"]
    assert f'<source key="T{resolved}"' in content and f'<source key="A{article["id"]}"' in content
    for secret in ("bo@example.com", "ana@example.com", CARD, "SECRET-NOTE", "TOP-SECRET"):
        assert secret not in text
    assert "internal" not in content.split("<sources>")[1]
    assert "<language>en</language>" in text and "don't know" in sent["system"]


def test_when_claude_fails_the_local_draft_stands_in(claude_app, client, resolved):
    claude_app.script = [error(500, "api_error")]
    got = draft(client, new_ticket(client))
    assert got["generator"] == "local" and got["sources"][0]["id"] == resolved


def test_the_fake_api_refuses_what_the_real_one_refuses(claude_app):
    import anthropic

    client = anthropic.Anthropic(api_key="k", base_url=claude_app.base_url, max_retries=0)
    bad = [
        {"messages": [{"role": "assistant", "content": "hi"}]},
        {"messages": [{"role": "user", "content": ""}]},
        {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
    ]
    for case in bad:
        with pytest.raises(anthropic.BadRequestError):
            client.messages.create(model="m", max_tokens=10, **case)


def test_outcomes_are_recorded_and_counted_per_source(client, resolved):
    first = draft(client, new_ticket(client))
    ticket = first["ticket_id"]
    client.post(f"/api/tickets/{ticket}/replies", json={"body": first["body"]})
    second = draft(client, ticket)
    client.post(f"/api/tickets/{ticket}/replies", json={"body": second["body"] + " Thanks!"})
    third = draft(client, ticket)
    assert client.post(f"/api/drafts/{third['id']}/discard").status_code == 200
    assert client.post(f"/api/drafts/{third['id']}/discard").status_code == 409
    assert client.post("/api/drafts/999999/discard").status_code == 404

    stats = client.get("/api/drafts/acceptance").get_json()
    row = next(r for r in stats["by_source"] if r["key"] == "ticket")
    assert (row["sent_unchanged"], row["edited"], row["discarded"]) == (1, 1, 1)
    assert row["acceptance"] == pytest.approx(2 / 3, abs=1e-3)
    assert row["mean_edit_distance"] == 8.0
    assert stats["by_generator"][0]["key"] == "local"


def macro(client, name, body, **extra):
    response = client.post("/api/macros", json={"name": name, "body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_matching_macro_is_a_source_filled_in_for_the_ticket(client):
    refund = macro(
        client,
        "Double charge refund",
        "Hi {requester_name},\nWe refunded the double charge on ticket {ticket_id}.",
        shared=True,
    )
    macro(client, "Password reset", "Use the reset link on the sign-in page.", shared=True)
    macro(client, "Internal: charge check", "double charge: check Stripe", internal=True)
    ticket = new_ticket(client)
    got = draft(client, ticket)
    assert got["sources"] == [
        {"key": f"M{refund}", "type": "macro", "id": refund, "title": "Double charge refund"}
    ]
    assert got["body"] == f"Hi Ana,\n\nWe refunded the double charge on ticket {ticket}."
    assert "Stripe" not in got["body"]

    client.post(f"/api/tickets/{ticket}/replies", json={"body": got["body"]})
    stats = client.get("/api/drafts/acceptance").get_json()
    row = next(r for r in stats["by_source"] if r["key"] == "macro")
    assert (row["sent_unchanged"], row["acceptance"]) == (1, 1.0)


def test_another_agent_s_personal_macro_is_not_offered(client, agent_client):
    macro(client, "Double charge refund", "We refunded the double charge.")  # personal
    got = draft(agent_client, new_ticket(client))
    assert all(s["type"] != "macro" for s in got["sources"])


def test_claude_sees_macros_as_sources_and_may_cite_them(claude_app, client):
    refund = macro(
        client, "Double charge refund", "We refunded the double charge, {requester_name}.",
        shared=True,
    )  # fmt: skip
    ticket = new_ticket(client)
    claude_app.script = [
        tool({"reply": "Hi Ana, we refunded it.", "sources": [f"M{refund}"], "answered": True})
    ]
    got = draft(client, ticket)
    assert [s["key"] for s in got["sources"]] == [f"M{refund}"]
    content = claude_app.requests[-1].body["messages"][0]["content"]
    assert f'<source key="M{refund}" type="macro"' in content
    assert "We refunded the double charge, Ana Lima." in content


def test_drafts_and_summaries_go_through_the_claude_circuit_breaker(
    config_overrides, claude_app, client, app, resolved
):
    """An unavailable Claude counts toward the breaker shared with triage; once it is open, a
    draft or summary answers locally at once instead of waiting on its timeouts."""
    from ticketing.core import breaker

    app.config["CLAUDE_BREAKER_FAILURES"] = 2
    claude_app.answer(error(529, "overloaded_error"))
    ticket = new_ticket(client)
    assert draft(client, ticket)["generator"] == "local"
    assert draft(client, ticket)["generator"] == "local"
    with app.app_context():
        assert breaker.state()["state"] == "open"
    calls = claude_app.count
    assert draft(client, ticket)["generator"] == "local"
    for n in range(4):
        client.post(f"/api/tickets/{ticket}/replies", json={"body": f"Any news? ({n})"})
    summary = client.get(f"/api/tickets/{ticket}/summary")
    assert summary.status_code == 200 and summary.get_json()["generator"] == "local"
    assert claude_app.count == calls  # neither called Claude while the breaker was open
    assert client.get("/api/health").get_json()["checks"]["claude"]["status"] == "circuit_open"
