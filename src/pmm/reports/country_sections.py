"""The country report's sections that read its figures again under another angle: the WCO instruments
that serve the member's weakest outcomes, its contribution to the SDG targets, and the notes on the
quality of its data. Each is made from what the report already holds for its edition's audience (its
lines and the publication's rows that audience may see) and from the framework's links (public
catalogue data): nothing here reads a member's value, so nothing here can show more than the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from pmm.analytics.selectors.common import Links
from pmm.dashboards.positions import STRENGTH, WEAKNESS
from pmm.framework.spec import FrameworkSpec, KpiSpec, OutcomeSpec
from pmm.results.engine import COMPUTED, MISSING, NOT_APPLICABLE, NOT_COMPUTABLE
from pmm.results.formatting import REASON_TEXTS, component_label, figure_of, status_text

if TYPE_CHECKING:  # the report module builds these sections: no import of it at run time
    from pmm.reports.country import ReportLine


@dataclass(frozen=True)
class InstrumentRef:
    code: str
    name: dict[str, str]


@dataclass(frozen=True)
class WeakOutcome:
    """An outcome where the member is weak, its weak KPIs and the WCO instruments that serve it."""

    outcome: OutcomeSpec
    weak: list[ReportLine]
    instruments: list[InstrumentRef]


def weak_outcome_instruments(
    spec: FrameworkSpec, links: Links, weakest: Sequence[tuple[OutcomeSpec, int]], lines: Iterable[ReportLine]
) -> list[WeakOutcome]:
    """The weakest outcomes (the report's "where to act", most weaknesses first), each with the
    instruments the framework maps to it or to one of its KPIs, in the framework's order."""
    weak_lines = [line for line in lines if line.standing == WEAKNESS]
    found = []
    for outcome, _count in weakest:
        codes = links.instruments_of_outcome(spec, outcome.code)
        found.append(
            WeakOutcome(
                outcome,
                [line for line in weak_lines if line.kpi.outcome == outcome.code],
                [InstrumentRef(code, links.instruments[code]) for code in codes],
            )
        )
    return found


@dataclass(frozen=True)
class SdgEntry:
    line: ReportLine
    direct: bool  # related to the target by the KPI itself, not only through its outcome


@dataclass(frozen=True)
class SdgTarget:
    """An SDG target the framework relates KPIs to, with the member's lines of those KPIs."""

    code: str
    name: dict[str, str]
    entries: list[SdgEntry]

    @property
    def shown(self) -> int:
        return sum(1 for e in self.entries if e.line.figure is not None)

    @property
    def strengths(self) -> int:
        return sum(1 for e in self.entries if e.line.standing == STRENGTH)

    @property
    def weaknesses(self) -> int:
        return sum(1 for e in self.entries if e.line.standing == WEAKNESS)

    @property
    def strength_entries(self) -> list[SdgEntry]:
        return [e for e in self.entries if e.line.standing == STRENGTH]

    @property
    def weakness_entries(self) -> list[SdgEntry]:
        return [e for e in self.entries if e.line.standing == WEAKNESS]


def sdg_contribution(spec: FrameworkSpec, links: Links, lines: Iterable[ReportLine]) -> list[SdgTarget]:
    """Each SDG target of the framework with the member's KPIs related to it (directly, or through
    their outcome), in the framework's order; targets without a KPI of this version are left out."""
    by_kpi = {line.kpi.code: line for line in lines}
    ordered = sorted(spec.kpis.values(), key=lambda k: k.position)
    targets = []
    for code, name in links.sdg_targets.items():
        entries = []
        for kpi in ordered:
            direct = code in links.kpi_sdgs.get(kpi.code, ())
            if (direct or code in links.outcome_sdgs.get(kpi.outcome, ())) and kpi.code in by_kpi:
                entries.append(SdgEntry(by_kpi[kpi.code], direct))
        if entries:
            targets.append(SdgTarget(code, name, entries))
    return targets


@dataclass(frozen=True)
class QualityNote:
    """A figure of the member that is not a value: its status in words and, for a KPI declared not
    applicable, the member's justification (its row is one the edition's audience may see)."""

    kpi: KpiSpec
    label: str  # the component's name for a KPI split in several, else ""
    status: str
    text: str
    justification: str


@dataclass(frozen=True)
class DataQuality:
    notes: list[QualityNote]
    hidden: int  # KPIs whose figures this edition does not show
    explanations: list[tuple[str, str]]  # (status in words, what it means) for each kind of note found

    @property
    def not_applicable(self) -> list[QualityNote]:
        return [n for n in self.notes if n.status == NOT_APPLICABLE]

    @property
    def not_available(self) -> list[QualityNote]:
        return [n for n in self.notes if n.status != NOT_APPLICABLE]


def _explanations(notes: Sequence[QualityNote], reasons: set[str]) -> list[tuple[str, str]]:
    """What each status found among the notes means, as the tables write it."""
    found = {n.status for n in notes}
    explained = []
    if NOT_APPLICABLE in found:
        explained.append(
            (
                status_text(NOT_APPLICABLE),
                _("The member declared that the KPI does not apply to its administration, and said why."),
            )
        )
    if MISSING in found:
        explained.append(
            (status_text(MISSING), _("The member did not report the figures the KPI is computed from."))
        )
    for reason in sorted(r for r in reasons if r in REASON_TEXTS):
        explained.append(
            (
                status_text(NOT_COMPUTABLE, reason),
                _("The KPI could not be computed from the member's published figures, for the reason given."),
            )
        )
    return explained


def data_quality(
    spec: FrameworkSpec, units: Mapping[str, Mapping[str, Any]], rows: Iterable[Any], hidden: int
) -> DataQuality:
    """The member's figures that are not values, from the publication's rows the edition's audience
    may see (every component of every KPI, in the framework's order, as the rows are read)."""
    notes = []
    reasons: set[str] = set()
    for row in rows:
        kpi = spec.kpis.get(row.kpi)
        if kpi is None or (row.status == COMPUTED and row.value is not None):
            continue
        figure = figure_of(row, spec, units)
        if figure.status == NOT_COMPUTABLE:
            reasons.add(row.reason)
        label = component_label(row.component) if len(kpi.formulas) > 1 else ""
        notes.append(QualityNote(kpi, label, figure.status, figure.text, figure.note))
    return DataQuality(notes, hidden, _explanations(notes, reasons))
