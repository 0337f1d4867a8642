"""The data entry form of one dimension: how the page is laid out from the framework, and how a
posted page (or one autosaved row) is read back.

Field names:
- ``{ELEMENT}__{PERIOD}__value|na|reason|comment``: one value (PERIOD is ``T`` or ``T-1``);
- ``kpi__{KPI}__na|justification|disclosure``: a KPI's applicability and disclosure choices;
- ``just__{ISSUE KEY}``: the explanation of a warning;
- ``version``: the assessment version the page was read at (a stale version saves nothing).

Layout rules: a data element is shown once per page, under the first KPI of the dimension using
it (later KPIs point to it). Elements no KPI formula uses (context data, or inputs of consistency
rules only) are shown in the dimension of the nearest element before them in the framework, in a
section of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmm.assessments.messages import issue_text
from pmm.assessments.models import Disclosure
from pmm.assessments.selectors import AssessmentState
from pmm.assessments.spec import ElementSpec, FrameworkSpec
from pmm.assessments.validation import Completeness, Issue, needed_slots
from pmm.core.translated import pick


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the assessment reopened?"),
        help_text=gettext_lazy("The National Contact Point sees this reason."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- reading a post ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostedSlot:
    element: str
    period: str
    value: str
    not_available: bool
    reason: str
    comment: str


@dataclass(frozen=True)
class PostedKpi:
    kpi: str
    applicable: bool
    justification: str
    disclosure: str | None  # None: not posted (or the actor may not choose it)


def slot_name(element: str, period: str) -> str:
    return f"{element}__{period}"


def posted_version(data: QueryDict) -> int | None:
    try:
        return int(data.get("version", ""))
    except ValueError:
        return None


def posted_slots(data: QueryDict, spec: FrameworkSpec, elements: list[str]) -> list[PostedSlot]:
    """The values posted for these elements; a slot counts as posted when its value field is there."""
    slots = []
    for code in elements:
        element = spec.elements[code]
        for period in element.periods:
            prefix = slot_name(code, period)
            if f"{prefix}__value" not in data:
                continue
            slots.append(
                PostedSlot(
                    code,
                    period,
                    data.get(f"{prefix}__value", ""),
                    data.get(f"{prefix}__na") == "1",
                    data.get(f"{prefix}__reason", ""),
                    data.get(f"{prefix}__comment", ""),
                )
            )
    return slots


def posted_kpis(data: QueryDict, kpis: list[str], may_disclose: bool) -> list[PostedKpi]:
    found = []
    for code in kpis:
        prefix = f"kpi__{code}"
        if f"{prefix}__justification" not in data and f"{prefix}__disclosure" not in data:
            continue
        disclosure = data.get(f"{prefix}__disclosure") if may_disclose else None
        found.append(
            PostedKpi(
                code, data.get(f"{prefix}__na") != "1", data.get(f"{prefix}__justification", ""), disclosure
            )
        )
    return found


def posted_justifications(data: QueryDict) -> dict[str, str]:
    return {key.removeprefix("just__"): data.get(key, "") for key in data if key.startswith("just__")}


# --- the framework document, indexed ----------------------------------------------------------


@dataclass(frozen=True)
class DocIndex:
    """Texts the spec does not keep (descriptions, formulas as written, units), by code."""

    elements: dict[str, dict[str, Any]]
    kpis: dict[str, dict[str, Any]]
    units: dict[str, dict[str, Any]]
    homes: dict[str, tuple[str, ...]]  # element -> dimensions whose page shows it (first: its home)


_INDEX: dict[str, DocIndex] = {}


def doc_index(document: dict[str, Any], spec: FrameworkSpec) -> DocIndex:
    cached = _INDEX.get(spec.fingerprint)
    if cached is not None:
        return cached
    kpis = {k["code"]: k for d in document["dimensions"] for o in d["outcomes"] for k in o["kpis"]}
    homes: dict[str, list[str]] = {}
    for kpi in spec.kpis.values():
        for code in kpi.elements:
            if code in spec.elements and kpi.dimension not in homes.setdefault(code, []):
                homes[code].append(kpi.dimension)
    ordered = sorted(spec.elements.values(), key=lambda e: e.position)
    first_dimension = next(iter(spec.dimensions), "")
    for index, element in enumerate(ordered):
        if element.code in homes or element.derived is not None:
            continue
        before = [e for e in reversed(ordered[:index]) if homes.get(e.code)]
        after = [e for e in ordered[index + 1 :] if homes.get(e.code)]
        near = (before or after)[:1]
        homes[element.code] = [homes[near[0].code][0]] if near else [first_dimension]
    index_ = DocIndex(
        elements={e["code"]: e for e in document["data_elements"]},
        kpis=kpis,
        units={u["code"]: u for u in document.get("units", [])},
        homes={code: tuple(dims) for code, dims in homes.items()},
    )
    _INDEX[spec.fingerprint] = index_
    return index_


def free_elements(spec: FrameworkSpec) -> set[str]:
    """Elements no KPI formula uses."""
    used = {e for k in spec.kpis.values() for e in k.elements}
    return {c for c, e in spec.elements.items() if c not in used and e.derived is None}


# --- the page's view model ----------------------------------------------------------------------


@dataclass
class SlotView:
    element: str
    period: str
    year: int
    name: str  # field name prefix
    id: str  # id prefix
    value: str
    display: str
    not_available: bool
    reason: str
    comment: str
    carried_forward: bool
    needed: bool
    filled: bool
    error: str = ""


@dataclass
class IssueView:
    key: str
    severity: str
    kind: str
    text: str
    element: str | None
    justification: str = ""
    explain_here: bool = False  # the explanation field is on this row

    @property
    def needs_justification(self) -> bool:
        return self.severity == "warning"

    @property
    def field_id(self) -> str:
        return "just-" + "".join(c if c.isalnum() else "-" for c in self.key)


@dataclass
class RowView:
    code: str
    name: str
    description: str
    hint: str
    value_type: str
    options: list[tuple[str, str]]
    slots: list[SlotView]
    issues: list[IssueView]
    history_count: int = 0

    @property
    def explanations(self) -> list[IssueView]:
        return [i for i in self.issues if i.needs_justification and i.explain_here]

    @property
    def needs_attention(self) -> bool:
        if any(s.needed and not s.filled for s in self.slots) or any(s.error for s in self.slots):
            return True
        return any(i.severity == "error" or (i.explain_here and not i.justification) for i in self.issues)

    @property
    def params(self) -> str:
        """The fields an autosave of this row sends (hx-params)."""
        names = ["version"]
        for s in self.slots:
            names += [f"{s.name}__{f}" for f in ("value", "na", "reason", "comment")]
        return ",".join(names)

    @property
    def history_query(self) -> str:
        return urlencode([("subject", f"{self.code}@{s.period}") for s in self.slots])

    @property
    def inputmode(self) -> str:
        return "numeric" if self.value_type in {"count", "year"} else "decimal"


@dataclass
class ElementRef:
    """An element shown under an earlier KPI of the same page."""

    code: str
    name: str
    shown_under: str


@dataclass
class KpiView:
    code: str
    name: str
    description: str
    formulas: list[tuple[str, str]]
    unit: str
    applicable: bool
    justification: str
    disclosure: str
    entries: list[RowView | ElementRef] = field(default_factory=list)
    error: str = ""
    history_count: int = 0

    @property
    def disclosure_label(self) -> str:
        return str(Disclosure(self.disclosure).label) if self.disclosure in Disclosure.values else ""

    @property
    def params(self) -> str:
        prefix = f"kpi__{self.code}"
        return f"version,{prefix}__na,{prefix}__justification,{prefix}__disclosure"

    @property
    def rows(self) -> list[RowView]:
        return [e for e in self.entries if isinstance(e, RowView)]


@dataclass
class OutcomeView:
    code: str
    name: str
    completeness: Completeness
    kpis: list[KpiView]


@dataclass
class DimensionView:
    code: str
    name: str
    outcomes: list[OutcomeView]
    free_rows: list[RowView]

    @property
    def rows(self) -> list[RowView]:
        found = [r for o in self.outcomes for k in o.kpis for r in k.rows]
        return found + self.free_rows


def dimension_completeness(state: AssessmentState, dimension: str) -> Completeness:
    parts = [
        state.per_outcome[o] for o in state.spec.dimensions[dimension].outcomes if o in state.per_outcome
    ]
    return Completeness(sum(p.filled for p in parts), sum(p.total for p in parts))


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
    ) -> None:
        self.state, self.spec, self.index = state, state.spec, index
        self.typed = typed or {}
        self.entry_errors = entry_errors or {}
        self.typed_kpis = typed_kpis or {}
        self.kpi_errors = kpi_errors or {}
        self.typed_justifications = typed_justifications or {}
        self.history_counts = history_counts or {}
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
            history_count=self.history_counts.get(f"kpi:{code}", 0),
        )
        if typed is not None:
            view.applicable, view.justification = typed.applicable, typed.justification
            if typed.disclosure is not None:
                view.disclosure = typed.disclosure
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
