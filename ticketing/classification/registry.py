"""Pick a classifier by name: ``fallback`` (local rules) or ``claude`` (the Anthropic API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.vocab import TriageSource, values
from .result import TriageResult

CLASSIFIER_NAMES = values(TriageSource)


class ClassifierUnavailable(RuntimeError):
    """The requested classifier cannot run here (unknown name, no API key, module missing)."""


def build_classifier(name: str, app: Any) -> Callable[[str, str], TriageResult]:
    """Return ``classify(subject, body) -> TriageResult`` for the classifier called ``name``.

    ``app`` is the Flask app (the Claude classifier reads its settings and client from it).
    Raises ClassifierUnavailable with a message fit for a user when it cannot be built.
    """
    if name == TriageSource.FALLBACK:
        from . import fallback

        fallback.warm_up()
        return fallback.classify
    if name == TriageSource.LEARNED:
        from . import learning

        if not learning.active_models(app):
            raise ClassifierUnavailable(
                "no learned model is active (too few corrections, or none beats the rules); "
                "run flask tickets learn, or use --classifier fallback"
            )
        return learning.local_classifier(app)
    if name == TriageSource.CLAUDE:
        if not app.config.get("ANTHROPIC_API_KEY"):
            raise ClassifierUnavailable(
                "the claude classifier needs ANTHROPIC_API_KEY; set it or use --classifier fallback"
            )
        try:
            from .claude import ClaudeClassifier
        except ImportError as err:
            raise ClassifierUnavailable(f"the claude classifier is not available: {err}") from err
        return ClaudeClassifier.from_app(app).classify
    raise ClassifierUnavailable(
        f"unknown classifier {name!r}: choose one of {', '.join(CLASSIFIER_NAMES)}"
    )
