"""The country report's targets and progress. A target is the member's own plan and has no disclosure
level of its own: it is read with `target.view` (the member's own people and the Secretariat), so the
report shows targets only in its full edition, and only to a reader who may read them (`targets_of`,
the targets' one read). The public and WCO editions never read them.

The progress toward each target is measured from the member's values the report shows (the values of
earlier cycles its edition's audience may see, and its value in this publication), by the platform's
one rule (`pmm.targets.progress`, through `progress_rows`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pmm.authz import can
from pmm.cycles.models import Cycle
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.members.models import Member
from pmm.results.engine import COMPUTED
from pmm.results.formatting import component_label, value_text
from pmm.results.selectors import ResultRow
from pmm.targets.progress import Point
from pmm.targets.selectors import progress_rows, status_label, targets_of

Key = tuple[str, str]


@dataclass(frozen=True)
class TargetLine:
    kpi: KpiSpec
    label: str  # the component's name for a KPI split in several, else ""
    year: int
    target: str  # the value planned, in words
    baseline: str  # "2022: 70.2%", or "" when the report shows no value of the KPI
    latest: str
    status: str  # achieved, on track, off track, no data: in words
    note: str  # the member's note on the target


def shown_values(
    history: Mapping[Key, list[tuple[int, float]]], rows: Iterable[ResultRow], year: int
) -> dict[Key, list[Point]]:
    """The member's values the report shows, by KPI component, oldest first: its values in earlier
    cycles (as the edition's audience may see them) and its computed value in this publication."""
    found: dict[Key, dict[int, float]] = defaultdict(dict)
    for key, points in history.items():
        found[key].update(points)
    for row in rows:
        if row.status == COMPUTED and row.value is not None:
            found[(row.kpi, row.component)][year] = float(row.value)
    return {key: sorted(points.items()) for key, points in found.items()}


def report_targets(
    actor: Any,
    member: Member,
    cycle: Cycle,
    spec: FrameworkSpec,
    units: Mapping[str, Mapping[str, Any]],
    values: dict[Key, list[Point]],
) -> list[TargetLine] | None:
    """The member's targets with their progress, for a full edition; None when the reader may not read
    the member's targets (the section then says they are not in this edition)."""
    if not can(actor, "target.view", member):
        return None
    lines = []
    for row in progress_rows(spec, targets_of(actor, member, cycle.framework.code), values):
        kpi = row.kpi
        if kpi is None:  # a KPI of another version of the framework: not in this report
            continue

        def text(point: Point | None, kpi: KpiSpec = kpi) -> str:
            return "" if point is None else f"{point[0]}: {value_text(point[1], kpi, spec, units)}"

        target = row.target
        lines.append(
            TargetLine(
                kpi,
                component_label(target.component) if len(kpi.formulas) > 1 else "",
                target.year,
                value_text(target.value, kpi, spec, units),
                text(row.baseline),
                text(row.latest),
                status_label(row.status),
                target.note,
            )
        )
    return lines
