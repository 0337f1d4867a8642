"""Translated text stored as a mapping {language code: text}, as framework files and models keep it."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation

FALLBACK_LANGUAGE = "en"


def pick(texts: Mapping[str, str] | None, language: str | None = None) -> str:
    """The text in `language` (default: the active one), else English, else any; '' if none."""
    if not texts:
        return ""
    lang = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for candidate in (lang, FALLBACK_LANGUAGE):
        text = texts.get(candidate)
        if text:
            return text
    return next((t for t in texts.values() if t), "")
