"""A notification's message written in the active language, from its code and stored parameters.

A notification keeps the code of its message (kinds.MESSAGES) and the parameters to fill it with, as
JSON; each time it is shown (page, API, e-mail) the message is translated and filled in the reader's
language. Parameters that need translating are stored so that they can be translated later:

- `member_param(member)`: the member's code and names; gives `member`, `of_member` and `for_member`
  ("Kenya", "du Kenya", "pour le Kenya");
- `label_param(label)`: a translatable label (a status, a level) stored as its English source text;
- `date_param(day)`: a date, written in the reader's date format;
- `each_language(make)`: any other text, written once in each language of the platform when stored
  (e.g. a cycle's name);
- anything else (numbers, codes, what a person typed) is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from pmm.core.translated import pick
from pmm.members import phrases
from pmm.notifications.kinds import MESSAGES

_NAME = re.compile(r"%\((\w+)\)s")


def member_param(member: Any) -> dict[str, Any]:
    return {"member": member.iso3, "name": dict(member.name)}


def label_param(label: Promise | str) -> dict[str, str]:
    with translation.override(None):  # no catalogue: the source text itself
        return {"label": str(label)}


def date_param(day: date | None) -> dict[str, str] | str:
    return {"date": day.isoformat()} if day else "—"


def each_language(make: Callable[[], Any]) -> dict[str, dict[str, str]]:
    texts: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts[language] = str(make())
    return {"texts": texts}


def _value(value: Any) -> str:
    if isinstance(value, dict):
        if "label" in value:
            return gettext(value["label"])
        if "date" in value:
            return str(formats.date_format(date.fromisoformat(value["date"]), "DATE_FORMAT"))
        if "texts" in value:
            return pick(value["texts"])
        if "member" in value:
            return pick(value["name"]) or str(value["member"])
    return "" if value is None else str(value)


def filled(params: Mapping[str, Any]) -> dict[str, str]:
    """Every parameter as text in the active language (a member also gives of_<name>, for_<name>)."""
    values: dict[str, str] = {}
    for name, value in params.items():
        values[name] = _value(value)
        if isinstance(value, dict) and "member" in value:
            member = SimpleNamespace(iso3=value["member"], name=value.get("name") or {})
            values["of_" + name] = phrases.of_member(member)
            values["for_" + name] = phrases.for_member(member)
    return values


def _fill(text: Promise, values: Mapping[str, str]) -> str:
    return str(text) % {name: values.get(name, "") for name in _NAME.findall(str(text))}


def render(code: str, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """(subject, body) of message `code` in the active language; None for a code no longer listed.
    A body paragraph that names an empty parameter is left out."""
    message = MESSAGES.get(code)
    if message is None:
        return None
    values = filled(params)
    paragraphs = [
        _fill(paragraph, values)
        for paragraph in message.body
        if all(values.get(name) for name in _NAME.findall(str(paragraph)))
    ]
    return _fill(message.subject, values), "\n\n".join(paragraphs)
