"""Static images of chart specs: SVG and PNG rendered on the server by vl-convert (no browser), with the
numbers and dates formatted for the reader's language, and cached by content in Django's cache."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.metadata import version
from typing import Any, cast

import vl_convert as vlc
from django.core.cache import cache as django_cache

STATIC_WIDTH = 640  # pixels: what width "container" becomes outside a page
CACHE_SECONDS = 24 * 60 * 60  # the key is the content, so any lifetime is correct; this bounds memory
# Django language codes to d3 locale names (github.com/d3/d3-format/tree/main/locale); others try
# "xx-XX" and fall back to English.
D3_LOCALES = {
    "en": "en-US",
    "fr": "fr-FR",
    "es": "es-ES",
    "pt": "pt-BR",
    "ar": "ar-EG",
    "ru": "ru-RU",
    "zh-hans": "zh-CN",
    "de": "de-DE",
    "nl": "nl-NL",
}
DEFAULT_LOCALE = "en-US"


@cache
def d3_locale_name(language: str | None) -> str:
    """The d3 locale for a Django language code ("fr" -> "fr-FR"), English when vl-convert has none."""
    code = (language or "en").lower()
    candidates = [D3_LOCALES.get(code), D3_LOCALES.get(code.split("-")[0])]
    base, _sep, region = code.partition("-")
    candidates.append(f"{base}-{(region or base).upper()}")
    for name in candidates:
        if name:
            try:
                vlc.get_format_locale(cast(Any, name))
                vlc.get_time_format_locale(cast(Any, name))
            except ValueError:
                continue
            return name
    return DEFAULT_LOCALE


@cache
def locales(language: str | None) -> dict[str, dict[str, Any]]:
    """{"format": d3-format locale, "time": d3-time-format locale} for the language: what the browser
    passes to vega-embed (formatLocale, timeFormatLocale) and vl-convert uses here."""
    name = cast(Any, d3_locale_name(language))  # checked by d3_locale_name
    return {"format": vlc.get_format_locale(name), "time": vlc.get_time_format_locale(name)}


def static_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with a fixed width where it fits its container in a page."""
    if spec.get("width") == "container":
        return {**spec, "width": STATIC_WIDTH}
    return spec


def _key(spec: dict[str, Any], language: str | None, kind: str) -> str:
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, allow_nan=False)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"pmm-chart:{version('vl-convert-python')}:{digest}:{d3_locale_name(language)}:{kind}"


def _render_options(language: str | None) -> dict[str, Any]:
    found = locales(language)
    return {"format_locale": found["format"], "time_format_locale": found["time"], "allowed_base_urls": []}


def to_svg(spec: dict[str, Any], language: str | None) -> str:
    """The chart as an SVG document, numbers formatted for `language` (a Django language code)."""
    key = _key(spec, language, "svg")
    svg = django_cache.get(key)
    if svg is None:
        svg = vlc.vegalite_to_svg(static_spec(spec), **_render_options(language))
        django_cache.set(key, svg, CACHE_SECONDS)
    return svg


def to_png(spec: dict[str, Any], language: str | None, scale: float = 2) -> bytes:
    """The chart as a PNG image (`scale` times the SVG's pixel size, for sharp prints)."""
    key = _key(spec, language, f"png@{scale}")
    png = django_cache.get(key)
    if png is None:
        png = vlc.vegalite_to_png(static_spec(spec), scale=scale, **_render_options(language))
        django_cache.set(key, png, CACHE_SECONDS)
    return png
