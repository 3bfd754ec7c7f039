"""The page's style sheet parses: one unclosed block silently drops every rule after it (a
merge once left ``kbd {`` open and the SLA marks lost their colours)."""

from __future__ import annotations

import re
from pathlib import Path

import ticketing.web

STATIC = Path(ticketing.web.__file__).parent / "static"


def test_every_block_of_the_style_sheets_is_closed():
    for sheet in STATIC.rglob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        depth = 0
        for line_no, line in enumerate(text.splitlines(), 1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{sheet.name}:{line_no}: '}}' without its '{{'"
        assert depth == 0, f"{sheet.name}: {depth} block(s) never closed"
