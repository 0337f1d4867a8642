"""The review certificate: computed from objective facts of a review, never typed in.

Four criteria, each met or not, each with the figure behind it:

- `queries_closed`: every query of the review is closed;
- `verdict_coverage`: every KPI of the framework has a verdict;
- `evidence_coverage`: at least `PMM_REVIEW_EVIDENCE_COVERAGE` (default 75 %) of the KPIs the member
  reported (not declined) have an evidence file, on the KPI or on one of its values;
- `rounds_on_time`: every round of queries was handed back by its due date.

The level is `certified` when all four are met, `certified_with_reservations` when the review was
signed off with some unmet (the unmet ones are the reservations), and `not_certified` before sign-off.
Pure: the facts come in, the certificate goes out (`selectors.certificate_facts` reads the facts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

CRITERIA = ("queries_closed", "verdict_coverage", "evidence_coverage", "rounds_on_time")
CERTIFIED = "certified"
WITH_RESERVATIONS = "certified_with_reservations"
NOT_CERTIFIED = "not_certified"


@dataclass(frozen=True)
class Facts:
    signed_off: bool
    queries: int
    queries_closed: int
    kpis: int  # KPIs of the framework
    kpis_with_verdict: int
    kpis_reported: int  # KPIs the member did not decline
    kpis_reported_with_evidence: int
    rounds: int
    rounds_returned_on_time: int
    kpis_confirmed: int = 0
    kpis_adjusted: int = 0
    kpis_not_validated: int = 0


@dataclass(frozen=True)
class Criterion:
    code: str
    met: bool
    count: int
    total: int
    threshold: float  # the share of `total` that `count` must reach

    @property
    def share(self) -> float:
        return 1.0 if self.total == 0 else self.count / self.total


@dataclass(frozen=True)
class Certificate:
    level: str
    criteria: tuple[Criterion, ...]
    facts: Facts

    @property
    def reservations(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.met]

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "criteria": [asdict(c) for c in self.criteria],
            "facts": asdict(self.facts),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Certificate:
        return cls(data["level"], tuple(Criterion(**c) for c in data["criteria"]), Facts(**data["facts"]))


def _criterion(code: str, count: int, total: int, threshold: float = 1.0) -> Criterion:
    met = total == 0 or Fraction(count, total) >= Fraction(threshold).limit_denominator(10_000)
    return Criterion(code, met, count, total, threshold)


def certificate(facts: Facts, evidence_threshold: float) -> Certificate:
    criteria = (
        _criterion("queries_closed", facts.queries_closed, facts.queries),
        _criterion("verdict_coverage", facts.kpis_with_verdict, facts.kpis),
        _criterion(
            "evidence_coverage", facts.kpis_reported_with_evidence, facts.kpis_reported, evidence_threshold
        ),
        _criterion("rounds_on_time", facts.rounds_returned_on_time, facts.rounds),
    )
    if not facts.signed_off:
        level = NOT_CERTIFIED
    elif all(c.met for c in criteria):
        level = CERTIFIED
    else:
        level = WITH_RESERVATIONS
    return Certificate(level, criteria, facts)
