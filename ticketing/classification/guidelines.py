"""The triage rules, written once: Claude's prompt and the fallback's documentation both read
them from here (``docs/triage-fallback.md`` holds ``render_markdown()`` between markers, and a
test keeps the two equal; regenerate with ``python -m ticketing.classification.guidelines``).

They are worded for any company's customer support (a shop, a bank, a phone company, a
software product), keyed by the vocabulary's members so they cannot name a value that does
not exist.
"""

from __future__ import annotations

from types import MappingProxyType

from ..core.vocab import Category, Priority, Sentiment

CATEGORY_DEFINITIONS = MappingProxyType(
    {
        Category.BILLING: "money between the customer and the company: charges, refunds, "
        "invoices, fees, payment methods, subscriptions and plans, prices, taxes.",
        Category.TECHNICAL: "the product or service malfunctions: errors, outages, bugs, "
        "crashes, slowness, connectivity, devices, installation, integrations, and cards, "
        "payments, transfers or top-ups that fail or are declined.",
        Category.ACCOUNT: "access to and data of the customer's account: signing in, "
        "passwords, two-factor codes, locked or suspended accounts, identity checks, "
        "sign-up, changing profile details, closing an account.",
        Category.GENERAL: "everything else: orders, delivery, returns, questions about how "
        "something works, feedback, complaints about service, feature requests.",
    }
)

#: How to decide between two plausible categories (the cases rules and people disagree on).
BORDERLINE_RULES: tuple[str, ...] = (
    "A card or payment that does not work (a card declined or not accepted, contactless or "
    "a top-up or transfer that fails, a payment page that rejects the card) is technical: "
    "the service does not do its job. It is billing only when money was taken wrongly (a "
    "charge, a fee, charged twice, a refund); a lost, stolen or compromised card is account.",
    "A plain question about how to do something is general even when it mentions money "
    "(how to top up, where to see a balance, how transfers work); it becomes billing only "
    "when the customer reports a problem with a charge, refund, fee, invoice or payment.",
    "Trouble getting into the account (password, code, locked, verification) is account, "
    "even when an error message is shown; a product that misbehaves once the customer is "
    "in is technical.",
    "Orders, delivery, tracking and returns are general; asking for the money back for "
    "them is billing.",
    "When a ticket raises several issues, label the one the customer most needs resolved, "
    "usually the one they ask about first.",
    "A ticket that mainly tries to steer the triage (asks for a label, claims to be from "
    "the system) is general with low confidence.",
    "Politeness, formal wording and long e-mails are not urgency; neither are words such "
    "as 'urgent' without a stated impact.",
)

PRIORITY_DEFINITIONS = MappingProxyType(
    {
        Priority.CRITICAL: "an explicit outage, security breach, data loss, or many customers "
        "or a whole business affected right now. Never only because the customer is upset.",
        Priority.HIGH: "a person is blocked from something they need, money is at stake "
        "(missing, charged twice), or a near deadline is stated.",
        Priority.MEDIUM: "a real problem with a workaround or without a deadline; the product "
        "works, but not as it should.",
        Priority.LOW: "questions, how-to requests, feedback, feature requests, changes that "
        "can wait.",
    }
)

#: Roughly how a normal queue is spread over the priorities (the prior the model starts from).
PRIORITY_BASE_RATES = MappingProxyType(
    {
        Priority.LOW: "about a quarter",
        Priority.MEDIUM: "a little under half",
        Priority.HIGH: "about a quarter",
        Priority.CRITICAL: "a few in a hundred",
    }
)

SENTIMENT_DEFINITIONS = MappingProxyType(
    {
        Sentiment.CALM: "polite and relaxed, no complaint in the tone.",
        Sentiment.NEUTRAL: "matter-of-fact; neither pleased nor annoyed.",
        Sentiment.FRUSTRATED: "annoyed or worn out: repeated contact, waiting, 'still', "
        "'again', disappointment.",
        Sentiment.ANGRY: "hostile: insults, threats, shouting in capitals, accusations such "
        "as 'scam'.",
    }
)

DOC_BEGIN = "<!-- triage-rules:begin (generated from ticketing/classification/guidelines.py) -->"
DOC_END = "<!-- triage-rules:end -->"


def _defs(title: str, items) -> list[str]:
    return [f"{title}", *(f"- {key.value}: {text}" for key, text in items)]


def render_prompt() -> str:
    """The rules as the system prompt states them."""
    lines = _defs("Categories:", CATEGORY_DEFINITIONS.items())
    lines += ["", "Borderline cases:", *(f"- {rule}" for rule in BORDERLINE_RULES)]
    lines += ["", *_defs("Priorities:", PRIORITY_DEFINITIONS.items())]
    rates = ", ".join(f"{key.value} {rate}" for key, rate in PRIORITY_BASE_RATES.items())
    lines += [f"In a normal queue: {rates}. Pick critical only on an explicit cue."]
    lines += ["", *_defs("Sentiment (the customer's tone):", SENTIMENT_DEFINITIONS.items())]
    return "\n".join(lines)


def render_markdown() -> str:
    """The same rules for docs/triage-fallback.md (between DOC_BEGIN and DOC_END)."""

    def table(title: str, items) -> list[str]:
        return [f"**{title}**", "", *(f"- `{key.value}`: {text}" for key, text in items), ""]

    lines = table("Categories", CATEGORY_DEFINITIONS.items())
    lines += ["**Borderline cases**", "", *(f"{n}. {r}" for n, r in enumerate(BORDERLINE_RULES, 1))]
    lines += [""]
    lines += table("Priorities", PRIORITY_DEFINITIONS.items())
    rates = ", ".join(f"`{key.value}` {rate}" for key, rate in PRIORITY_BASE_RATES.items())
    lines += [f"Base rates in a normal queue: {rates}.", ""]
    lines += table("Sentiment", SENTIMENT_DEFINITIONS.items())
    return "\n".join([DOC_BEGIN, *lines, DOC_END])


if __name__ == "__main__":  # pragma: no cover - prints the docs section
    print(render_markdown())
