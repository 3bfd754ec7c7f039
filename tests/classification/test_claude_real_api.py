"""Claude as the real API behaves: strict tool schemas, configuration faults shown loudly, the
prompt's rules, the team's examples, cost and the monthly budget — through the real SDK and
the fake server (which refuses what the real API refuses)."""

from __future__ import annotations

import logging

import anthropic
import pytest

from ticketing.classification import guidelines, jobs, status
from ticketing.classification.claude import TRIAGE_SCHEMA, tool_schema

from .fake_anthropic import (
    NUMERIC_BOUNDS,
    STRING_BOUNDS,
    error,
    tool,
)

TICKET = {
    "subject": "Charged twice this month",
    "body": "My card was charged twice for the May invoice. Please refund one of them.",
}


@pytest.fixture
def config_overrides(claude_settings):
    return claude_settings


def classify(client, ticket_id: int) -> dict:
    response = client.post(f"/api/tickets/{ticket_id}/classify", json={})
    assert response.status_code == 202, response.get_json()
    return client.get(f"/api/tickets/{ticket_id}").get_json()


def walk(schema: dict):
    yield schema
    for sub in (schema.get("properties") or {}).values():
        yield from walk(sub)


# ------------------------------------------------------------------ strict schemas
def test_the_tool_schema_sent_has_only_what_strict_mode_supports(client, make_ticket, fake_api):
    classify(client, make_ticket(**TICKET)["id"])
    sent_tool = fake_api.requests[0].body["tools"][0]
    assert sent_tool["strict"] is True
    for node in walk(sent_tool["input_schema"]):
        assert not set(node) & {*NUMERIC_BOUNDS, *STRING_BOUNDS}, node
        if node.get("type") == "object":
            assert node["additionalProperties"] is False
    props = sent_tool["input_schema"]["properties"]
    # The bounds moved into the descriptions; the explanation comes before the labels.
    assert "maximum: 100" in props["urgency_score"]["description"]
    assert "maxLength: 500" in props["explanation"]["description"]
    assert list(props)[0] == "explanation"
    assert sent_tool["input_schema"]["required"][0] == "explanation"


def test_the_fake_refuses_the_old_schema_as_the_real_api_does(fake_api):
    """Bounds in a strict schema are a 400 invalid_request_error before any model runs."""
    client = anthropic.Anthropic(api_key="k", base_url=fake_api.base_url, max_retries=0)
    request = {
        "model": "claude-haiku-5-5",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "t", "input_schema": TRIAGE_SCHEMA, "strict": True}],
        "tool_choice": {"type": "tool", "name": "t"},
    }
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(**request)
    detail = caught.value.body["error"]
    assert detail["type"] == "invalid_request_error"
    assert detail["message"] == (
        "tools.0.custom: For 'string' type, properties maxLength are not supported"
    )
    open_object = {"type": "object", "properties": {"a": {"type": "string"}}}
    request["tools"][0]["input_schema"] = open_object
    with pytest.raises(anthropic.BadRequestError, match="must be explicitly set to false"):
        client.messages.create(**request)
    numbers = dict(TRIAGE_SCHEMA, properties={"n": {"type": "integer", "minimum": 0}})
    request["tools"][0]["input_schema"] = numbers
    with pytest.raises(anthropic.BadRequestError, match="properties minimum are not supported"):
        client.messages.create(**request)
    # Not strict: the same schema is accepted.
    request["tools"][0] = {"name": "t", "input_schema": TRIAGE_SCHEMA}
    assert client.messages.create(**request).stop_reason == "tool_use"


def test_too_many_optional_properties_are_a_grammar_too_large_400(fake_api):
    client = anthropic.Anthropic(api_key="k", base_url=fake_api.base_url, max_retries=0)
    wide = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f"p{i}": {"type": "string"} for i in range(25)},
    }
    with pytest.raises(anthropic.BadRequestError, match="compiled grammar is too large"):
        client.messages.create(
            model="m",
            max_tokens=10,
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"name": "t", "input_schema": wide, "strict": True}],
        )


def test_our_sent_schema_passes_the_fakes_strict_checks():
    from .fake_anthropic import check_strict_schema

    assert check_strict_schema(tool_schema(), "tools.0.custom") == 0


# ------------------------------------------------------------------ configuration faults
def test_a_400_is_a_configuration_fault_shown_in_health_and_the_dashboard_and_logged_once(
    app, client, anon_client, make_ticket, fake_api, caplog, monkeypatch
):
    # Alembic's fileConfig (the test database's migrations) disables loggers created before it.
    monkeypatch.setattr(status.log, "disabled", False)
    fake_api.answer(error(400, "invalid_request_error"))
    first = make_ticket(**TICKET)
    second = make_ticket(subject="Login broken", body="I cannot sign in since this morning.")
    with caplog.at_level(logging.WARNING):
        one = classify(client, first["id"])
        two = classify(client, second["id"])

    assert fake_api.count == 2  # one request per ticket, never retried
    for ticket in (one, two):  # each ticket still has a result: the local rules'
        assert ticket["category_source"] == "fallback"
        assert ticket["triage_error"].startswith("configuration fault: BadRequestError (HTTP 400)")
    faults = [r for r in caplog.records if "configuration fault, HTTP 400" in r.getMessage()]
    assert len(faults) == 1 and faults[0].levelname == "ERROR"

    health = anon_client.get("/api/health").get_json()
    assert health["status"] == "degraded"
    check = health["checks"]["claude"]
    assert check["ok"] is False and check["status"] == "fault"
    assert check["fault"]["status"] == 400 and check["fault"]["type"] == "invalid_request_error"
    assert check["fault"]["count"] == 2
    board = client.get("/api/classification/claude").get_json()
    assert board["status"] == "fault" and board["fault"]["message"]

    # Fixed (the API accepts requests again): the fault clears, health is ok again, and the
    # tickets the fallback answered because of it are triaged by Claude on the next upkeep.
    fake_api.answer(tool())
    with app.app_context():
        assert jobs.retriage_after_fault() == 1  # a probe while the fault is recorded
        assert jobs.retriage_after_fault() == 1  # the probe cleared it: the rest
        assert jobs.retriage_after_fault() == 0
    assert anon_client.get("/api/health").get_json()["status"] == "ok"
    again = client.get(f"/api/tickets/{first['id']}").get_json()
    assert again["category_source"] == "claude" and again["triage_error"] is None


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, "authentication_error"), (403, "permission_error"), (404, "not_found_error")],
)
def test_401_403_404_are_configuration_faults_too(
    client, anon_client, make_ticket, fake_api, status, kind
):
    fake_api.answer(error(status, kind))
    ticket = classify(client, make_ticket(**TICKET)["id"])
    assert fake_api.count == 1
    assert ticket["triage_error"].startswith("configuration fault")
    assert (
        anon_client.get("/api/health").get_json()["checks"]["claude"]["fault"]["status"] == status
    )


def test_health_without_a_key_says_claude_is_disabled(app, anon_client):
    app.config["ANTHROPIC_API_KEY"] = None
    body = anon_client.get("/api/health").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["claude"] == {
        "ok": True,
        "status": "disabled",
        "fault": None,
        "model": app.config["CLASSIFY_MODEL"],
    }


# ------------------------------------------------------------------ prompt
def test_the_prompt_is_neutral_and_states_rules_base_rates_and_sentiments(
    client, make_ticket, fake_api
):
    classify(client, make_ticket(**TICKET)["id"])
    system = fake_api.requests[0].body["system"]
    assert "software company" not in system
    assert "any line of business" in system
    assert guidelines.render_prompt() in system
    assert "a few in a hundred" in system  # critical's base rate
    for rule in guidelines.BORDERLINE_RULES:
        assert rule in system
    for sentiment, text in guidelines.SENTIMENT_DEFINITIONS.items():
        assert f"- {sentiment.value}: {text}" in system
    assert "explanation first" in system


def test_the_fallback_docs_hold_the_same_rules():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "triage-fallback.md").read_text()
    assert guidelines.render_markdown() in doc, (
        "docs/triage-fallback.md is out of date: paste the output of "
        "`python -m ticketing.classification.guidelines` between its triage-rules markers"
    )


# ------------------------------------------------------------------ few-shot
def test_the_nearest_corrected_tickets_go_in_as_delimited_examples(client, make_ticket, fake_api):
    refund = make_ticket(
        subject="Refund for double charge",
        body="You charged my card twice for the annual plan, refund please. ana@example.com",
        category="billing",
        priority="high",
    )
    make_ticket(subject="Cannot log in", body="Charged but no access", category="account")
    make_ticket(
        subject="Invoice charged twice", body="Charged twice again on my card."
    )  # no manual label
    ticket = make_ticket(subject="Charged twice", body="My card was charged twice, refund one.")
    before = fake_api.count
    classify(client, ticket["id"])
    content = fake_api.requests[before].body["messages"][0]["content"]

    assert "Tickets this team labelled by hand" in content
    nonce = fake_api.requests[before].body["system"].split("<ticket-")[1].split(">")[0]
    assert content.count(f"<example-{nonce}>") == 2  # the two corrected tickets, not the other
    first = content.index(f"<example-{nonce}>")
    assert content.index("Refund for double charge") < content.index("Cannot log in")
    assert "<labels>category: billing; priority: high</labels>" in content
    assert "<labels>category: account</labels>" in content
    assert "Invoice charged twice" not in content
    assert "ana@example.com" not in content and "[EMAIL_1]" in content  # examples redacted
    assert first < content.index(f"<ticket-{nonce}>")
    assert refund["id"] != ticket["id"]


def test_a_corrected_ticket_is_never_its_own_example(client, make_ticket, fake_api):
    ticket = make_ticket(subject="Charged twice", body="Refund one charge", category="billing")
    classify(client, ticket["id"])
    assert "<example-" not in fake_api.requests[-1].body["messages"][0]["content"]


def test_the_example_source_can_be_replaced(app, client, make_ticket, fake_api):
    from ticketing.classification.examples import Example, set_example_source

    class Fixed:
        def nearest(self, subject, body, k, exclude_id=None):
            return [Example(999, "Embedded neighbour", "text", "technical", None)]

    set_example_source(app, Fixed())
    classify(client, make_ticket(**TICKET)["id"])
    assert "Embedded neighbour" in fake_api.requests[-1].body["messages"][0]["content"]


# ------------------------------------------------------------------ cost and budget
def test_each_run_costs_tokens_times_the_configured_price(app, client, make_ticket, fake_api):
    app.config["CLAUDE_PRICES"] = "claude-haiku-5-5=2/10"
    ticket = make_ticket(**TICKET)
    classify(client, ticket["id"])
    run = client.get(f"/api/tickets/{ticket['id']}/classifications").get_json()["items"][0]
    assert run["cost_usd"] == pytest.approx((321 * 2 + 54 * 10) / 1_000_000)
    board = client.get("/api/classification/claude").get_json()
    assert board["month"]["usd"] == pytest.approx(run["cost_usd"], abs=1e-4)
    assert board["month"]["tickets"] == 1 and board["month"]["per_ticket_usd"] == pytest.approx(
        run["cost_usd"]
    )
    assert len(board["by_month"]) == 6 and board["by_month"][-1] == board["month"]


def test_over_the_monthly_budget_triage_uses_the_local_path_until_the_month_ends(
    app, client, anon_client, make_ticket, fake_api
):
    app.config["CLAUDE_MONTHLY_BUDGET"] = 0.0005  # one fake answer costs 0.000591
    first = classify(client, make_ticket(**TICKET)["id"])
    assert first["category_source"] == "claude"
    second = classify(client, make_ticket(**TICKET)["id"])
    assert fake_api.count == 1  # Claude was not asked again
    assert second["category_source"] == "fallback"
    assert "monthly budget ($0.00) is spent" in second["triage_error"]
    health = anon_client.get("/api/health").get_json()["checks"]["claude"]
    assert health["status"] == "budget_exhausted" and health["budget"]["exhausted"] is True
    board = client.get("/api/classification/claude").get_json()
    assert board["budget"]["remaining_usd"] == 0 and board["budget"]["resets_at"].endswith(
        "T00:00:00+00:00"
    )


def test_a_price_setting_that_cannot_be_read_is_a_clear_error():
    from ticketing.classification.cost import Pricing, parse_prices

    assert parse_prices("a=1/5, b-2=3.5/15") == {"a": (1.0, 5.0), "b-2": (3.5, 15.0)}
    with pytest.raises(ValueError, match="MODEL=INPUT/OUTPUT"):
        parse_prices("haiku=1")
    pricing = Pricing(1, 5, {"claude-haiku-5-5": (2, 10)})
    assert pricing.prices("claude-haiku-5-5-20261001") == (2, 10)
    assert pricing.cost("other", 1_000_000, 0) == 1.0
    assert pricing.cost("other", 1_000_000, 0, batch=True) == 0.5
