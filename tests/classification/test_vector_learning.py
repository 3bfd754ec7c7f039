"""The learner on sentence embeddings: the same take-over rules as the pure-Python one, its
model stored in the database, and the evaluate command comparing the two."""

from __future__ import annotations

import json

import pytest

from ticketing.classification import learner, learning, vector_learner

from .test_learner import team_rows, write_rows
from .test_learning import correct_tickets, triage


@pytest.fixture
def config_overrides():
    return {"EMBEDDINGS": "auto"}


def test_on_embeddings_the_learner_takes_over_and_answers_in_the_team_s_words(
    app, client, runner, make_ticket
):
    correct_tickets(client, team_rows(60, seed=11))
    result = runner.invoke(args=["tickets", "learn"])
    assert result.exit_code == 0, result.output
    card = client.get("/api/classification/learner").get_json()
    assert card["engine"] == vector_learner.ENGINE
    category = next(f for f in card["fields"] if f["field"] == "category")
    assert category["active"] == "learned" and category["engine"] == vector_learner.ENGINE
    assert category["accuracy"] > category["rules_accuracy"] + 0.2

    health = client.get("/api/health").get_json()["checks"]["learner"]
    assert health["fields"]["category"] == "learned"
    assert health["embeddings"]["active"] is True

    ticket = triage(client, make_ticket, "the self-service kiosk is frozen, what now")
    assert ticket["category"] == "technical"
    assert ticket["category_source"] == "learned"


def test_a_vector_model_survives_storage(app):
    rows = team_rows(80)
    examples = [learner.Example(**row) for row in rows]
    with app.app_context():
        rules = [learner.rules_answer("", r["body"]) for r in rows]
        vectors = learning.embed_rows([("", r["body"]) for r in rows])
        model = vector_learner.train(examples, vectors, rules)
        stored = learning.load(model.to_bytes())
        probe = "a question about my gift voucher"
        rule = learner.rules_answer("", probe)
        assert (
            stored.predict("", probe, rule)["category"]
            == model.predict("", probe, rule)["category"]
        )
        assert stored.predict("", probe, rule)["category"][0] == "billing"


def test_with_the_model_gone_a_stored_vector_model_hands_the_field_to_the_rules(
    app, client, runner
):
    correct_tickets(client, team_rows(60, seed=11))
    runner.invoke(args=["tickets", "learn"])
    with app.app_context():
        assert "category" in learning.active_models(app)
    # Another process (a web dyno, say) where the model package is not installed.
    app.extensions.pop(learning.CACHE_KEY)
    app.extensions["embeddings"] = {"embedder": None, "reason": "gone", "lock": None}
    with app.app_context():
        assert learning.active_models(app) == {}


def test_evaluate_learns_on_either_engine(app, runner, tmp_path):
    path = write_rows(tmp_path / "team.csv", team_rows(120, seed=3))
    curves = {}
    for engine in ("tfidf", "embeddings"):
        result = runner.invoke(
            args=["tickets", "evaluate", path, "--learn", "40,80", "--engine", engine, "--json"]
        )
        assert result.exit_code == 0, result.output
        curves[engine] = json.loads(result.output)["learning_curve"]
    assert {p["engine"] for p in curves["tfidf"]} == {learner.ENGINE}
    assert {p["engine"] for p in curves["embeddings"]} == {vector_learner.ENGINE}
    for point in curves["embeddings"]:
        assert point["category"]["macro_f1"] > 0.9


def test_evaluate_refuses_the_embeddings_engine_without_the_model(app, runner, tmp_path):
    app.config["EMBEDDINGS"] = "off"
    path = write_rows(tmp_path / "team.csv", team_rows(60))
    result = runner.invoke(args=["tickets", "evaluate", path, "--learn", "20", "--engine",
                                 "embeddings"])  # fmt: skip
    assert result.exit_code != 0
    assert "needs onnxruntime" in result.output


def test_few_shot_examples_are_the_nearest_in_meaning(app, client):
    """With the model installed, Claude's examples are picked by embedding cosine: a corrected
    ticket that shares no word with the new one but means the same comes first."""
    from ticketing.classification import examples

    same = [
        ("Billed two times", "You took the money from me on two occasions.", "billing"),
        ("Dark theme", "Please add a dark mode to the dashboard.", "general"),
        ("Cannot sign in", "The login page keeps rejecting my password.", "account"),
    ]
    ids = {}
    for subject, body, category in same:
        response = client.post(
            "/api/tickets", json={"subject": subject, "body": body, "category": category}
        )
        ids[category] = response.get_json()["id"]
    with app.app_context():
        source = examples.example_source(app)
        assert isinstance(source, examples.NearestByVector)
        found = source.nearest("Duplicate charge", "My card was charged twice for one order.", 2)
        assert found[0].ticket_id == ids["billing"] and found[0].category == "billing"
        assert ids["billing"] not in [
            e.ticket_id
            for e in source.nearest("Duplicate charge", "Charged twice.", 3, ids["billing"])
        ]
