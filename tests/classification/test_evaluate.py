"""Scoring a classifier on a labelled CSV, directly and through `flask tickets evaluate`."""

from __future__ import annotations

import json

import pytest

from ticketing.classification.evaluate import (
    EvaluationError,
    evaluate,
    evaluate_file,
    read_labelled_csv,
)
from ticketing.classification.registry import ClassifierUnavailable, build_classifier
from ticketing.classification.result import TriageResult


def write(tmp_path, text: str, name: str = "tickets.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def fixed(category: str, priority: str = "medium"):
    """A stub classifier that always answers the same."""

    def classify(subject: str, body: str) -> TriageResult:
        return TriageResult(category, priority, "neutral", 50, 0.5, "stub", "t", "fallback")

    return classify


def by_keyword(subject: str, body: str) -> TriageResult:
    text = f"{subject} {body}".lower()
    category = "billing" if "refund" in text else "technical" if "crash" in text else "general"
    return TriageResult(category, "high", "neutral", 50, 0.5, "kw", "t", "fallback")


def test_metrics_are_computed_exactly(tmp_path):
    path = write(
        tmp_path,
        "subject,body,category,priority\n"
        "a,refund please,billing,high\n"
        "b,app crash,technical,high\n"
        "c,refund now,billing,low\n"
        "d,crash again,general,\n",
    )
    figures = evaluate_file(path, by_keyword)
    assert figures["n"] == 4
    assert figures["category.accuracy"] == 0.75
    per_class = figures["category.per_class"]
    assert per_class["billing"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support": 2,
        "predicted": 2,
    }
    assert per_class["technical"]["precision"] == 0.5
    assert per_class["technical"]["recall"] == 1.0
    assert per_class["general"]["recall"] == 0.0
    # macro over billing, technical, general (account never occurs): (1 + 2/3 + 0) / 3
    assert figures["category.macro_f1"] == pytest.approx(0.5556, abs=1e-4)
    assert figures["category.confusion"]["general"]["technical"] == 1
    # priority is scored only on the 3 rows that have one
    assert figures["priority.n"] == 3
    assert figures["priority.accuracy"] == pytest.approx(0.6667, abs=1e-4)
    assert figures["priority.confusion"]["low"]["high"] == 1
    assert figures["tickets_per_second"] > 0


def test_priority_is_absent_when_the_file_has_no_priority_values(tmp_path):
    path = write(tmp_path, "subject,body,category,priority\nx,refund,billing,\n")
    figures = evaluate_file(path, by_keyword)
    assert not any(key.startswith("priority.") for key in figures)


def test_header_is_case_and_order_insensitive_and_extra_columns_are_ignored(tmp_path):
    path = write(tmp_path, "\ufeffID,Category,Body,Subject\n1,Billing,refund,x\n")
    tickets = list(read_labelled_csv(path))
    assert tickets[0].category == "billing" and tickets[0].body == "refund"


def test_rows_are_streamed_not_loaded_up_front(tmp_path):
    path = write(tmp_path, "subject,body,category\n" + "s,b,general\n" * 3 + "s,b,nonsense\n")
    rows = read_labelled_csv(path)
    assert next(rows).category == "general"  # read before the bad line is reached
    with pytest.raises(EvaluationError, match="line 5"):
        list(rows)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("subject,text,label\nx,y,billing\n", "header lacks column"),
        ("subject,body,category\nx,y,hardware\n", "line 2: category 'hardware' is not one of"),
        ("subject,body,category\nx,y,\n", "line 2: category is empty"),
        ("subject,body,category,priority\nx,y,billing,p0\n", "priority 'p0'"),
        ("subject,body,category\n", "no rows"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(EvaluationError, match=message):
        evaluate_file(path, fixed("general"))


def test_missing_and_binary_files_raise_a_clear_error(tmp_path):
    with pytest.raises(EvaluationError, match="cannot open"):
        evaluate_file(tmp_path / "nope.csv", fixed("general"))
    binary = tmp_path / "blob.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage\x00")
    with pytest.raises(EvaluationError, match="UTF-8"):
        evaluate_file(binary, fixed("general"))


def test_out_of_taxonomy_predictions_are_scored_as_general(tmp_path):
    path = write(tmp_path, "subject,body,category\nx,y,general\n")
    figures = evaluate(read_labelled_csv(path), fixed("hacked"))
    assert figures["category.accuracy"] == 1.0


def test_registry_builds_the_fallback_and_refuses_claude_without_a_key(app):
    classify = build_classifier("fallback", app)
    assert classify("", "I was charged twice").category == "billing"
    app.config["ANTHROPIC_API_KEY"] = None
    with pytest.raises(ClassifierUnavailable, match="ANTHROPIC_API_KEY"):
        build_classifier("claude", app)
    with pytest.raises(ClassifierUnavailable, match="unknown classifier"):
        build_classifier("magic", app)


# ------------------------------------------------------------------ the CLI


def sample_csv(tmp_path):
    return write(
        tmp_path,
        "subject,body,category,priority\n"
        "Refund,I was charged twice please refund,billing,high\n"
        "App down,The app crashes on startup,technical,medium\n"
        "Login,I forgot my password,account,medium\n"
        ",Where is my order?,general,low\n",
    )


def test_evaluate_prints_a_human_report(runner, tmp_path):
    result = runner.invoke(args=["tickets", "evaluate", str(sample_csv(tmp_path))])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Rows scored: 4" in out
    assert "Category (n=4): accuracy 1.000, macro-F1 1.000" in out
    assert "confusion (rows = true, columns = predicted)" in out
    assert "Priority (n=4)" in out
    assert "tickets/s" in out


def test_evaluate_json_has_the_documented_keys(runner, tmp_path):
    result = runner.invoke(args=["tickets", "evaluate", str(sample_csv(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in (
        "n",
        "category.accuracy",
        "category.macro_f1",
        "category.per_class",
        "category.confusion",
        "priority.accuracy",
        "priority.macro_f1",
        "tickets_per_second",
    ):
        assert key in figures
    assert figures["n"] == 4
    assert figures["classifier"] == "fallback"
    assert set(figures["category.per_class"]) == {"billing", "technical", "account", "general"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot open"),
        ("a,b\n1,2\n", "header lacks column"),
        ("subject,body,category\nx,y,zz\n", "line 2"),
    ],
)
def test_evaluate_bad_input_exits_non_zero_with_a_message(runner, tmp_path, content, message):
    path = tmp_path / "missing.csv" if content is None else write(tmp_path, content)
    result = runner.invoke(args=["tickets", "evaluate", str(path), "--json"])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_evaluate_claude_without_key_is_a_usage_error(runner, tmp_path, app):
    app.config["ANTHROPIC_API_KEY"] = None
    result = runner.invoke(
        args=["tickets", "evaluate", str(sample_csv(tmp_path)), "--classifier", "claude"]
    )
    assert result.exit_code == 2
    assert "ANTHROPIC_API_KEY" in result.output


def test_evaluate_rejects_an_unknown_classifier(runner, tmp_path):
    result = runner.invoke(
        args=["tickets", "evaluate", str(sample_csv(tmp_path)), "--classifier", "gpt"]
    )
    assert result.exit_code == 2


def test_a_classifier_failure_names_the_line(tmp_path):
    path = write(tmp_path, "subject,body,category\nx,fine,general\ny,boom,general\n")

    def flaky(subject: str, body: str) -> TriageResult:
        if body == "boom":
            raise TimeoutError("took too long")
        return fixed("general")(subject, body)

    with pytest.raises(EvaluationError, match="line 3: the classifier failed: TimeoutError"):
        evaluate_file(path, flaky)
