"""What the rest of smmdesk calls: classify texts with the model in use."""

from __future__ import annotations

from django.conf import settings

from smmdesk.nlp.model import Example, Prediction, get_model


def corrections() -> list[Example]:
    """Managers' fixes, weighted double. None yet (or no database yet): the labelled set."""
    from django.db import DatabaseError

    from smmdesk.nlp.models import Correction

    try:
        return [Example(c.text, c.language, c.sentiment, c.intent, c.toxic, weight=2.0)
                for c in Correction.objects.order_by("pk")]
    except DatabaseError:
        return []


def classify(texts: list[str], *, variant: str | None = None) -> list[Prediction]:
    """Language, sentiment, intent and toxicity of each text, with confidences."""
    model = get_model(variant or settings.SMMDESK_NLP_MODEL, corrections())
    return model.predict(texts)


def correction_add(*, workspace, text: str, language: str, sentiment: str, intent: str,
                   toxic: bool, created_by=None):
    """Keep a person's fix of what a text means, for the next training."""
    from smmdesk.nlp.models import Correction

    return Correction.objects.create(workspace=workspace, text=text, language=language,
                                     sentiment=sentiment, intent=intent, toxic=toxic,
                                     created_by=created_by)
