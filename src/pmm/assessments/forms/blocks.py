"""The view model of an assessment's pages: slots, rows, KPI blocks, outcomes and dimensions, as the
templates show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from pmm.assessments.models import Disclosure
from pmm.assessments.selectors import AssessmentState
from pmm.assessments.services.disclosure import level_label
from pmm.assessments.validation import Completeness


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
    error_field: str = ""  # the field the error is about: "justification", "disclosure" or "reason"
    history_count: int = 0
    disclosure_note: str = ""  # the published and the saved level in words, when they differ
    reason_required: bool = False  # the member's results are published: a change of level says why
    reason: str = ""  # the reason typed

    @property
    def disclosure_label(self) -> str:
        return level_label(self.disclosure) if self.disclosure in Disclosure.values else ""

    @property
    def params(self) -> str:
        prefix = f"kpi__{self.code}"
        return f"version,{prefix}__na,{prefix}__justification,{prefix}__disclosure,{prefix}__reason"

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
