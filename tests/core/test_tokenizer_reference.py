"""The embedder's WordPiece tokenizer against Hugging Face's ``tokenizers`` (the reference).

The runtime keeps its own ~100-line tokenizer: ``tokenizers`` would bring ``huggingface_hub``
(a client for a network hub, ~70 MB installed) into a product that must never download a
model. Whether that is safe is this test's question: on real support text and on the corner
cases of BERT's normalisation (accents, CJK, control and zero-width characters, punctuation,
long words, truncation) both must produce the same ids.
"""

import csv
from pathlib import Path

import pytest
from tokenizers import BertWordPieceTokenizer

from ticketing.core.embeddings import MAX_TOKENS, VOCAB, WordPiece

ROOT = Path(__file__).resolve().parents[2]
CORPORA = [
    ROOT / "bench" / "data" / "heldout-emails.csv",
    ROOT / "bench" / "data" / "heldout-short.csv",
]
CORNERS = [
    "Café — naïve résumé; Ünïcödé ÅÄÖ ß İstanbul ǅ",
    "東京の注文が届きません 訂单 주문",
    "tab\there\nnew line\r\n NUL\x00 zero\u200bwidth \ufeffBOM \ufffd replacement",
    "‘curly’ “quotes” 1,000.50€ – ¿qué? ¡sí! #42 @ana user@example.com https://x.y/z?a=1&b=2",
    "supercalifragilisticexpialidocious " + "x" * 120 + " pneumonoultramicroscopic",
    "refund " * 400,  # truncated at MAX_TOKENS
    "",
    "   ",
    "😀 emoji 👍🏽 and symbols ™ © ° ±",
]


def _texts() -> list[str]:
    texts = list(CORNERS)
    for path in CORPORA:
        with path.open(encoding="utf-8") as handle:
            texts += [f"{row['subject']}\n{row['body']}" for row in csv.DictReader(handle)]
    return texts


@pytest.fixture(scope="module")
def tokenizers():
    reference = BertWordPieceTokenizer(
        str(VOCAB), lowercase=True, strip_accents=True, clean_text=True, handle_chinese_chars=True
    )
    reference.enable_truncation(max_length=MAX_TOKENS)
    return WordPiece.from_file(VOCAB), reference


def test_our_tokenizer_gives_the_reference_ids(tokenizers):
    ours, reference = tokenizers
    texts = _texts()
    assert len(texts) > 80
    different = [t[:80] for t in texts if ours.encode(t) != reference.encode(t).ids]
    assert different == []
