"""Personal data withheld before text leaves (and restored in what returns, audited), and the
ticket's language: detected locally, stored, filterable, confirmed by Claude, and said by the
fallback instead of a confident guess."""

from __future__ import annotations

import pytest

from ticketing.classification import fallback
from ticketing.classification.redact import Redactor, iban_ok, luhn_ok

from .fake_anthropic import tool

SECRETS = {
    "email": "ana.lopez+shop@example.co.uk",
    "phone": "+44 20 7946 0958",
    "card": "4111 1111 1111 1111",
    "iban": "DE89 3704 0044 0532 0130 00",
    "secret": "sk-ant-api03-abcdefghijklmnopqrstuvwx",
}
BODY = (
    f"Hi, I'm {SECRETS['email']}, call {SECRETS['phone']}. My card {SECRETS['card']} was "
    f"charged twice; refund to {SECRETS['iban']}. Our key {SECRETS['secret']} also fails."
)


# ------------------------------------------------------------------ the redactor
def test_each_kind_gets_a_typed_placeholder_and_the_same_value_the_same_one():
    r = Redactor()
    out = r.redact(BODY + f" Again: {SECRETS['email']}.")
    for value in SECRETS.values():
        assert value not in out
    assert out.count("[EMAIL_1]") == 2 and "[EMAIL_2]" not in out
    for placeholder in ("[PHONE_1]", "[CARD_1]", "[IBAN_1]", "[SECRET_1]"):
        assert placeholder in out
    assert r.kinds == ["secret", "email", "iban", "card", "phone"]
    assert r.restore("Refund [CARD_1] for [EMAIL_1]; [CARD_9] stays") == (
        f"Refund {SECRETS['card']} for {SECRETS['email']}; [CARD_9] stays"
    )


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "IBAN DE89 3704 0044 0532 0130 01",  # fails the mod-97 check
        "order 113542617735902 and ticket 4521",  # bare numbers are not phones or cards
        "on 2026-11-29 at 10:30, invoice 29.11.2026",  # dates
        "error code 0x80070005 in build 1.2.3",
    ],
)
def test_lookalikes_are_left_alone(text):
    r = Redactor()
    assert r.redact(text) == text and r.kinds == []


def test_checksums():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")


def test_tokens_by_shape():
    r = Redactor()
    text = (
        "ghp_abcdefghijklmnopqrstuvwxyz0123 AKIAABCDEFGHIJKLMNOP tkt_AbCd1234efgh5678ijkl "
        "Authorization: Bearer abcdefABCDEF0123456789xyz. "
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlF"
    )
    out = r.redact(text)
    assert [p for p in out.split() if p.startswith("[SECRET_")] == [
        "[SECRET_1]",
        "[SECRET_2]",
        "[SECRET_3]",
        "[SECRET_4].",
        "[SECRET_5]",
    ]


def test_off_means_off():
    r = Redactor(enabled=False)
    assert r.redact(BODY) == BODY and r.kinds == []


# ------------------------------------------------------------------ through triage
@pytest.fixture
def config_overrides(claude_settings):
    return claude_settings


def test_pii_never_leaves_is_restored_in_the_answer_and_audited(client, make_ticket, fake_api):
    fake_api.answer(
        tool(
            explanation="Card [CARD_1] charged twice; refund to [IBAN_1].",
            suggested_title="Double charge for [EMAIL_1]",
        )
    )
    ticket = make_ticket(subject=f"Charged twice ({SECRETS['email']})", body=BODY)
    client.post(f"/api/tickets/{ticket['id']}/classify", json={})

    sent = str(fake_api.requests[0].body)
    for value in SECRETS.values():
        assert value not in sent
    assert "[EMAIL_1]" in sent and "[CARD_1]" in sent

    stored = client.get(f"/api/tickets/{ticket['id']}").get_json()
    assert stored["explanation"] == (
        f"Card {SECRETS['card']} charged twice; refund to {SECRETS['iban']}."
    )
    assert stored["suggested_title"] == f"Double charge for {SECRETS['email']}"
    run = client.get(f"/api/tickets/{ticket['id']}/classifications").get_json()["items"][0]
    assert run["redacted"] == ["secret", "email", "iban", "card", "phone"]
    events = client.get(f"/api/tickets/{ticket['id']}/events").get_json()["items"]
    withheld = [e for e in events if e["action"] == "pii_withheld"]
    assert len(withheld) == 1
    assert withheld[0]["new_value"] == "secret,email,iban,card,phone"
    assert withheld[0]["actor_type"] == "triage"
    for value in SECRETS.values():  # the trail names kinds, never values
        assert value not in str(withheld)


def test_redaction_can_be_switched_off(app, client, make_ticket, fake_api):
    app.config["CLAUDE_REDACT_PII"] = False
    ticket = make_ticket(subject="Charged twice", body=BODY)
    client.post(f"/api/tickets/{ticket['id']}/classify", json={})
    assert SECRETS["card"] in str(fake_api.requests[0].body)
    events = client.get(f"/api/tickets/{ticket['id']}/events").get_json()["items"]
    assert not [e for e in events if e["action"] == "pii_withheld"]


def test_live_suggestions_are_redacted_too(client, fake_api):
    answer = client.post("/api/classify", json={"subject": "Refund", "body": BODY}).get_json()
    assert SECRETS["card"] not in str(fake_api.requests[0].body)
    assert answer["redacted"] == ["secret", "email", "iban", "card", "phone"]
    assert answer["language"] == "en"


def test_claude_confirms_or_corrects_the_language(client, make_ticket, fake_api):
    fake_api.answer(tool(language="pt"))
    ticket = make_ticket(subject="Fatura", body="A fatura está errada")
    assert ticket["language"] == "pt"
    fake_api.answer(tool(language="es"))
    client.post(f"/api/tickets/{ticket['id']}/classify", json={})
    assert client.get(f"/api/tickets/{ticket['id']}").get_json()["language"] == "es"
    assert "(detected language: pt)" in fake_api.requests[-1].body["messages"][0]["content"]


# ------------------------------------------------------------------ language
LANGUAGE_TICKETS = [
    ("en", "Where is my order?", "I ordered a week ago and nothing has arrived yet."),
    ("de", "Rechnung falsch", "Meine Rechnung für November ist zu hoch, bitte prüfen."),
    ("fr", "Commande", "Je n'ai toujours pas reçu ma commande, pouvez-vous vérifier ?"),
    ("es", "Pedido", "Todavía no recibí mi pedido, ¿pueden revisarlo por favor?"),
]


def test_every_ticket_gets_its_language_and_the_list_filters_by_it(app, client, make_ticket):
    app.config["ANTHROPIC_API_KEY"] = None
    made = {lang: make_ticket(subject=s, body=b) for lang, s, b in LANGUAGE_TICKETS}
    for lang, ticket in made.items():
        assert ticket["language"] == lang
    listed = client.get("/api/tickets?language=fr,ES").get_json()
    assert sorted(t["language"] for t in listed["items"]) == ["es", "fr"]
    bad = client.get("/api/tickets?language=french")
    assert bad.status_code == 422 and "language" in bad.get_json()["error"]["fields"]
    stats = client.get("/api/stats?language=de").get_json()
    assert stats["total"] == 1
    # An edit of the text detects again.
    en = made["en"]
    client.patch(
        f"/api/tickets/{en['id']}",
        json={"subject": "Commande perdue", "body": "Où est ma commande ? Je n'ai rien reçu."},
    )
    assert client.get(f"/api/tickets/{en['id']}").get_json()["language"] == "fr"


def test_tickets_without_a_language_get_one_from_upkeep_without_touching_updated_at(
    app, client, runner
):
    runner.invoke(args=["tickets", "seed", "--count", "30"])  # bulk insert: no save events
    before = client.get("/api/tickets?per_page=100").get_json()["items"]
    assert {t["language"] for t in before} == {None}
    with app.app_context():
        from ticketing.core.upkeep import run_all

        report = run_all()
    assert report["languages_detected"] == 30
    after = {t["id"]: t for t in client.get("/api/tickets?per_page=100").get_json()["items"]}
    assert all(after[t["id"]]["language"] for t in before)
    assert all(after[t["id"]]["updated_at"] == t["updated_at"] for t in before)
    events = client.get(f"/api/tickets/{before[0]['id']}/events").get_json()["items"]
    assert not [e for e in events if e.get("field") == "language"]


def test_the_fallback_says_when_a_ticket_is_not_english_instead_of_guessing(app):
    with app.app_context():
        french = fallback.classify("Remboursement", "Je veux être remboursé, la facture est fausse")
        german = fallback.classify("Rechnung", "Die Rechnung ist falsch, bitte erstatten.")
        english = fallback.classify("Refund", "I want a refund for the wrong invoice please")
    assert french.language == "fr" and french.confidence <= 0.3
    assert french.explanation.startswith("Written in French (fr), which the local rules do not")
    assert german.language == "de" and german.confidence <= 0.6
    assert german.explanation.startswith("Written in German")
    assert english.language == "en" and not english.explanation.startswith("Written in")
    # Outside an app, with the language given, the same note.
    assert fallback.classify("x", "y", language="pl").explanation.startswith("Written in Polish")


def test_the_language_benchmark_runs_in_smoke_mode():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "bench" / "language.py"
    done = subprocess.run(
        [sys.executable, str(script), "--smoke"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("lingua-low"))
    multilingual = float(row.split()[2])
    assert multilingual >= 0.9, done.stdout
