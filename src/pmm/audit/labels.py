"""The audit log in words people use: a label for each action code, and an event's before and after
as a list of changes ("Status: Submitted → In review").

Field names and values are labelled from the models themselves: the target's field of that name (its
verbose name, and its `choices` for the value), else a field of that name with such a choice in any
model (a query's status on a review's event), else the few names below that are not model fields.
The raw before and after stay in the API (for machines), next to these labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pmm.audit.models import AuditEvent
from pmm.authz.roles import Role
from pmm.core.periods import element_named
from pmm.core.translated import pick

VERBS: dict[str, Promise] = {
    "assessment.kpi_changed": _("KPI choices changed"),
    "assessment.reopened": _("Self-assessment reopened"),
    "assessment.saved": _("Self-assessment saved"),
    "assessment.started": _("Self-assessment started"),
    "assessment.submitted": _("Self-assessment submitted"),
    "assessment.values_saved": _("Values saved"),
    "assessment.warning_explained": _("Warning explained"),
    "backup.created": _("Backup created"),
    "backup.restored": _("Backup restored"),
    "cycle.archive": _("Cycle archived"),
    "cycle.close": _("Cycle closed"),
    "cycle.created": _("Cycle created"),
    "cycle.extension_granted": _("Extension granted"),
    "cycle.open": _("Cycle opened"),
    "evidence.removed": _("Evidence removed"),
    "evidence.uploaded": _("Evidence uploaded"),
    "framework.activated": _("Framework activated"),
    "framework.loaded": _("Framework loaded"),
    "framework.replaced": _("Framework replaced"),
    "framework.retired": _("Framework retired"),
    "group.created": _("Group created"),
    "group.updated": _("Group changed"),
    "job.failed": _("Background job failed"),
    "job.requeued": _("Background job queued again"),
    "login.failed": _("Sign-in failed"),
    "login.locked": _("Sign-in locked"),
    "login.succeeded": _("Signed in"),
    "member.created": _("Member created"),
    "member.updated": _("Member changed"),
    "members.loaded": _("Members loaded"),
    "mfa.recovery_codes_generated": _("Recovery codes generated"),
    "mfa.totp_disabled": _("Authenticator app removed"),
    "mfa.totp_enabled": _("Authenticator app set up"),
    "mfa.totp_reset": _("Two-factor authentication reset"),
    "notifications.preferences_saved": _("Notification preferences saved"),
    "results.published": _("Results published"),
    "review.accept": _("Peer review accepted"),
    "review.assigned": _("Reviewer assigned"),
    "review.assignment_changed": _("Reviewer assignment changed"),
    "review.decline": _("Peer review declined"),
    "review.hand_back": _("Answers handed back"),
    "review.query_answered": _("Query answered"),
    "review.query_closed": _("Query closed"),
    "review.query_corrected": _("Query answered with a correction"),
    "review.query_evidence": _("Query answered with evidence"),
    "review.query_raised": _("Query raised"),
    "review.query_reopened": _("Query reopened"),
    "review.requested": _("Peer review requested"),
    "review.send_round": _("Queries sent"),
    "review.sign_off": _("Peer review signed off"),
    "review.start": _("Peer review started"),
    "review.unassigned": _("Reviewer removed"),
    "review.verdict": _("Verdict given"),
    "review.withdraw": _("Peer review withdrawn"),
    "reviewer.saved": _("Reviewer profile saved"),
    "target.removed": _("Target removed"),
    "target.set": _("Target set"),
    "token.created": _("API token created"),
    "token.revoked": _("API token revoked"),
    "user.activated": _("Account activated"),
    "user.created": _("Account created"),
    "user.deactivated": _("Account deactivated"),
    "user.invitation_accepted": _("Invitation accepted"),
    "user.invited": _("Person invited"),
    "user.invited_existing": _("Existing account invited"),
    "user.password_changed": _("Password changed"),
    "user.password_set": _("Password set"),
    "user.roles_changed": _("Roles changed"),
}

# Names in before/after that are not fields of a model (or read better otherwise).
FIELDS: dict[str, Promise] = {
    "attempts": _("attempts"),
    "by": _("by"),
    "carried_forward": _("values carried forward"),
    "certificate": _("certificate"),
    "changed": _("changed"),
    "changes": _("changes"),
    "confirmed_with": _("confirmed with"),
    "email": _("e-mail"),
    "evidence": _("evidence"),
    "extended_to": _("extended to"),
    "fingerprint": _("fingerprint"),
    "groups": _("groups"),
    "invitation": _("invitation"),
    "ip": _("IP address"),
    "items": _("items"),
    "kpi": _("KPI"),
    "lead": _("lead reviewer"),
    "member": _("member"),
    "members": _("members"),
    "note": _("note"),
    "path": _("entered through"),
    "query": _("query"),
    "reason": _("reason"),
    "recovery_codes": _("recovery codes"),
    "refused": _("refused"),
    "reviewer": _("reviewer"),
    "roles": _("roles"),
    "second_factor": _("second factor"),
    "status": _("status"),
    "step": _("step"),
    "text": _("text"),
    "two_factor": _("two-factor authentication"),
    "user": _("user"),
    "username": _("username"),
    "version": _("version"),
    "warnings": _("warnings"),
}


class Change(NamedTuple):
    field: str  # the key in before/after
    label: str
    before: str | None  # None: not in before
    after: str | None  # None: not in after


def verb_label(verb: str) -> str:
    """The action's label in the active language (the code itself for an action not listed)."""
    label = VERBS.get(verb)
    return str(label) if label is not None else verb


def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type) if "." in target_type else None
    except (LookupError, ValueError):
        return None


@cache
def _fields_named(name: str) -> tuple[models.Field[Any, Any], ...]:
    """Every concrete model field called `name` (fields with choices first)."""
    found = [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.Field) and field.name == name
    ]
    return tuple(sorted(found, key=lambda field: not field.choices))


def _own_field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _choice(field: models.Field[Any, Any] | None, value: Any) -> str | None:
    for key, label in field.flatchoices if field is not None and field.choices else []:
        if key == value:
            return str(label)
    return None


def _field_label(model: type[models.Model] | None, name: str) -> str:
    if name in FIELDS:
        return capfirst(str(FIELDS[name]))
    field = _own_field(model, name) or next(iter(_fields_named(name)), None)
    if field is not None:
        return capfirst(str(field.verbose_name))
    return capfirst(name.replace("_", " "))


Subjects = Mapping[str, Mapping[str, str]]  # "DECL_TOTAL" or "D1.O1.K1" -> its names by language


# The subjects an assessment write records its changes under (before and after are keyed by them):
# "ELEMENT@PERIOD" (a value), "kpi:CODE", "issue:KEY" (an explanation of a warning), "evidence:SUBJECT".
SUBJECT_KEY = re.compile(r"^(?:kpi|issue|evidence):|^[A-Z][A-Z0-9_]*@T(?:-1)?$")


def _subject_codes(events: Iterable[AuditEvent]) -> tuple[set[str], set[str]]:
    """The data element codes and KPI codes that the events' peer-review query subjects name, and the
    subjects an assessment write's changes are keyed by."""
    elements: set[str] = set()
    kpis: set[str] = set()
    for event in events:
        for side in (event.before, event.after):
            if not isinstance(side, dict):
                continue
            subject = side.get("subject")
            named = [subject] if isinstance(subject, str) else []
            for key in filter(SUBJECT_KEY.match, side):
                kind, colon, rest = key.partition(":")
                if kind != "issue":
                    named.append(rest if colon else key)
            for name in named:
                code, _at, period = name.partition("@")
                (elements if period else kpis).add(code)
    return elements, kpis


def _subjects(events: Iterable[AuditEvent]) -> Subjects:
    """The names of every element and KPI the events' query subjects name, two queries at most,
    whatever the number of events; from the latest framework that has each code (codes carry over
    between versions)."""
    elements, kpis = _subject_codes(events)
    names: dict[str, Mapping[str, str]] = {}
    for model_label, codes in (("framework.DataElement", elements), ("framework.Kpi", kpis)):
        if codes:
            rows = apps.get_model(model_label).objects.filter(code__in=sorted(codes)).order_by("pk")
            names.update(rows.values_list("code", "name"))  # later (newer) frameworks win
    return names


def _subject(value: str, subjects: Subjects) -> str:
    """What a peer-review query is about, in words: "ELEMENT@T" is a data element and its year, any
    other code a KPI."""
    code, _at, period = value.partition("@")
    names = subjects.get(code)
    if period:
        return element_named(pick(names) if names else code, period)
    return f"{code} {pick(names)}" if names else code


def _subject_key_label(key: str, subjects: Subjects) -> str | None:
    """An assessment write's subject in words ("“Total number of …” (year T)", "KPI D1.O1.K1: …",
    "Explanation of a warning (jump:AEO_COUNT)", "Evidence for …"), in the words of the history page;
    None for any other key."""
    if not SUBJECT_KEY.match(key):
        return None
    kind, _colon, rest = key.partition(":")
    if not rest:
        return _subject(key, subjects)
    if kind == "issue":
        return gettext("Explanation of a warning (%(key)s)") % {"key": rest}
    if kind == "evidence":
        return gettext("Evidence for %(subject)s") % {"subject": _subject(rest, subjects)}
    names = subjects.get(rest)
    return gettext("KPI %(code)s: %(name)s") % {"code": rest, "name": pick(names)} if names else rest


def _role(value: str, _subjects: Subjects) -> str:
    """A role held, "ncp:KEN", in words: "National Contact Point (KEN)"."""
    role, _sep, member = value.partition(":")
    label = str(Role(role).label) if role in Role.values else role
    return f"{label} ({member})" if member else label


# Values whose words come from elsewhere than a model's choices, by the name they are stored under.
NAMED_VALUES: dict[str, Callable[[str, Subjects], str]] = {"subject": _subject, "roles": _role, "role": _role}


def _value(model: type[models.Model] | None, name: str, value: Any, subjects: Subjects) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(model, name, item, subjects) for item in value) or "—"
    if isinstance(value, dict):
        languages = {code: str(label) for code, label in settings.LANGUAGES}
        if value and set(value) <= set(languages):  # a text in each language: {"en": ..., "fr": ...}
            return "; ".join(f"{languages[k]}: {_value(model, name, v, subjects)}" for k, v in value.items())
        return "; ".join(
            f"{_field_label(model, str(k))}: {_value(model, str(k), v, subjects)}" for k, v in value.items()
        )
    if isinstance(value, str) and name in NAMED_VALUES:
        return NAMED_VALUES[name](value, subjects)
    if isinstance(value, str):
        own = _choice(_own_field(model, name), value)
        if own is not None:
            return own
        for field in _fields_named(name):
            label = _choice(field, value)
            if label is not None:
                return label
    return str(value)


def _model_of(event: AuditEvent) -> type[models.Model] | None:
    """The model whose fields an event's before and after describe: its target's, except for the
    peer-review query events, which are recorded on the review but describe the query."""
    if event.verb.startswith("review.query_"):
        return apps.get_model("reviews.ReviewQuery")
    return _model(event.target_type)


def changes_of(events: Iterable[AuditEvent]) -> list[list[Change]]:
    """`changes` of each event, for a page of them: the names the events refer to are read once."""
    found = list(events)
    subjects = _subjects(found)
    return [_changes(event, subjects) for event in found]


def changes(event: AuditEvent) -> list[Change]:
    """The event's before and after, field by field, in words. A field with the same value before and
    after (e.g. the query a change is about) is shown once, as its after value."""
    return _changes(event, _subjects([event]))


def _changes(event: AuditEvent, subjects: Subjects) -> list[Change]:
    model = _model_of(event)
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    names = [*before, *(name for name in after if name not in before)]
    shown: list[Change] = []
    for name in names:
        was = _value(model, name, before[name], subjects) if name in before else None
        now = _value(model, name, after[name], subjects) if name in after else None
        if was is not None and now is not None and before[name] == after[name]:
            was = None
        label = _subject_key_label(name, subjects) or _field_label(model, name)
        shown.append(Change(name, label, was, now))
    return shown
