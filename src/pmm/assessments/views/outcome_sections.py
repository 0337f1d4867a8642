"""A dimension's entry page, one outcome at a time: each outcome is a section whose KPIs fold away, so
that a long dimension is a short page of outcomes. The outcome to work on is unfolded; the others
open on a click, from the table of contents or from the previous outcome's "next outcome" link."""

from __future__ import annotations

from dataclasses import dataclass

from pmm.assessments.forms.blocks import OutcomeView


@dataclass(frozen=True)
class OutcomeSection:
    outcome: OutcomeView
    unfolded: bool
    next: OutcomeView | None  # the outcome after this one on the page, for the "next outcome" link


def _needs_work(outcome: OutcomeView) -> bool:
    return outcome.completeness.filled < outcome.completeness.total or any(k.error for k in outcome.kpis)


def outcome_sections(outcomes: list[OutcomeView], *, unfold_all: bool = False) -> list[OutcomeSection]:
    """The page's outcome sections. Unfolded: every one when `unfold_all` (only what is left to do,
    or problems to show) or when there is a single outcome; else the first outcome with work left,
    or the first outcome when all are complete."""
    if unfold_all or len(outcomes) <= 1:
        unfolded = {o.code for o in outcomes}
    else:
        first = next((o for o in outcomes if _needs_work(o)), outcomes[0] if outcomes else None)
        unfolded = {first.code} if first is not None else set()
    return [
        OutcomeSection(outcome, outcome.code in unfolded, outcomes[i + 1] if i + 1 < len(outcomes) else None)
        for i, outcome in enumerate(outcomes)
    ]
