"""Building the view model of an assessment's pages from its state (and, after a refused save, from
what was typed), and showing stored values as a reader sees them."""

from __future__ import annotations

from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from pmm.assessments.forms.blocks import (
    DimensionView,
    ElementRef,
    IssueView,
    KpiView,
    OutcomeView,
    RowView,
    SlotView,
)
from pmm.assessments.forms.layout import DocIndex, free_elements
from pmm.assessments.forms.posted import PostedKpi, PostedSlot, slot_name
from pmm.assessments.messages import issue_text
from pmm.assessments.selectors import AssessmentState
from pmm.assessments.services.disclosure import PublishedLevels
from pmm.assessments.validation import Completeness, Issue, needed_slots
from pmm.core.translated import pick
from pmm.framework.spec import ElementSpec


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def display_value(element: ElementSpec, value: Any) -> str:
    """A stored value as a reader sees it: option labels, yes/no, grouped digits."""
    if value is None:
        return ""
    if element.value_type == "yes_no":
        return _("Yes") if value else _("No")
    if element.value_type == "choice":
        return pick(element.option_labels.get(value)) or str(value)
    if element.value_type == "year" or isinstance(value, str):
        return str(value)
    number = int(value) if isinstance(value, float) and value.is_integer() else value
    return str(formats.number_format(number, use_l10n=True, force_grouping=True))


def _hint(element: ElementSpec) -> str:
    kind = element.value_type
    if kind == "count":
        return _("A whole number.")
    if kind == "amount":
        if element.currency and element.currency != "national":
            return _("An amount in %(currency)s.") % {"currency": element.currency}
        return _("An amount in national currency.")
    if kind == "percent":
        return _("A percentage, from 0 to 100.")
    if kind == "hours":
        return _("A number of hours.")
    if kind == "days":
        return _("A number of days.")
    if kind == "year":
        return _("A year, for example 2023.")
    return ""


def _options(element: ElementSpec) -> list[tuple[str, str]]:
    if element.value_type == "yes_no":
        return [("yes", _("Yes")), ("no", _("No"))]
    if element.value_type == "choice":
        return [(code, pick(element.option_labels.get(code)) or code) for code in element.options]
    return []


class PageBuilder:
    """Builds the rows and KPI blocks of an assessment's pages from its state."""

    def __init__(
        self,
        state: AssessmentState,
        index: DocIndex,
        *,
        typed: dict[tuple[str, str], PostedSlot] | None = None,
        entry_errors: dict[tuple[str, str], str] | None = None,
        typed_kpis: dict[str, PostedKpi] | None = None,
        kpi_errors: dict[str, str] | None = None,
        typed_justifications: dict[str, str] | None = None,
        history_counts: dict[str, int] | None = None,
        published: PublishedLevels | None = None,
        kpi_error_fields: dict[str, str] | None = None,
    ) -> None:
        self.state, self.spec, self.index = state, state.spec, index
        self.typed = typed or {}
        self.entry_errors = entry_errors or {}
        self.typed_kpis = typed_kpis or {}
        self.kpi_errors = kpi_errors or {}
        self.typed_justifications = typed_justifications or {}
        self.history_counts = history_counts or {}
        self.published = published or PublishedLevels()
        self.kpi_error_fields = kpi_error_fields or {}
        self.year = state.assessment.cycle.reporting_year
        self.needed = set(needed_slots(self.spec, state.not_applicable))
        self.rules = {r.code: r for r in self.spec.rules}
        self.issues_by_element: dict[str, list[Issue]] = {}
        for issue in state.issues:
            for code in self._elements_of(issue):
                self.issues_by_element.setdefault(code, []).append(issue)

    def _elements_of(self, issue: Issue) -> list[str]:
        if issue.rule and issue.rule in self.rules:
            rule_elements = self.rules[issue.rule].elements
            return sorted(rule_elements, key=lambda c: self.spec.elements[c].position)
        return [issue.element] if issue.element else []

    def anchor(self, issue: Issue) -> str | None:
        """The reported element whose row holds the explanation of this issue."""
        if issue.element in self.spec.elements and self.spec.elements[issue.element].derived is None:
            return issue.element
        reportable = [c for c in self._elements_of(issue) if self.spec.elements[c].derived is None]
        return reportable[0] if reportable else None

    def row(self, code: str) -> RowView:
        element = self.spec.elements[code]
        texts = self.index.elements.get(code, {})
        slots = []
        for period in element.periods:
            stored = self.state.values.get((code, period))
            typed = self.typed.get((code, period))
            entry = self.state.entries.get((code, period))
            not_available = stored is not None and stored.state == "not_available"
            slot = SlotView(
                element=code,
                period=period,
                year=self.year - (1 if period == "T-1" else 0),
                name=slot_name(code, period),
                id=f"f-{code}-{period}",
                value=_plain(stored.value) if stored else "",
                display=display_value(element, stored.value) if stored else "",
                not_available=not_available,
                reason=stored.reason if stored else "",
                comment=stored.comment if stored else "",
                carried_forward=bool(stored and stored.carried_forward),
                needed=(code, period) in self.needed,
                filled=bool(entry and entry.filled),
                error=self.entry_errors.get((code, period), ""),
            )
            if typed is not None:
                slot.value, slot.not_available = typed.value, typed.not_available
                slot.reason, slot.comment = typed.reason, typed.comment
            slots.append(slot)
        issues = []
        for issue in self.issues_by_element.get(code, []):
            justification = self.state.justifications.get(issue.key)
            text = justification.text if justification else ""
            issues.append(
                IssueView(
                    key=issue.key,
                    severity=issue.severity,
                    kind=issue.kind,
                    text=issue_text(issue),
                    element=issue.element,
                    justification=self.typed_justifications.get(issue.key, text),
                    explain_here=self.anchor(issue) == code,
                )
            )
        issues.sort(key=lambda i: (i.kind == "missing", i.severity != "error"))
        description = pick(texts.get("description"))
        return RowView(
            code=code,
            name=pick(element.name) or code,
            description=description,
            hint=_hint(element),
            value_type=element.value_type,
            options=_options(element),
            slots=slots,
            issues=issues,
            history_count=sum(self.history_counts.get(f"{code}@{p}", 0) for p in element.periods),
        )

    def kpi(self, code: str) -> KpiView:
        spec = self.spec.kpis[code]
        texts = self.index.kpis.get(code, {})
        formula = texts.get("formula", "")
        formulas = list(formula.items()) if isinstance(formula, dict) else [("", formula)]
        response = self.state.responses.get(code)
        typed = self.typed_kpis.get(code)
        view = KpiView(
            code=code,
            name=pick(spec.name) or code,
            description=pick(texts.get("description")),
            formulas=formulas,
            unit=pick(self.index.units.get(texts.get("unit", ""), {}).get("name")),
            applicable=code not in self.state.not_applicable,
            justification=response.justification if response else "",
            disclosure=self.state.disclosure(code),
            error=self.kpi_errors.get(code, ""),
            error_field=self.kpi_error_fields.get(code, ""),
            history_count=self.history_counts.get(f"kpi:{code}", 0),
            disclosure_note=self.published.note(code, self.state.disclosure(code)),
            reason_required=self.published.published,
        )
        if typed is not None:
            view.applicable, view.justification = typed.applicable, typed.justification
            if typed.disclosure is not None:
                view.disclosure, view.reason = typed.disclosure, typed.reason
        return view

    def kpi_elements(self, code: str) -> list[str]:
        elements = [c for c in self.spec.kpis[code].elements if self.spec.elements[c].derived is None]
        return sorted(elements, key=lambda c: self.spec.elements[c].position)

    def page_elements(self, dimension: str) -> list[str]:
        """Every element shown on a dimension's page, in page order."""
        seen: list[str] = []
        for outcome in self.spec.dimensions[dimension].outcomes:
            for kpi in self.spec.outcomes[outcome].kpis:
                seen += [c for c in self.kpi_elements(kpi) if c not in seen]
        return seen + self.free_elements(dimension)

    def free_elements(self, dimension: str) -> list[str]:
        free = free_elements(self.spec)
        codes = [c for c in free if self.index.homes.get(c, ("",))[0] == dimension]
        return sorted(codes, key=lambda c: self.spec.elements[c].position)

    def dimension(self, code: str, *, only_attention: bool = False) -> DimensionView:
        dimension = self.spec.dimensions[code]
        shown: dict[str, str] = {}  # element -> the KPI it is shown under
        outcomes = []
        for outcome_code in dimension.outcomes:
            outcome = self.spec.outcomes[outcome_code]
            kpis = []
            for kpi_code in outcome.kpis:
                kpi = self.kpi(kpi_code)
                for element in self.kpi_elements(kpi_code):
                    if element in shown:
                        if shown[element]:
                            name = pick(self.spec.elements[element].name)
                            kpi.entries.append(ElementRef(element, name, shown[element]))
                        continue
                    row = self.row(element)
                    visible = not only_attention or row.needs_attention
                    shown[element] = kpi_code if visible else ""
                    if visible:
                        kpi.entries.append(row)
                if not only_attention or kpi.rows or kpi.error:
                    kpis.append(kpi)
            if kpis or not only_attention:
                outcomes.append(
                    OutcomeView(
                        outcome_code,
                        pick(outcome.name),
                        self.state.per_outcome.get(outcome_code, Completeness(0, 0)),
                        kpis,
                    )
                )
        free_rows = [self.row(c) for c in self.free_elements(code)]
        if only_attention:
            free_rows = [r for r in free_rows if r.needs_attention]
        return DimensionView(code, pick(dimension.name), outcomes, free_rows)
