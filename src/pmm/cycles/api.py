from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_get, cycles_list
from pmm.cycles.services import cycle_change_status, cycle_create, extension_grant
from pmm.cycles.workflow import CYCLE_WORKFLOW
from pmm.members.selectors import member_get

router = Router(tags=["cycles"])


class CycleIn(Input):
    framework: str
    framework_version: str | None = None
    reporting_year: int
    opens_on: date
    closes_on: date


class CycleOut(Schema):
    id: int
    name: str
    framework: str
    framework_version: str
    reporting_year: int
    previous_year: int
    opens_on: date
    closes_on: date
    status: str
    moves: list[str]  # the status changes the caller may make now ("open", "close", "archive")


class CycleStatusIn(Input):
    action: str
    reason: str = ""


class ExtensionIn(Input):
    member: str
    extended_to: date
    reason: str


class ExtensionOut(Schema):
    member: str
    extended_to: date
    reason: str


def cycle_out(c: Cycle, actor: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": str(c),
        "framework": c.framework.code,
        "framework_version": c.framework.version,
        "reporting_year": c.reporting_year,
        "previous_year": c.previous_year,
        "opens_on": c.opens_on,
        "closes_on": c.closes_on,
        "status": c.status,
        "moves": CYCLE_WORKFLOW.available(actor, c),
    }


@router.get("/cycles", response={200: list[CycleOut], **ERROR_RESPONSES}, summary="Assessment cycles")
def list_cycles(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    require(actor, "cycle.view")
    return [cycle_out(c, actor) for c in cycles_list()]


@router.post("/cycles", response={201: CycleOut, **ERROR_RESPONSES}, summary="Open a cycle (Secretariat)")
def create_cycle(request: HttpRequest, payload: CycleIn) -> Status:
    actor = actor_of(request)
    require(actor, "cycle.manage")
    cycle = cycle_create(
        actor=actor,
        framework_code=payload.framework,
        framework_version=payload.framework_version,
        reporting_year=payload.reporting_year,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
    )
    return Status(201, cycle_out(cycle, actor))


@router.get("/cycles/{cycle}", response={200: CycleOut, **ERROR_RESPONSES})
def get_cycle(request: HttpRequest, cycle: int) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "cycle.view")
    return cycle_out(cycle_get(cycle), actor)


@router.post(
    "/cycles/{cycle}/status",
    response={200: CycleOut, **ERROR_RESPONSES},
    summary="Open, close or archive a cycle (Secretariat)",
)
def change_status(request: HttpRequest, cycle: int, payload: CycleStatusIn) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "cycle.manage")
    return cycle_out(
        cycle_change_status(
            actor=actor, cycle=cycle_get(cycle), action=payload.action, reason=payload.reason
        ),
        actor,
    )


@router.post(
    "/cycles/{cycle}/extensions",
    response={200: ExtensionOut, **ERROR_RESPONSES},
    summary="Extend one member's deadline (Secretariat)",
)
def grant_extension(request: HttpRequest, cycle: int, payload: ExtensionIn) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "cycle.manage")
    extension = extension_grant(
        actor=actor,
        cycle=cycle_get(cycle),
        member=member_get(payload.member),
        extended_to=payload.extended_to,
        reason=payload.reason,
    )
    return {
        "member": payload.member.upper(),
        "extended_to": extension.extended_to,
        "reason": extension.reason,
    }
