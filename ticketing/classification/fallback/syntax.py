"""The cue pattern language and the typo model: how one readable row becomes many phrases.

A pattern is ``"a|b c|d"`` (alternative phrases) or slots joined by ``" / "``
(``"cancel|close / my|the? / account"``), a slot ending in ``?`` being optional; a word ending
in ``+`` also matches its inflections (``refund+`` -> refunds, refunded, refunding).
"""

from __future__ import annotations

import itertools
import re
from functools import cache

#: A token of ticket text (after lower-casing): a run of letters/digits, or a currency sign.
TOKEN = re.compile(r"[a-z0-9\u00df-\u00f6\u00f8-\u00ff]+|[$€£]")

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def inflections(word: str) -> set[str]:
    """A word and its common English inflections (regular forms only)."""
    forms = {word, word + "s", word + "es", word + "ed", word + "ing", word + "er", word + "ers"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing", word + "r", word + "rs"}
    if word.endswith("y") and len(word) > 3:
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if (
        len(word) >= 3
        and word[-1] in "bdglmnprt"
        and word[-2] in "aeiou"
        and word[-3] not in "aeiou"
    ):
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing", word + word[-1] + "er"}
    return forms


def _alternatives(slot: str) -> list[tuple[str, ...]]:
    """The token tuples one slot stands for: "a|b c|refund+" -> (a,), (b, c), (refund,), ..."""
    choices: list[tuple[str, ...]] = []
    for alt in slot.split("|"):
        alt = alt.strip()
        if alt.endswith("+") and len(alt) > 1:
            head = TOKEN.findall(alt[:-1])
            choices.extend((*head[:-1], form) for form in sorted(inflections(head[-1])))
        elif alt:
            choices.append(tuple(TOKEN.findall(alt)))
    return choices


def expand(pattern: str) -> list[tuple[str, ...]]:
    """Expand one cue pattern into every token tuple it stands for.

    Without " / " a pattern is an alternation of phrases. With it, it is a sequence of
    slots, each an alternation; a slot ending in "?" may be left out.
    """
    slots: list[list[tuple[str, ...]]] = []
    for raw in pattern.split(" / "):
        raw = raw.strip()
        optional = raw.endswith("?")
        choices = _alternatives(raw[:-1] if optional else raw)
        if optional:
            choices.append(())
        slots.append(choices)
    phrases = []
    for combo in itertools.product(*slots):
        tokens = tuple(tok for part in combo for tok in part)
        if tokens:
            phrases.append(tokens)
    return phrases


@cache
def _key_neighbours() -> dict[str, str]:
    """Each letter -> the letters around it on a QWERTY keyboard."""
    return {
        ch: "".join(
            other
            for r2, row2 in enumerate(_KEYBOARD_ROWS)
            for c2, other in enumerate(row2)
            if abs(r2 - r) <= 1 and abs(c2 - c) <= 1 and other != ch
        )
        for r, row in enumerate(_KEYBOARD_ROWS)
        for c, ch in enumerate(row)
    }


def typo_variants(word: str) -> set[str]:
    """Deletions, doubled letters, swaps and (long words) neighbouring-key slips of a word."""
    out: set[str] = set()
    n = len(word)
    for i in range(n):
        out.add(word[:i] + word[i + 1 :])  # deletion
        out.add(word[:i] + word[i] + word[i:])  # doubled letter
        if i < n - 1:
            out.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])  # swap
    if n >= 6:  # a neighbouring key hit instead of, or as well as, the right one
        neighbours = _key_neighbours()
        for i in range(1, n):
            for ch in neighbours.get(word[i], ""):
                out.add(word[:i] + ch + word[i + 1 :])
                out.add(word[:i] + ch + word[i:])
    out.discard(word)
    if word[-1] in "dsr":  # "ignored" -> "ignore" is another word, not a typo
        out.discard(word[:-1])
    return out
