"""The one rule for every cell the platform writes to a spreadsheet file (XLSX or CSV).

Two dangers, one place:

- Formula injection. Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  may be run as a formula by Excel or LibreOffice (``=HYPERLINK(...)``, ``=WEBSERVICE(...)``). Such
  text gets one leading apostrophe (the OWASP rule for CSV, applied to XLSX cells too): the cell is
  plain text, the reader sees the words with an apostrophe in front, nothing runs. openpyxl stores
  such a value as a string (``data_type == "s"``), never as a formula. Text that already starts with
  apostrophes followed by one of those characters gets one more, so the guard can be taken off
  exactly (`unguard_text`): the workbook import reads back the text the member typed.
- Characters a workbook cannot hold. C0 control characters other than tab, line feed and carriage
  return (``\\x00``-``\\x08``, ``\\x0b``, ``\\x0c``, ``\\x0e``-``\\x1f``), lone surrogates
  (``\\ud800``-``\\udfff``) and the non-characters ``\\ufffe`` and ``\\uffff`` are not allowed in
  XML: openpyxl refuses them (IllegalCharacterError) or writes a file nobody can open, and a lone
  surrogate cannot even be encoded as UTF-8 for a CSV download. Each one is REPLACED with U+FFFD
  (the replacement character, "�"), not dropped, so the reader sees that something was there and
  words on either side are not glued together. The character rule itself lives in
  `pmm.core.text` (the same rule refuses such characters where text enters the platform).

Numbers, booleans, dates and empty cells pass unchanged (a negative number stays a number, -3.5).

API: `safe_cell` (a value for an openpyxl cell, normal or write-only), `safe_csv_field` (a value
for `csv.writer`), `clean_text` (the character rule alone), `unguard_text` (the guard taken off,
for the workbook import) and `whole_number` (a whole number read back from a cell).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.functional import Promise

from pmm.core.text import REPLACEMENT, neutralised

__all__ = ["REPLACEMENT", "clean_text", "safe_cell", "safe_csv_field", "unguard_text", "whole_number"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def clean_text(text: str) -> str:
    """`text` with every character a workbook cannot hold replaced by U+FFFD."""
    return neutralised(text)


def _needs_guard(text: str) -> bool:
    """Whether the text, past any apostrophes, starts like a formula."""
    return text.lstrip(GUARD)[:1] in FORMULA_STARTS


def _safe_text(text: str) -> str:
    text = clean_text(text)
    return GUARD + text if _needs_guard(text) else text


def unguard_text(text: str) -> str:
    """The text before `safe_cell` guarded it: one leading apostrophe off when what follows is
    apostrophes and then a formula's first character. Any other text is returned as it is."""
    if text[:1] == GUARD and _needs_guard(text[1:]):
        return text[1:]
    return text


def safe_cell(value: Any) -> Any:
    """A value to put in an XLSX cell (`ws[ref] = safe_cell(v)`, `ws.cell(r, c, safe_cell(v))`,
    `ws.append([safe_cell(v), ...])`): text (lazy translations included) cleaned of illegal
    characters and guarded against formulas; None, numbers, booleans, dates and times unchanged."""
    if isinstance(value, str | Promise):
        return _safe_text(str(value))
    return value


def safe_csv_field(value: Any) -> Any:
    """A value for `csv.writer`: None as an empty field; numbers and booleans as they are (-3.5 stays
    -3.5); anything else as text, cleaned of illegal characters and guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    return _safe_text(str(value))


def whole_number(value: Any) -> int | None:
    """A whole number read from a cell (or a field of a file): an int, a float with no fraction, or
    text of digits; None for anything else (a boolean included, though Python counts it an int)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
