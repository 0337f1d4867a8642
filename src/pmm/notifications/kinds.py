"""The kinds of notification: code -> (label, whether e-mail is on by default), and the messages
sent under each kind: code -> (kind, subject, body paragraphs).

A user's NotificationPreference row overrides the default for one kind; no row means the default.
Adding a kind is adding a line here (and its French label); notify() refuses codes not listed.

A notification stores its message's code and parameters, and is written in its reader's language
each time it is shown (pmm.notifications.messages), so a message is worded only here. A parameter
`member` also gives `of_member` and `for_member` ("of the Netherlands", "des Pays-Bas"): messages
name a member with them so that each language places its own article (pmm.members.phrases). A body
paragraph naming a parameter that is empty (e.g. no reason given) is left out.
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


class Message(NamedTuple):
    kind: str
    subject: Promise
    body: tuple[Promise, ...] = ()


# Translators: in these messages, %(of_member)s is a member's name after "of" with its article
# ("of Kenya", "of the Netherlands"; in French "du Kenya", "des Pays-Bas"); it is filled in per language.
MESSAGES: dict[str, Message] = {
    "review.requested": Message(
        "review.status",
        _("Peer review requested: %(member)s"),
        (_("%(member)s asks for a peer review of its self-assessment for %(cycle)s."),),
    ),
    "review.assigned": Message(
        "review.assigned",
        _("You were assigned to the peer review %(of_member)s"),
        (_("You are a reviewer of the self-assessment %(of_member)s for %(cycle)s."),),
    ),
    "review.round_sent": Message(
        "review.round_sent",
        _("Peer review %(of_member)s: queries to answer"),
        (_("The reviewers sent %(count)s query(ies). Please answer by %(due)s."),),
    ),
    "review.answered": Message(
        "review.query_answered",
        _("Peer review %(of_member)s: the member answered"),
        (_("%(member)s handed its answers back. The queries are waiting for you."),),
    ),
    "review.signed_off": Message(
        "review.signed_off",
        _("Peer review %(of_member)s signed off"),
        (_("The lead reviewer signed off the peer review %(of_member)s for %(cycle)s."),),
    ),
    "review.moved": Message(
        "review.status",
        _("Peer review %(of_member)s: %(status)s"),
        (_("The peer review %(of_member)s is now: %(status)s."), _("Reason: %(reason)s")),
    ),
    "review.overdue": Message(
        "review.overdue",
        _("Peer review %(of_member)s: answers overdue"),
        (_("Round %(number)s of queries was due on %(due)s and has not been handed back."),),
    ),
    "review.due_soon": Message(
        "review.due_soon",
        _("Peer review %(of_member)s: answers due soon"),
        (_("Round %(number)s of queries is due on %(due)s."),),
    ),
    "assessment.disclosure_changed": Message(
        "assessment.disclosure_changed",
        _("%(member)s changed who may see KPI %(kpi)s after publication"),
        (
            _("%(member)s changed the disclosure level of KPI %(kpi)s in %(cycle)s from %(old)s to %(new)s."),
            _("Reason given: %(reason)s"),
            _(
                "Publication %(number)s still shows this KPI at the level it was published with; "
                "the new level applies from the next publication of the cycle. Publish again if "
                "readers should see the change now."
            ),
        ),
    ),
}
