"""Reads of KPI targets. Targets are the member's plans: read with `target.view` (the member's own
people and the Secretariat); anyone else gets 404, as for assessments ("missing" and "not yours" alike).

`target_progress` puts each target next to the member's values of its KPI component as the reader may
see them: the latest publication of the cycle and of each earlier cycle of the same framework (read
through the disclosure filter, `pmm.results.series`), and the member's current (unpublished) results
of the cycle when the reader may read them, which replace the published value of that year. The
baseline is the earliest of these values, the latest the most recent; `progress.py` gives the status.
Every function runs a fixed number of queries, whatever the number of targets.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from pmm.authz import can
from pmm.core.actors import is_system
from pmm.core.errors import NotFound, PermissionDenied
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_get, cycle_spec, cycles_list
from pmm.disclosure.audience import audience_of
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.members.models import Member
from pmm.results.engine import COMPUTED
from pmm.results.selectors import ResultFilters, current_results, may_read_current
from pmm.results.series import Key, latest_publications, member_history
from pmm.targets.models import Target
from pmm.targets.progress import (
    ACHIEVED,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    Point,
    Progress,
    baseline_and_latest,
    progress,
)

# A target's status in words: the targets page and the country report write it the same way.
STATUS_LABELS = {
    ACHIEVED: gettext_lazy("Achieved"),
    ON_TRACK: gettext_lazy("On track"),
    OFF_TRACK: gettext_lazy("Off track"),
    NO_DATA: gettext_lazy("No data"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _may_view(actor: Any, member: Member | None, iso3: str = "") -> Member:
    if member is None or not can(actor, "target.view", member):
        if not is_system(actor) and not getattr(actor, "is_authenticated", False):
            raise PermissionDenied()
        raise NotFound(f"No targets of {iso3 or getattr(member, 'iso3', '')}.")
    return member


def targets_member(actor: Any, iso3: str) -> Member:
    """The member whose targets the actor may read; NotFound (404) otherwise, PermissionDenied (401 in
    the API) for anonymous visitors."""
    code = iso3.strip().upper()
    return _may_view(actor, Member.objects.filter(iso3=code).first(), code)


def targets_of(actor: Any, member: Member, framework_code: str) -> list[Target]:
    """The member's targets for the framework, by KPI, component and year (one query)."""
    _may_view(actor, member)
    targets = list(
        Target.objects.visible_to(actor)
        .filter(member=member, framework_code=framework_code)
        .select_related("set_by")
        .order_by("kpi", "component", "year")
    )
    for target in targets:
        target.member = member  # no query per target for its member
    return targets


def target_get(
    actor: Any, member: Member, framework_code: str, kpi: str, component: str, year: int
) -> Target:
    """One target; NotFound when there is none (or the actor may not see the member's targets)."""
    _may_view(actor, member)
    target = (
        Target.objects.visible_to(actor)
        .select_related("member", "set_by")
        .filter(member=member, framework_code=framework_code, kpi=kpi, component=component, year=year)
        .first()
    )
    if target is None:
        component_text = "" if component == "value" else f" ({component})"
        raise NotFound(f"No target for {kpi}{component_text} in {year}.")
    return target


def member_values(actor: Any, member: Member, cycle: Cycle) -> dict[Key, list[Point]]:
    """The member's computed values by KPI component, oldest first, as the actor may see them: the
    latest publication of the cycle and of each earlier cycle of its framework, and the member's current
    results of the cycle if the actor may read them (they replace the published value of that year)."""
    publications = latest_publications(cycle)
    by_year: dict[Key, dict[int, float]] = defaultdict(dict)
    if publications:
        for key, points in member_history(audience_of(actor), member.pk, publications).items():
            by_year[key].update(points)
    if is_system(actor) or (may_read_current(actor) and can(actor, "assessment.view", member)):
        for row in current_results(actor, cycle, ResultFilters(member=member.iso3)).rows:
            if row.member_id == member.pk and row.status == COMPUTED and row.value is not None:
                by_year[(row.kpi, row.component)][cycle.reporting_year] = float(row.value)
    return {key: sorted(years.items()) for key, years in by_year.items()}


@dataclass(frozen=True)
class TargetProgress:
    """One target with the member's values of its KPI component and the progress toward it."""

    target: Target
    kpi: KpiSpec | None  # None: the KPI is not in this cycle's framework version
    history: tuple[Point, ...]  # the member's values the reader may see, oldest first
    baseline: Point | None
    latest: Point | None
    progress: Progress

    @property
    def status(self) -> str:
        return self.progress.status


def _position(spec: FrameworkSpec, target: Target) -> tuple[int, int, int]:
    kpi = spec.kpis.get(target.kpi)
    if kpi is None:
        return (len(spec.kpis), 0, target.year)
    components = list(kpi.formulas)
    index = components.index(target.component) if target.component in components else len(components)
    return (kpi.position, index, target.year)


def progress_rows(
    spec: FrameworkSpec, targets: list[Target], values: dict[Key, list[Point]]
) -> list[TargetProgress]:
    """Each target with its progress, in the framework's order (no queries)."""
    rows = []
    for target in sorted(targets, key=lambda t: (_position(spec, t), t.kpi, t.component)):
        kpi = spec.kpis.get(target.kpi)
        history = tuple(values.get((target.kpi, target.component), ()))
        baseline, latest = baseline_and_latest(history)
        direction = kpi.direction if kpi is not None else ""
        rows.append(
            TargetProgress(
                target,
                kpi,
                history,
                baseline,
                latest,
                progress(direction, baseline, latest, (target.year, target.value)),
            )
        )
    return rows


def target_progress(actor: Any, member: Member, cycle: Cycle) -> list[TargetProgress]:
    """The member's targets for the cycle's framework, each with its progress, in the framework's order."""
    targets = targets_of(actor, member, cycle.framework.code)
    spec = cycle_spec(cycle)
    values = member_values(actor, member, cycle) if targets else {}
    return progress_rows(spec, targets, values)


def targets_cycle(cycle_id: int | None) -> Cycle:
    """The cycle asked for, or by default the latest one (the latest reporting year)."""
    if cycle_id is not None:
        return cycle_get(cycle_id)
    cycle = cycles_list().first()
    if cycle is None:
        raise NotFound("There is no assessment cycle yet.")
    return cycle
