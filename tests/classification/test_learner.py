"""The learner: trained on the team's corrections, it picks up what the rules do not know."""

from __future__ import annotations

import csv
import json
import random

from ticketing.classification import learner

#: A team whose own taxonomy the rules cannot know: questions about "vouchers" are billing,
#: anything about the "kiosk" is technical, "badge" requests are account, "parking" general.
TEAM_TOPICS = {
    "billing": ["voucher", "gift voucher", "voucher code"],
    "technical": ["kiosk", "self-service kiosk", "kiosk screen"],
    "account": ["badge", "member badge", "badge renewal"],
    "general": ["parking", "parking spot", "car park"],
}
PRIORITY_OF = {"billing": "low", "technical": "high", "account": "medium", "general": "low"}
TEMPLATES = [
    "question about the {t}",
    "I have a question regarding my {t}",
    "could someone look at the {t} please",
    "what should I do about the {t}?",
    "the {t} again, can you help",
    "hello, about the {t} from last week",
]


def team_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        category = rng.choice(sorted(TEAM_TOPICS))
        text = rng.choice(TEMPLATES).format(t=rng.choice(TEAM_TOPICS[category]))
        rows.append(
            {"subject": "", "body": text, "category": category, "priority": PRIORITY_OF[category]}
        )
    return rows


def write_rows(path, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["subject", "body", "category", "priority"])
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_a_model_learns_the_team_taxonomy_and_survives_storage():
    examples = [learner.Example(**row) for row in team_rows(80)]
    model = learner.train(examples)
    assert model.counts == {"category": 80, "priority": 80}
    stored = learner.LearnedModel.from_bytes(model.to_bytes())
    for probe, category in [
        ("my voucher code was not accepted", "billing"),
        ("the kiosk froze", "technical"),
        ("lost my member badge", "account"),
        ("where is the car park", "general"),
    ]:
        label, probability = stored.predict("", probe, learner.rules_answer("", probe))["category"]
        assert label == category, probe
        assert 0.25 < probability <= 1.0
    assert stored.predict("", "kiosk froze", ("general", "low"))["priority"][0] == "high"


def test_a_field_with_one_label_gets_no_model():
    model = learner.train([learner.Example("", "a kiosk", "technical"), learner.Example("", "b")])
    assert model.fields == {}
    assert model.counts == {"category": 1, "priority": 0}


def test_evaluate_learn_prints_a_learning_curve(runner, tmp_path):
    path = write_rows(tmp_path / "team.csv", team_rows(120))
    args = ["tickets", "evaluate", path, "--learn", "60,20,5000", "--seed", "3", "--json"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    curve = figures["learning_curve"]
    # sorted, and a size that leaves nothing to score is left out
    assert [p["corrections"] for p in curve] == [20, 60]
    assert [p["n_scored"] for p in curve] == [100, 60]
    for point in curve:
        for name in ("category", "priority"):
            assert set(point[name]) == {"macro_f1", "accuracy"}
    # the rules cannot know this team's taxonomy; 60 corrections teach it
    assert figures["category.macro_f1"] < 0.6
    assert curve[-1]["category"]["macro_f1"] >= 0.95
    assert curve[-1]["priority"]["accuracy"] >= 0.95
    # the same seed gives the same curve
    again = json.loads(runner.invoke(args=args).output)["learning_curve"]
    assert again == curve


def test_evaluate_learn_human_report_and_bad_sizes(runner, tmp_path):
    path = write_rows(tmp_path / "team.csv", team_rows(40))
    result = runner.invoke(args=["tickets", "evaluate", path, "--learn", "10,20"])
    assert result.exit_code == 0, result.output
    assert "Learning curve" in result.output
    bad = runner.invoke(args=["tickets", "evaluate", path, "--learn", "ten"])
    assert bad.exit_code != 0
    assert "--learn takes numbers" in bad.output
