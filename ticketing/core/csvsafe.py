"""CSV cells a spreadsheet cannot run: one rule for every CSV the app writes."""

from __future__ import annotations

#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"  # the prefix that makes a spreadsheet show a cell as text


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would evaluate as a formula, so it shows as text."""
    if value and value[0] in FORMULA_PREFIXES:
        return QUOTE + value
    return value
