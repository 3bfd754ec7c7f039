"""Personal data withheld before text leaves for Claude (triage, reply drafts), and put
back in what returns.

``Redactor.redact(text)`` replaces e-mail addresses, phone numbers, payment card numbers
(Luhn-checked), IBANs (mod-97 checked) and API keys/tokens with typed placeholders
(``[EMAIL_1]``, ``[PHONE_2]``, ``[CARD_1]``, ``[IBAN_1]``, ``[SECRET_1]``); the same value gets
the same placeholder wherever it appears. ``restore(text)`` puts the originals back in the
explanation and title Claude returns. ``kinds`` says which kinds were withheld (the audit trail
records them, never the values).

Deterministic: the same text always gives the same placeholders, so a batch answer that
arrives hours later is restored by redacting the ticket's text again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .vocab import PiiKind, values

SECRET, EMAIL, IBAN, CARD, PHONE = (
    PiiKind.SECRET,
    PiiKind.EMAIL,
    PiiKind.IBAN,
    PiiKind.CARD,
    PiiKind.PHONE,
)
KINDS = values(PiiKind)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: Keys and tokens by their known shapes, then any long random-looking run.
_SECRET = re.compile(
    r"(?:\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}"
    r"|\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{30,}"
    r"|\btkt_[A-Za-z0-9_-]{16,}|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"
    r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|(?<=bearer )[A-Za-z0-9._~+/=-]{15,}[A-Za-z0-9_~+/=-]"
    r"|(?<![\w-])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}(?![\w-]))",
    re.IGNORECASE,
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
#: A phone number: international form, or digits written with separators; a bare run of
#: digits (an order or ticket number) is not taken for one.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{1,3}[\s./-]?)?(?:\(\d{1,5}\)[\s./-]?)?\d{2,5}(?:[\s./-]\d{2,5}){1,4}(?!\w)"
    r"|(?<![\w+])\+\d{7,15}(?!\w)"
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    compact = text.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _card(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    # Card numbers start 2-6 (Mastercard, Amex/JCB/Diners, Visa, Maestro/Discover/UnionPay);
    # an order number that happens to pass Luhn usually does not.
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_ok(digits)


def _phone(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    if not 7 <= len(digits) <= 15:
        return False
    # Dates and times are digits with separators too: 2026-11-29, 29.11.2026, 10:30.
    return not re.fullmatch(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}", match.strip())


_RULES: tuple[tuple[str, re.Pattern[str], Callable[[str], bool] | None], ...] = (
    (SECRET, _SECRET, None),
    (EMAIL, _EMAIL, None),
    (IBAN, _IBAN, iban_ok),
    (CARD, _CARD, _card),
    (PHONE, _PHONE, _phone),
)
_PLACEHOLDER = re.compile(r"\[(?:SECRET|EMAIL|IBAN|CARD|PHONE)_\d+\]")


@dataclass
class Redactor:
    """One request's placeholders: ``redact`` every text of the ticket, ``restore`` answers."""

    enabled: bool = True
    values: dict[str, str] = field(default_factory=dict)  # placeholder -> original
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        """The kinds withheld so far, in a stable order."""
        return [kind for kind in KINDS if self._counts.get(kind)]  # plain strings

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._by_value:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            placeholder = f"[{kind.value.upper()}_{self._counts[kind]}]"
            self._by_value[key] = placeholder
            self.values[placeholder] = value
        return self._by_value[key]

    def redact(self, text: str) -> str:
        if not self.enabled or not text:
            return text
        for kind, pattern, check in _RULES:

            def swap(match: re.Match[str], kind=kind, check=check) -> str:
                found = match.group(0)
                if _PLACEHOLDER.fullmatch(found) or (check is not None and not check(found)):
                    return found
                return self._placeholder(kind, found)

            text = pattern.sub(swap, text)
        return text

    def restore(self, text: str) -> str:
        if not self.values or not text:
            return text
        return _PLACEHOLDER.sub(lambda m: self.values.get(m.group(0), m.group(0)), text)
