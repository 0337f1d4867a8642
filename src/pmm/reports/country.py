"""A member's country performance report for one publication of a cycle, as one edition's audience may
see it (`editions`): every figure comes from the audience reads the pages use (the publication's rows
through `published_results_for`, earlier cycles through `member_history`, peer groups through
`member_peer_groups`, which releases only the statistics the disclosure rules allow). A KPI whose
value the audience may not see says so, and nothing about its value.

The sections that read these figures again (the instruments of the weakest outcomes, the SDG
contribution, the data quality notes) are made from the report's own lines and rows
(`country_sections`); the member's targets only for the full edition, with the reader's right to read
them (`country_targets`: targets have no disclosure level).

Read in a fixed number of queries, whatever the number of KPIs (and the targets' one read).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pmm.analytics.selectors.common import framework_links
from pmm.core.errors import NotFound
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.dashboards.positions import NONE, STRENGTH, WEAKNESS, position, standing, standing_direction
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import Audience
from pmm.framework.spec import DimensionSpec, FrameworkSpec, KpiSpec, OutcomeSpec
from pmm.members.models import Member
from pmm.reports.cells import change_text
from pmm.reports.country_sections import (
    DataQuality,
    SdgTarget,
    WeakOutcome,
    data_quality,
    sdg_contribution,
    weak_outcome_instruments,
)
from pmm.reports.country_targets import TargetLine, report_targets, shown_values
from pmm.reports.editions import FULL, edition_audience
from pmm.results.aggregates import GroupStats
from pmm.results.engine import COMPUTED
from pmm.results.formatting import Figure, figure_of, kpi_definitions, unit_text, units_of, value_text
from pmm.results.models import Publication
from pmm.results.selectors import ResultFilters, ResultRow, publication_get, published_results_for
from pmm.results.series import latest_publications, member_history, member_peer_groups
from pmm.reviews.selectors import reviewed_kpis

Key = tuple[str, str]


@dataclass(frozen=True)
class PeerFigure:
    name: dict[str, str]
    median: str
    q1: str
    q3: str
    count: int
    position: str  # top, middle, bottom or none
    stats: GroupStats | None = field(default=None, compare=False)  # the numbers, for the charts


@dataclass
class ReportLine:
    kpi: KpiSpec
    figure: Figure | None  # None: not shown in this edition
    component: str = ""  # the component the line shows (the KPI's first)
    value: float | None = None  # the computed value shown, for the charts
    previous: str = ""  # the value in the latest earlier cycle the audience may see
    previous_year: int | None = None
    trend: list[tuple[int, str]] = field(default_factory=list)  # every earlier cycle's value, oldest first
    change: str = ""
    peers: list[PeerFigure] = field(default_factory=list)
    standing: str = ""  # strength, weakness or ""
    reviewed: bool = False


@dataclass(frozen=True)
class OutcomeSection:
    outcome: OutcomeSpec
    lines: list[ReportLine]


@dataclass(frozen=True)
class DimensionSection:
    dimension: DimensionSpec
    outcomes: list[OutcomeSection]


@dataclass(frozen=True)
class Definition:
    kpi: KpiSpec
    description: dict[str, str]
    unit: str
    direction: str


@dataclass
class CountryReport:
    cycle: Cycle
    publication: Publication
    member: Member
    edition: str
    audience: Audience  # whom the edition is built for
    spec: FrameworkSpec
    dimensions: list[DimensionSection]
    definitions: list[Definition]
    shown: int  # KPI figures in this edition (values or statuses)
    hidden: int  # KPI figures this edition's audience may not see
    reviewed: bool  # at least one figure was checked by a peer review
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    instruments: list[WeakOutcome] = field(default_factory=list)  # of the weakest outcomes
    sdgs: list[SdgTarget] = field(default_factory=list)
    quality: DataQuality | None = None
    values: dict[Key, list[tuple[int, float]]] = field(default_factory=dict)  # the values shown, by year
    targets: list[TargetLine] | None = None  # None: not in this edition (full edition, `target.view`)
    reader_key: str = ""  # the reader's audience when not the edition's: its statistics are released to both

    @property
    def lines(self) -> list[ReportLine]:
        return [line for d in self.dimensions for o in d.outcomes for line in o.lines]

    @property
    def strengths(self) -> list[ReportLine]:
        return [line for line in self.lines if line.standing == STRENGTH]

    @property
    def weaknesses(self) -> list[ReportLine]:
        return [line for line in self.lines if line.standing == WEAKNESS]

    @property
    def weakest_outcomes(self) -> list[tuple[OutcomeSpec, int]]:
        """Outcomes with weaknesses, the most first: where to act."""
        found = [
            (o.outcome, sum(1 for line in o.lines if line.standing == WEAKNESS))
            for d in self.dimensions
            for o in d.outcomes
        ]
        return sorted((f for f in found if f[1]), key=lambda f: (-f[1], f[0].code))


def _publication(cycle: Cycle, number: int | str | None) -> Publication:
    """The publication asked (the latest by default): `publication_get` refuses a number that is not
    one, or that names no publication; None means nothing of the cycle is published yet."""
    publication = publication_get(cycle, number)
    if publication is None:
        raise NotFound("Nothing of this cycle is published yet.")
    return publication


def _line(
    kpi: KpiSpec,
    rows: list[ResultRow],
    history: dict[Key, list[tuple[int, float]]],
    groups: dict[Key, Any],
    spec: FrameworkSpec,
    units: Any,
    reviewed: set[str],
) -> ReportLine:
    """One KPI's line: its main component's figure (the first), beside its history and peer groups."""
    component = next(iter(kpi.formulas))
    row = next((r for r in rows if r.component == component), None)
    line = ReportLine(kpi, figure_of(row, spec, units) if row is not None else None, component)
    line.reviewed = kpi.code in reviewed
    value = row.value if row is not None and row.status == COMPUTED else None
    line.value = value
    past = history.get((kpi.code, component), [])
    line.trend = [(year, value_text(v, kpi, spec, units)) for year, v in past]
    if past:
        line.previous_year, before = past[-1]
        line.previous = value_text(before, kpi, spec, units)
        if value is not None:
            line.change = change_text(value - before, kpi, spec, units)
    for group in groups.get((kpi.code, component), []):
        stats = group.stats
        line.peers.append(
            PeerFigure(
                group.name,
                value_text(stats.median, kpi, spec, units),
                value_text(stats.q1, kpi, spec, units),
                value_text(stats.q3, kpi, spec, units),
                stats.count,
                position(value, stats.q1, stats.q3, standing_direction(kpi.kind, kpi.direction)),
                stats,
            )
        )
    line.standing = standing(p.position for p in line.peers if p.position != NONE)
    return line


def country_report_for(
    audience: Audience,
    edition: str,
    cycle: Cycle,
    member: Member,
    publication: Publication,
    reader: Audience | None = None,
) -> CountryReport:
    """The report of `member` in `publication` built from what `audience` may see; for a `reader` of
    another audience, with only the group statistics released to both (`aggregates_for(..., reader=)`)."""
    spec = cycle_spec(cycle)
    units = units_of(cycle.framework.document)
    rows = published_results_for(audience, cycle, publication, ResultFilters(member=member.iso3)).rows
    if not rows:  # none at all, or none this audience may see: the same answer (no hint which)
        raise NotFound(
            f"No results of {member.iso3} in publication {publication.number} of this cycle for this edition."
        )
    by_kpi: dict[str, list[ResultRow]] = defaultdict(list)
    for row in rows:
        by_kpi[row.kpi].append(row)
    earlier = [p for p in latest_publications(cycle) if p.cycle_id != cycle.pk]
    history = member_history(audience, member.pk, earlier) if earlier else {}
    groups = member_peer_groups(audience, member.pk, cycle, publication, reader=reader)
    reviewed = {kpi for member_id, kpi in reviewed_kpis(cycle) if member_id == member.pk} & set(by_kpi)
    dimensions = []
    for dimension in spec.dimensions.values():
        outcomes = []
        for code in dimension.outcomes:
            outcome = spec.outcomes[code]
            lines = [
                _line(spec.kpis[k], by_kpi.get(k, []), history, groups, spec, units, reviewed)
                for k in outcome.kpis
            ]
            outcomes.append(OutcomeSection(outcome, lines))
        dimensions.append(DimensionSection(dimension, outcomes))
    documents = kpi_definitions(cycle.framework.document)
    definitions = [
        Definition(
            kpi,
            documents.get(code, {}).get("description") or {},
            unit_text(kpi, units),
            kpi.direction,
        )
        for code, kpi in sorted(spec.kpis.items(), key=lambda item: item[1].position)
    ]
    shown = sum(1 for code in spec.kpis if by_kpi.get(code))
    report = CountryReport(
        cycle=cycle,
        publication=publication,
        member=member,
        edition=edition,
        audience=audience,
        spec=spec,
        dimensions=dimensions,
        definitions=definitions,
        shown=shown,
        hidden=len(spec.kpis) - shown,
        reviewed=bool(reviewed),
        units=units,
        quality=data_quality(spec, units, rows, len(spec.kpis) - shown),
        values=shown_values(history, rows, cycle.reporting_year),
        reader_key="" if reader is None or reader.key == audience.key else reader.key,
    )
    links = framework_links(cycle)
    report.instruments = weak_outcome_instruments(spec, links, report.weakest_outcomes, report.lines)
    report.sdgs = sdg_contribution(spec, links, report.lines)
    return report


def country_report(
    actor: Any, cycle: Cycle, member: Member, *, edition: str, publication: int | str | None = None
) -> CountryReport:
    """The report of `member` in a publication of `cycle` (default: the latest), in the edition asked
    (the reader's own or a narrower one)."""
    audience = edition_audience(actor, edition)
    report = country_report_for(
        audience, edition, cycle, member, _publication(cycle, publication), reader=audience_of(actor)
    )
    if edition == FULL:  # targets have no disclosure level: the full edition only, to who may read them
        report.targets = report_targets(actor, member, cycle, report.spec, report.units, report.values)
    return report
