"""Writes on cycles: create, move through the status table, grant deadline extensions. All audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.models import Cycle, CycleStatus, DeadlineExtension
from pmm.cycles.workflow import CYCLE_WORKFLOW
from pmm.framework.models import Framework, FrameworkStatus
from pmm.members.models import Member


def _cycle_state(cycle: Cycle) -> dict[str, Any]:
    return {
        "framework": f"{cycle.framework.code} {cycle.framework.version}",
        "reporting_year": cycle.reporting_year,
        "opens_on": cycle.opens_on.isoformat(),
        "closes_on": cycle.closes_on.isoformat(),
        "status": cycle.status,
    }


@transaction.atomic
def cycle_create(
    *,
    actor: Any,
    framework_code: str,
    reporting_year: int,
    opens_on: date,
    closes_on: date,
    framework_version: str | None = None,
) -> Cycle:
    """Open a cycle on the active version of a framework (or a named version, which must be active)."""
    require(actor, "cycle.manage")
    problems = []
    frameworks = Framework.objects.filter(code=framework_code, status=FrameworkStatus.ACTIVE)
    if framework_version:
        frameworks = frameworks.filter(version=framework_version)
    framework = frameworks.first()
    if framework is None:
        problems.append(
            FieldProblem(
                "framework",
                f"no active framework {framework_code}"
                + (f" version {framework_version}" if framework_version else ""),
            )
        )
    if closes_on <= opens_on:
        problems.append(FieldProblem("closes_on", "must be after the opening date"))
    if not 1990 <= reporting_year <= opens_on.year:
        problems.append(FieldProblem("reporting_year", f"must be a past year, {opens_on.year} at the latest"))
    if (
        framework
        and Cycle.objects.filter(framework__code=framework_code, reporting_year=reporting_year).exists()
    ):
        problems.append(
            FieldProblem("reporting_year", f"a {framework_code} cycle for {reporting_year} exists")
        )
    if problems or framework is None:
        raise ApplicationError("The cycle could not be created.", problems=problems)
    status = CycleStatus.OPEN if opens_on <= timezone.localdate() else CycleStatus.PLANNED
    cycle = Cycle.objects.create(
        framework=framework,
        reporting_year=reporting_year,
        opens_on=opens_on,
        closes_on=closes_on,
        status=status,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, verb="cycle.created", target=cycle, after=_cycle_state(cycle))
    return cycle


@transaction.atomic
def cycle_change_status(*, actor: Any, cycle: Cycle, action: str, reason: str = "") -> Cycle:
    """Move a cycle through its workflow (`workflow.CYCLE_WORKFLOW`): open, close or archive it."""
    new_status = CYCLE_WORKFLOW.require(actor, cycle, action)
    before = cycle.status
    cycle.status = new_status
    cycle.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb=f"cycle.{action}",
        target=cycle,
        before={"status": before},
        after={"status": new_status},
        reason=reason,
    )
    return cycle


@transaction.atomic
def extension_grant(
    *, actor: Any, cycle: Cycle, member: Member, extended_to: date, reason: str
) -> DeadlineExtension:
    """Let one member keep editing after the closing date, until `extended_to`."""
    require(actor, "cycle.manage")
    problems = []
    if extended_to <= cycle.closes_on:
        problems.append(
            FieldProblem("extended_to", f"must be after the cycle's closing date {cycle.closes_on}")
        )
    if not reason.strip():
        problems.append(FieldProblem("reason", "say why the deadline is extended"))
    if problems:
        raise ApplicationError("The extension could not be granted.", problems=problems)
    existing = DeadlineExtension.objects.filter(cycle=cycle, member=member).first()
    before = {"extended_to": existing.extended_to.isoformat()} if existing else None
    extension, _created = DeadlineExtension.objects.update_or_create(
        cycle=cycle,
        member=member,
        defaults={
            "extended_to": extended_to,
            "reason": reason.strip(),
            "granted_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    audit_record(
        actor=actor,
        verb="cycle.extension_granted",
        target=cycle,
        target_label=f"{cycle} · {member.iso3}",
        before=before,
        after={"member": member.iso3, "extended_to": extended_to.isoformat()},
        reason=reason,
    )
    return extension
