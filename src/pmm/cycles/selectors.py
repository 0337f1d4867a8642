from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pmm.core.errors import NotFound
from pmm.cycles.models import Cycle, CycleStatus, DeadlineExtension, deadline_for


def cycles_list() -> QuerySet[Cycle]:
    return Cycle.objects.select_related("framework")


def cycle_get(cycle_id: int) -> Cycle:
    cycle = Cycle.objects.select_related("framework").filter(pk=cycle_id).first()
    if cycle is None:
        raise NotFound(f"No cycle {cycle_id}.")
    return cycle


def member_deadline(cycle: Cycle, member_id: int) -> date:
    extension = DeadlineExtension.objects.filter(cycle=cycle, member_id=member_id).first()
    return deadline_for(cycle, extension)


def accepting_data(cycle: Cycle, member_id: int, today: date | None = None) -> tuple[bool, str]:
    """Whether a member may edit now, and why not (plain English) when it may not."""
    today = today or timezone.localdate()
    if cycle.status != CycleStatus.OPEN:
        return False, _("the cycle is %(status)s") % {"status": str(CycleStatus(cycle.status).label).lower()}
    if today < cycle.opens_on:
        return False, _("the cycle opens on %(date)s") % {"date": cycle.opens_on.isoformat()}
    deadline = member_deadline(cycle, member_id)
    if today > deadline:
        return False, _("the deadline was %(date)s; ask the Secretariat for an extension") % {
            "date": deadline.isoformat()
        }
    return True, ""
