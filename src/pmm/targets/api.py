"""KPI targets API: a member's targets with the progress toward them; the NCP sets and removes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.cycles.selectors import cycle_get
from pmm.targets.progress import Point
from pmm.targets.selectors import (
    TargetProgress,
    target_get,
    target_progress,
    targets_cycle,
    targets_member,
)
from pmm.targets.services import target_remove, target_set

router = Router(tags=["targets"])


class PointOut(Schema):
    """A (year, value) point."""

    year: int
    value: float

    @staticmethod
    def resolve_year(obj: Point) -> int:
        return obj[0]

    @staticmethod
    def resolve_value(obj: Point) -> float:
        return obj[1]


class TargetOut(Schema):
    """A target with the progress toward it (a `TargetProgress` row)."""

    member: str = Field(validation_alias="target.member.iso3")
    framework: str = Field(validation_alias="target.framework_code")
    kpi: str = Field(validation_alias="target.kpi")
    component: str = Field(validation_alias="target.component")
    year: int = Field(validation_alias="target.year")
    value: float = Field(validation_alias="target.value")
    note: str = Field(validation_alias="target.note")
    set_by: str | None
    set_at: datetime = Field(validation_alias="target.set_at")
    in_framework: bool  # False: the KPI (component) is not in the cycle's framework version
    status: str  # achieved, on_track, off_track or no_data
    baseline: PointOut | None
    latest: PointOut | None
    # the value expected by the latest year on the line from baseline to target
    expected: float | None = Field(validation_alias="progress.expected")
    # (latest - baseline) / (target - baseline)
    share_done: float | None = Field(validation_alias="progress.share_done")

    @staticmethod
    def resolve_set_by(obj: TargetProgress) -> str | None:
        return obj.target.set_by.get_username() if obj.target.set_by else None

    @staticmethod
    def resolve_in_framework(obj: TargetProgress) -> bool:
        return obj.kpi is not None and obj.target.component in obj.kpi.formulas


class TargetsOut(Schema):
    cycle: int
    reporting_year: int
    framework: str
    targets: list[TargetOut]


class TargetIn(Input):
    value: float
    cycle: int  # the cycle whose framework the target is checked against (the year must be later)
    component: str = "value"
    note: str = ""


class TargetRemovedOut(Schema):
    member: str
    kpi: str
    component: str
    year: int
    removed: bool


ALL = "/members/{iso3}/targets"
ONE = ALL + "/{kpi}/{year}"


@router.get(
    ALL,
    response={200: TargetsOut, **ERROR_RESPONSES},
    summary="A member's KPI targets with the progress toward each (default cycle: the latest)",
)
def targets_list(request: HttpRequest, iso3: str, cycle: int | None = None) -> dict[str, Any]:
    actor = actor_of(request)
    member = targets_member(actor, iso3)
    chosen = targets_cycle(cycle)
    rows = target_progress(actor, member, chosen)
    return {
        "cycle": chosen.pk,
        "reporting_year": chosen.reporting_year,
        "framework": chosen.framework.code,
        "targets": rows,
    }


@router.put(
    ONE,
    response={200: TargetOut, **ERROR_RESPONSES},
    summary="Set the member's target for a KPI in a coming year: create or change it (NCP)",
)
def target_put(request: HttpRequest, iso3: str, kpi: str, year: int, payload: TargetIn) -> TargetProgress:
    actor = actor_of(request)
    member = targets_member(actor, iso3)
    require(actor, "target.manage", member)  # before reading the cycle: 403 whatever the input
    cycle = cycle_get(payload.cycle)
    saved = target_set(
        actor=actor,
        member=member,
        cycle=cycle,
        kpi=kpi,
        component=payload.component,
        year=year,
        value=payload.value,
        note=payload.note,
    )
    return next(row for row in target_progress(actor, member, cycle) if row.target.pk == saved.pk)


@router.delete(
    ONE,
    response={200: TargetRemovedOut, **ERROR_RESPONSES},
    summary="Remove one of the member's targets (NCP); the audit log keeps it",
)
def target_delete(
    request: HttpRequest,
    iso3: str,
    kpi: str,
    year: int,
    component: str = "value",
    reason: str = "",
    cycle: int | None = None,
) -> dict[str, Any]:
    actor = actor_of(request)
    member = targets_member(actor, iso3)
    require(actor, "target.manage", member)  # before looking the target up: 403 whatever the input
    framework_code = targets_cycle(cycle).framework.code
    target = target_get(actor, member, framework_code, kpi, component, year)
    target_remove(actor=actor, target=target, reason=reason)
    return {"member": member.iso3, "kpi": kpi, "component": component, "year": year, "removed": True}
