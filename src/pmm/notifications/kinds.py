"""The kinds of notification: code -> (label, whether e-mail is on by default).

A user's NotificationPreference row overrides the default for one kind; no row means the default.
Adding a kind is adding a line here (and its French label); notify() refuses codes not listed.
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(NamedTuple):
    label: Promise | str
    email_default: bool


KINDS: dict[str, Kind] = {
    "review.assigned": Kind(_("You were assigned to a peer review"), True),
    "review.round_sent": Kind(_("New queries from peer reviewers"), True),
    "review.query_answered": Kind(_("A member answered queries"), True),
    "review.due_soon": Kind(_("A due date is approaching"), True),
    "review.overdue": Kind(_("A due date was missed"), True),
    "review.signed_off": Kind(_("A peer review was signed off"), True),
    "review.status": Kind(_("A peer review changed status"), True),
    "assessment.disclosure_changed": Kind(_("A published member changed a disclosure level"), True),
}


def kind_label(code: str) -> str:
    """The kind's label in the active language (the code itself for a kind no longer listed)."""
    kind = KINDS.get(code)
    return str(kind.label) if kind else code
