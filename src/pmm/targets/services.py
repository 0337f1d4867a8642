"""Writes of KPI targets: the member's NCP sets (creates or changes) and removes them; audited.

A target is checked against the framework of the cycle it is set from (`target_set(cycle=...)`):
- kpi: a KPI of that framework version;
- component: one of the KPI's formula components ("value" for a KPI with one formula);
- year: a coming reporting year, later than the cycle's reporting year T, and at most
  MAX_YEARS_AHEAD years after it (targets are for coming cycles, not for the one being reported);
- value: a finite number within the KPI's range when it has one; a percentage between 0 and 100;
  a yes/no KPI 1 (yes) or 0 (no);
- note: at most MAX_NOTE characters.
Every problem is reported at once, each naming its field.
"""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.utils import timezone

from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.spreadsheet import whole_number
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.framework.spec import KpiSpec
from pmm.members.models import Member
from pmm.targets.models import Target

MAX_YEARS_AHEAD = 20
MAX_NOTE = 2000


def _acting_user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _fields(target: Target) -> dict[str, Any]:
    return {
        "framework": target.framework_code,
        "kpi": target.kpi,
        "component": target.component,
        "year": target.year,
        "value": target.value,
        "note": target.note,
    }


def _number(value: float) -> str:
    return f"{value:g}"


def value_bounds(kpi: KpiSpec) -> tuple[float | None, float | None]:
    """The lowest and highest target value the KPI allows (None: no bound)."""
    low, high = kpi.minimum, kpi.maximum
    if kpi.kind == "percentage":
        low = 0.0 if low is None else max(low, 0.0)
        high = 100.0 if high is None else min(high, 100.0)
    return low, high


def is_yes_no(kpi: KpiSpec) -> bool:
    return kpi.kind == "yes_no" or kpi.unit == "yes_no"


def _value_problem(kpi: KpiSpec, value: float) -> str:
    if is_yes_no(kpi):
        return "" if value in (0, 1) else "a yes/no KPI takes 1 (yes) or 0 (no)"
    low, high = value_bounds(kpi)
    if low is not None and high is not None and not low <= value <= high:
        return f"must be between {_number(low)} and {_number(high)}"
    if low is not None and value < low:
        return f"must be at least {_number(low)}"
    if high is not None and value > high:
        return f"must be at most {_number(high)}"
    return ""


def _check(
    cycle: Cycle, kpi: str, component: str, year: Any, value: Any, note: str
) -> tuple[list[FieldProblem], int, float]:
    """The problems of a target's fields (all at once), and the year and value as numbers."""
    spec = cycle_spec(cycle)
    problems: list[FieldProblem] = []
    kpi_spec = spec.kpis.get(kpi)
    framework = f"{cycle.framework.code} {cycle.framework.version}"
    if not kpi:
        problems.append(FieldProblem("kpi", "is required"))
    elif kpi_spec is None:
        problems.append(FieldProblem("kpi", f"no KPI {kpi} in the framework {framework}"))
    elif component not in kpi_spec.formulas:
        choices = sorted(kpi_spec.formulas)  # one order on every database (jsonb reorders keys)
        problems.append(
            FieldProblem(
                "component",
                f"use one of {', '.join(choices)}"
                if len(choices) > 1
                else f'{kpi} has a single value: leave the component out (or use "value")',
            )
        )
    number_year = whole_number(year)
    if number_year is None:
        problems.append(FieldProblem("year", "must be a whole year, e.g. 2028"))
    else:
        first, last = cycle.reporting_year + 1, cycle.reporting_year + MAX_YEARS_AHEAD
        if number_year < first:
            problems.append(
                FieldProblem(
                    "year",
                    f"must be later than {cycle.reporting_year}, the cycle's reporting year: targets are "
                    "for coming cycles",
                )
            )
        elif number_year > last:
            problems.append(FieldProblem("year", f"must be {last} or earlier"))
    number_value = math.nan
    try:
        if isinstance(value, bool):
            raise ValueError
        number_value = float(value)
    except (TypeError, ValueError):
        problems.append(FieldProblem("value", "must be a number"))
    else:
        if not math.isfinite(number_value):
            problems.append(FieldProblem("value", "must be a number"))
        elif kpi_spec is not None and (problem := _value_problem(kpi_spec, number_value)):
            problems.append(FieldProblem("value", problem))
    if len(note) > MAX_NOTE:
        problems.append(FieldProblem("note", f"at most {MAX_NOTE} characters"))
    return problems, number_year or 0, number_value


@transaction.atomic
def target_set(
    *,
    actor: Any,
    member: Member,
    cycle: Cycle,
    kpi: str,
    component: str = "value",
    year: int,
    value: float,
    note: str = "",
) -> Target:
    """Set the member's target for a KPI component in a coming year: create it, or change its value and
    note. Checked against the cycle's framework (see the module's docstring)."""
    require(actor, "target.manage", member)
    kpi, component, note = (kpi or "").strip(), (component or "value").strip(), (note or "").strip()
    problems, year, value = _check(cycle, kpi, component, year, value, note)
    if problems:
        raise ApplicationError("The target was not saved.", problems=problems)
    framework_code = cycle.framework.code
    target = (
        Target.objects.unrestricted()
        .select_for_update()
        .filter(member=member, framework_code=framework_code, kpi=kpi, component=component, year=year)
        .first()
    )
    before = _fields(target) if target is not None else None
    if target is None:
        target = Target(member=member, framework_code=framework_code, kpi=kpi, component=component, year=year)
    elif target.value == value and target.note == note:
        target.member = member
        return target  # nothing changed: nothing to record
    target.member = member
    target.value, target.note = value, note
    target.set_by, target.set_at = _acting_user(actor), timezone.now()
    target.save()
    audit_record(
        actor=actor,
        verb="target.set",
        target=target,
        target_label=target.label,
        before=before,
        after=_fields(target),
    )
    return target


@transaction.atomic
def target_remove(*, actor: Any, target: Target, reason: str = "") -> None:
    """Remove a target (its row is deleted; the audit log keeps what it was)."""
    locked = (
        Target.objects.unrestricted()
        .select_for_update()
        .select_related("member")
        .filter(pk=target.pk)
        .first()
    )
    if locked is None:
        require(actor, "target.manage", target.member)
        raise ApplicationError("This target has already been removed.", code="not_found")
    require(actor, "target.manage", locked.member)
    audit_record(
        actor=actor,
        verb="target.removed",
        target=locked,
        target_label=locked.label,
        before=_fields(locked),
        after=None,
        reason=(reason or "").strip(),
    )
    locked.delete()
