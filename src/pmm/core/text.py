"""Which characters text may hold: the one rule for every text that enters the platform.

Refused everywhere (API bodies, path and query parameters, web forms, workbook cells, CSV lines,
command-line arguments):

- the null character U+0000 (PostgreSQL cannot store it);
- the other C0 control characters, U+0001 to U+001F, except tab, line feed and carriage return
  (they break XML, so every spreadsheet export, and mean nothing to a reader);
- lone surrogates, U+D800 to U+DFFF (not characters at all: they cannot be encoded as UTF-8);
- the non-characters U+FFFE and U+FFFF (not allowed in XML either).

`text_problem` finds the first refused character and says in plain language what and where it is;
`neutralised` replaces each refused character with U+FFFD ("�") for text already stored, so
old data never breaks an export (the reader sees that something was there).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext

__all__ = [
    "LONE_SURROGATE",
    "REFUSED",
    "REPLACEMENT",
    "bad_text_in",
    "first_bad_character",
    "neutralised",
    "text_problem",
]

REPLACEMENT = "\ufffd"
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def first_bad_character(text: str, refused: re.Pattern[str] = REFUSED) -> tuple[int, str] | None:
    """The position (counted from 0) and the first refused character in `text`, or None."""
    found = refused.search(text)
    return (found.start(), found.group()) if found else None


def _kind(char: str) -> str:
    code = ord(char)
    if code == 0:
        return gettext("a null character")
    if code < 0x20:
        return gettext("a control character")
    if 0xD800 <= code <= 0xDFFF:
        return gettext("a lone surrogate")
    return gettext("a non-character")


def text_problem(text: str, refused: re.Pattern[str] = REFUSED) -> str | None:
    """What is wrong with `text`, in plain language ("contains a control character (U+0001) at
    position 2", positions counted from 1), or None when every character is allowed. `refused`
    narrows the rule (e.g. to LONE_SURROGATE)."""
    found = first_bad_character(text, refused)
    if found is None:
        return None
    position, char = found
    return gettext("contains %(kind)s (U+%(code)04X) at position %(position)d") % {
        "kind": _kind(char),
        "code": ord(char),
        "position": position + 1,
    }


def bad_text_in(value: Any, path: str = "", refused: re.Pattern[str] = REFUSED) -> Iterator[tuple[str, str]]:
    """Every (path, problem) in a parsed JSON-like value: texts, dictionary keys, lists and
    dictionaries nested in any depth. Paths look like `values[0].comment`."""
    if isinstance(value, str):
        problem = text_problem(value, refused)
        if problem is not None:
            yield path, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            key_problem = text_problem(key_text, refused)
            shown = key_text if key_problem is None else neutralised(key_text)
            inner = f"{path}.{shown}" if path else shown
            if key_problem is not None:
                yield inner, gettext("the name %(problem)s") % {"problem": key_problem}
            yield from bad_text_in(item, inner, refused)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from bad_text_in(item, f"{path}[{index}]", refused)


def neutralised(text: str) -> str:
    """`text` with every refused character replaced by U+FFFD."""
    return REFUSED.sub(REPLACEMENT, text)
