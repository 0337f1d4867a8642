"""The answers and files made from a publication's rows (JSON, CSV, XLSX), kept per reader's selection.

A publication never changes, so what a reader gets from it depends only on the rows their audience may
see (already cached under `Results.rows_key`: publication, audience, selection), the members' names
joined to them, the language and the answer's own options (its kind, offset, limit). The answer is
kept under a digest of all of these: writing 10,000 rows as JSON or a workbook was most of the time of
those requests, for a result that was the same every time. Current results (`rows_key` empty) change,
and are always made afresh."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

from pmm.results.selectors import Results

# How long an answer stays kept (it never changes: this only bounds the space of readers who left).
ANSWER_TIMEOUT = 24 * 3600
# Change whenever what an answer holds changes (its columns, its shape): kept answers are then made again.
_ANSWER_FORM = 1


def _names_digest(results: Results) -> str:
    """A digest of the members' codes and names the rows carry (read fresh on each request: a member's
    name may change after publication, and its answers must then change with it)."""
    one_row_each = {row.member_id: row for row in results.rows}  # a member's rows all carry its names
    names = sorted((pk, row.iso3, row.member_name) for pk, row in one_row_each.items())
    return hashlib.sha256(json.dumps(names, sort_keys=True).encode()).hexdigest()


def kept_answer(results: Results, kind: str, make: Callable[[], bytes], *options: Any) -> bytes:
    """The answer of `kind` made from `results` (by `make`), from the cache when it was made before."""
    if not results.rows_key:
        return make()
    parts = [_ANSWER_FORM, results.rows_key, _names_digest(results), kind, get_language(), list(options)]
    key = "pmm:results-answer:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, bytes):
        return found
    made = make()
    cache.set(key, made, timeout=ANSWER_TIMEOUT)
    return made
