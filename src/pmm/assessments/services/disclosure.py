"""Disclosure levels after publication: what a publication froze, and who hears of a change.

A disclosure level is a governance choice, not data. The member's NCP (`assessment.set_disclosure`)
may change it at any time: while the assessment is in progress, after it is submitted (it does not
reopen it, touches no value, and moves the version by one like every write), after the cycle closed
and after publication. But:

- each publication froze the level with every figure (`PublishedResult.disclosure`): a change never
  alters what an existing publication shows, it applies from the next publication of the cycle;
- once the member's results of the cycle have been published, a change needs a reason (kept in the
  history and the audit log with the levels before and after), and the Secretariat administrators
  are notified so they can decide to publish again.

`kpi_writes` applies the rule (the KPI step of every unit of work); this module holds what it needs:
the levels of the member's latest publication (also shown on the member's pages and in the API) and
the notification.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from pmm.accounts.models import User
from pmm.assessments.models import Assessment, Disclosure
from pmm.authz import holders
from pmm.core.providers import Provided
from pmm.notifications.messages import each_language, label_param, member_param
from pmm.notifications.services import notify_message

NOTIFICATION_KIND = "assessment.disclosure_changed"


@dataclass(frozen=True)
class PublishedLevels:
    """The disclosure levels of a member's figures in the latest publication of the cycle that holds
    them (`number`: that publication; None when the member's results were never published)."""

    number: int | None = None
    levels: dict[str, str] = field(default_factory=dict)  # KPI code -> level

    @property
    def published(self) -> bool:
        return self.number is not None

    def level(self, kpi: str) -> str:
        """The KPI's level in that publication ("" if it holds no figure of the KPI)."""
        return self.levels.get(kpi, "")

    def moved(self, kpi: str, current: str) -> str:
        """The published level when the current level differs from it, else ""."""
        published = self.level(kpi)
        return published if published and published != current else ""

    def note(self, kpi: str, current: str) -> str:
        """Both levels in plain words when the current level differs from the published one, else ""
        (the member's pages and the API show it)."""
        moved = self.moved(kpi, current)
        return published_note(moved, current) if moved else ""


NOT_PUBLISHED = PublishedLevels()


# The levels the member's latest publication in the assessment's cycle recorded, per KPI: for the rule
# of `kpi_writes` and the notes of the member's pages. Results build on assessments and answer it
# (`pmm.results.levels`, provided in ResultsConfig.ready()).
published_levels = Provided[[Assessment], PublishedLevels]("published_levels")


def level_label(level: str) -> str:
    return str(Disclosure(level).label) if level in Disclosure.values else level


def level_param(level: str) -> dict[str, str] | str:
    """A level as a notification parameter, shown in its reader's language."""
    return label_param(Disclosure(level).label) if level in Disclosure.values else level


def published_note(published: str, current: str) -> str:
    """Both levels in plain words, for a KPI whose level changed since its latest publication."""
    return _("Published as: %(published)s · From the next publication: %(next)s") % {
        "published": level_label(published),
        "next": level_label(current),
    }


def secretariat_notify(
    assessment: Assessment, kpi: str, old: str, new: str, reason: str, published: PublishedLevels
) -> None:
    """Tell those who publish (the Secretariat administrators), each in their language, that a
    published member changed a level: the latest publication still shows the old one; publishing
    again would show the new one."""
    params = {
        "member": member_param(assessment.member),
        "kpi": kpi,
        "cycle": each_language(lambda: assessment.cycle),
        "old": level_param(old),
        "new": level_param(new),
        "number": published.number,
        "reason": reason,
    }
    publishers = User.objects.filter(holders("result.publish")).distinct()
    url = reverse("results:publications", args=[assessment.cycle_id])
    notify_message(publishers, NOTIFICATION_KIND, params, url)
