"""What Claude costs: tokens x a configurable price per model (US dollars per million tokens).

``CLAUDE_PRICE_INPUT`` / ``CLAUDE_PRICE_OUTPUT`` are the default prices; ``CLAUDE_PRICES``
overrides them per model (``"claude-haiku-5-5=1/5,claude-sonnet-5=3/15"``). The Message
Batches API costs half. The cost of each run is stored on its ``classifications`` row at the
price in force then, so a later price change does not rewrite the past.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BATCH_DISCOUNT = 0.5
PER = 1_000_000


def parse_prices(text: str) -> dict[str, tuple[float, float]]:
    """``"m1=1/5, m2=3/15"`` -> ``{"m1": (1.0, 5.0), "m2": (3.0, 15.0)}``; ValueError if bad."""
    prices: dict[str, tuple[float, float]] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        model, sep, pair = item.partition("=")
        price_in, slash, price_out = pair.partition("/")
        try:
            if not (sep and slash and model.strip()):
                raise ValueError
            prices[model.strip()] = (float(price_in), float(price_out))
        except ValueError:
            raise ValueError(
                f"CLAUDE_PRICES: {item.strip()!r} is not MODEL=INPUT/OUTPUT (dollars per "
                "million tokens)"
            ) from None
    return prices


@dataclass(frozen=True)
class Pricing:
    input_per_mtok: float = 1.0
    output_per_mtok: float = 5.0
    by_model: dict[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Any) -> Pricing:
        return cls(
            float(config["CLAUDE_PRICE_INPUT"]),
            float(config["CLAUDE_PRICE_OUTPUT"]),
            parse_prices(config["CLAUDE_PRICES"]),
        )

    def prices(self, model: str | None) -> tuple[float, float]:
        if model:
            for name, pair in self.by_model.items():
                # "claude-haiku-5-5" also prices a dated id such as "claude-haiku-5-5-20261001".
                if model == name or model.startswith(f"{name}-"):
                    return pair
        return self.input_per_mtok, self.output_per_mtok

    def cost(
        self, model: str | None, input_tokens: int, output_tokens: int, *, batch: bool = False
    ) -> float:
        price_in, price_out = self.prices(model)
        dollars = (input_tokens * price_in + output_tokens * price_out) / PER
        return round(dollars * (BATCH_DISCOUNT if batch else 1.0), 8)
