"""The WCO instruments view: for each instrument, the outcomes it serves and how members that apply it
compare with those that do not, from what the reader may see (docs/analytics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from pmm.analytics import rules
from pmm.analytics.selectors.common import (
    Links,
    MemberRef,
    Visible,
    by_name,
    framework_links,
    visible_published,
    visible_stats,
)
from pmm.authz import require
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import Audience
from pmm.framework.spec import FrameworkSpec
from pmm.results.aggregates import (
    Result,
)
from pmm.results.answers import answers_kpi
from pmm.results.models import Publication
from pmm.results.selectors import publication_get

# --- 1. WCO instruments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Classifier:
    """A KPI that tells whether a member applies the instrument: from `threshold` up, it does."""

    kpi: str
    component: str
    threshold: float


@dataclass(frozen=True)
class Comparison:
    """A KPI component's statistics among the members that apply the instrument and the others, from
    the values the reader may see only."""

    kpi: str
    component: str
    applying: Result
    not_applying: Result


@dataclass(frozen=True)
class InstrumentRow:
    code: str
    name: dict[str, str]
    classifiers: tuple[Classifier, ...]  # empty: no KPI tells whether a member applies it
    outcomes: tuple[str, ...]
    applying: tuple[MemberRef, ...] = ()
    not_applying: tuple[MemberRef, ...] = ()
    comparisons: tuple[Comparison, ...] = ()


@dataclass(frozen=True)
class InstrumentsView:
    cycle: Cycle
    spec: FrameworkSpec
    publication: Publication | None
    min_members: int
    instruments: list[InstrumentRow]

    @property
    def classified(self) -> list[InstrumentRow]:
        return [i for i in self.instruments if i.classifiers]

    @property
    def unclassified(self) -> list[InstrumentRow]:
        return [i for i in self.instruments if not i.classifiers]


def _instrument_outcomes(spec: FrameworkSpec, links: Links, code: str) -> tuple[str, ...]:
    """The outcomes mapped to the instrument, and those of the KPIs mapped to it, in framework order."""
    chosen = {o for o, codes in links.outcome_instruments.items() if code in codes}
    chosen |= {spec.kpis[k].outcome for k, codes in links.kpi_instruments.items() if code in codes}
    return tuple(o for o in spec.outcomes if o in chosen)


def instruments_view(actor: Any, cycle: Cycle, publication: str | int | None = None) -> InstrumentsView:
    """For each instrument of the framework, which members apply it and how the KPIs of its outcomes
    compare between those that do and those that do not, from the values the actor may see only."""
    require(actor, "cycle.view")
    return instruments_for(audience_of(actor), cycle, publication_get(cycle, publication))


def instruments_for(audience: Audience, cycle: Cycle, chosen: Publication | None) -> InstrumentsView:
    """`instruments_view` of the publication `chosen` (None: nothing published) for an audience: what
    the global cycle report shows its edition's readers."""
    spec = cycle_spec(cycle)
    links = framework_links(cycle)
    k = settings.PMM_AGGREGATE_MIN_MEMBERS
    plans = []
    for code in links.instruments:
        linked = sorted(
            (c for c, codes in links.kpi_instruments.items() if code in codes and c in spec.kpis),
            key=lambda c: spec.kpis[c].position,
        )
        found: list[Classifier] = []
        for kpi in linked:
            threshold = rules.applies_threshold(spec, spec.kpis[kpi])
            if threshold is not None:
                found.append(Classifier(kpi, next(iter(spec.kpis[kpi].formulas)), threshold))
        outcomes = _instrument_outcomes(spec, links, code)
        plans.append((code, tuple(found), outcomes))
    wanted = {c.kpi for _code, classifiers, _o in plans for c in classifiers}
    wanted |= {
        kpi
        for _code, classifiers, outcomes in plans
        if classifiers
        for o in outcomes
        for kpi in spec.outcomes[o].kpis
    }
    visible = visible_published(audience, chosen, wanted)
    rows = []
    for code, classifiers, outcomes in plans:
        row = InstrumentRow(code, links.instruments[code], classifiers, outcomes)
        if classifiers and chosen is not None:
            row = _classified(row, spec, visible, k)
        rows.append(row)
    return InstrumentsView(cycle, spec, chosen, k, rows)


def _classified(row: InstrumentRow, spec: FrameworkSpec, visible: Visible, k: int) -> InstrumentRow:
    verdict: dict[int, bool] = {}
    for c in row.classifiers:
        for member, value in visible.values.get((c.kpi, c.component), {}).items():
            verdict[member] = verdict.get(member, False) or rules.applies(c.threshold, value)
    applying = frozenset(m for m, yes in verdict.items() if yes)
    others = frozenset(m for m, yes in verdict.items() if not yes)
    told_by = {c.kpi for c in row.classifiers}
    comparisons = []
    for outcome in row.outcomes:
        for kpi in spec.outcomes[outcome].kpis:
            if kpi in told_by:
                continue
            answers = answers_kpi(spec.kpis[kpi])
            for component in spec.kpis[kpi].formulas:
                contributions = visible.contributions((kpi, component))
                comparisons.append(
                    Comparison(
                        kpi,
                        component,
                        visible_stats(applying, contributions, k, answers),
                        visible_stats(others, contributions, k, answers),
                    )
                )
    return InstrumentRow(
        row.code,
        row.name,
        row.classifiers,
        row.outcomes,
        by_name(visible.members[m] for m in applying),
        by_name(visible.members[m] for m in others),
        tuple(comparisons),
    )
