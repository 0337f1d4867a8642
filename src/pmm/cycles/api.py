from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import AliasPath, Field

from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.cycles.models import Cycle, DeadlineExtension
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


# A cycle, with the moves of its workflow the caller (the request's actor) may make now.
class CycleOut(Schema):
    id: int
    name: str
    framework: str = Field(validation_alias=AliasPath("framework", "code"))
    framework_version: str = Field(validation_alias=AliasPath("framework", "version"))
    reporting_year: int
    previous_year: int
    opens_on: date
    closes_on: date
    status: str
    moves: list[str]  # the status changes the caller may make now ("open", "close", "archive")

    @staticmethod
    def resolve_name(cycle: Cycle) -> str:
        return str(cycle)

    @staticmethod
    def resolve_moves(cycle: Cycle, context: dict[str, Any]) -> list[str]:
        return CYCLE_WORKFLOW.available(actor_of(context["request"]), cycle)


class CycleStatusIn(Input):
    action: str
    reason: str = ""


class ExtensionIn(Input):
    member: str
    extended_to: date
    reason: str


class ExtensionOut(Schema):
    member: str = Field(validation_alias=AliasPath("member", "iso3"))
    extended_to: date
    reason: str


@router.get("/cycles", response={200: list[CycleOut], **ERROR_RESPONSES}, summary="Assessment cycles")
def list_cycles(request: HttpRequest) -> list[Cycle]:
    require(actor_of(request), "cycle.view")  # the selector reads every cycle for anyone
    return list(cycles_list())


@router.post("/cycles", response={201: CycleOut, **ERROR_RESPONSES}, summary="Open a cycle (Secretariat)")
def create_cycle(request: HttpRequest, payload: CycleIn) -> Status:
    cycle = cycle_create(
        actor=actor_of(request),
        framework_code=payload.framework,
        framework_version=payload.framework_version,
        reporting_year=payload.reporting_year,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
    )
    return Status(201, cycle)


@router.get("/cycles/{cycle}", response={200: CycleOut, **ERROR_RESPONSES})
def get_cycle(request: HttpRequest, cycle: int) -> Cycle:
    require(actor_of(request), "cycle.view")  # the selector reads any cycle for anyone
    return cycle_get(cycle)


@router.post(
    "/cycles/{cycle}/status",
    response={200: CycleOut, **ERROR_RESPONSES},
    summary="Open, close or archive a cycle (Secretariat)",
)
def change_status(request: HttpRequest, cycle: int, payload: CycleStatusIn) -> Cycle:
    actor = actor_of(request)
    require(actor, "cycle.manage")  # before the lookup: a caller who may not manage cycles learns none
    return cycle_change_status(
        actor=actor, cycle=cycle_get(cycle), action=payload.action, reason=payload.reason
    )


@router.post(
    "/cycles/{cycle}/extensions",
    response={200: ExtensionOut, **ERROR_RESPONSES},
    summary="Extend one member's deadline (Secretariat)",
)
def grant_extension(request: HttpRequest, cycle: int, payload: ExtensionIn) -> DeadlineExtension:
    actor = actor_of(request)
    require(actor, "cycle.manage")  # before the lookups: 403, not which cycle or member exists
    return extension_grant(
        actor=actor,
        cycle=cycle_get(cycle),
        member=member_get(payload.member),
        extended_to=payload.extended_to,
        reason=payload.reason,
    )
