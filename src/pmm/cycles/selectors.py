from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pmm.core.errors import NotFound
from pmm.cycles.models import Cycle, CycleStatus, DeadlineExtension, deadline_for
from pmm.framework.spec import FrameworkSpec, spec_of


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


def closed_reason(cycle: Cycle, member_id: int, deadline: date | None = None) -> str:
    """Why the cycle accepts no data from this member now, in the reader's language ("" when it does).

    The one rule for the editing window, read by the services, the pages, the API and the workbook.
    """
    if cycle.status == CycleStatus.PLANNED:
        return _("The cycle has not opened yet: data can be entered once the WCO Secretariat opens it.")
    if cycle.status != CycleStatus.OPEN:
        return _("Data cannot be changed: the cycle is %(status)s.") % {
            "status": cycle.get_status_display().lower()
        }
    today = timezone.localdate()
    if today < cycle.opens_on:
        return _("Data can be entered from %(date)s, when the cycle opens.") % {
            "date": date_format(cycle.opens_on, "DATE_FORMAT")
        }
    deadline = deadline or member_deadline(cycle, member_id)
    if today > deadline:
        return _(
            "The deadline was %(date)s. Ask the WCO Secretariat for an extension to change the data."
        ) % {"date": date_format(deadline, "DATE_FORMAT")}
    return ""


def cycle_spec(cycle: Cycle) -> FrameworkSpec:
    """The spec of the framework version the cycle collects."""
    return spec_of(cycle.framework)
