"""Where a member's value stands in a group: the pure rules behind the dashboard's marks.

- `position(value, q1, q3, direction)`: "top" when the value is in the group's best quarter (at or
  above Q3 when higher is better, at or below Q1 when lower is better), "bottom" in its worst quarter,
  "middle" between, "none" without a direction (context-only KPIs) or without statistics.
- `standing(positions)`: a KPI is a **strength** when the member is in the top quarter of at least one
  of its peer groups and in the bottom quarter of none; a **weakness** the other way round; otherwise
  neither (mixed, middle, or nothing to compare with).
- `weakest_outcomes(...)`: outcomes ranked by the share of their comparable KPIs that are weaknesses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TOP, MIDDLE, BOTTOM, NONE = "top", "middle", "bottom", "none"
STRENGTH, WEAKNESS = "strength", "weakness"
HIGHER, LOWER = "higher_is_better", "lower_is_better"


def standing_direction(kind: str, direction: str) -> str:
    """The direction a KPI's value is placed in its groups by: none for yes/no KPIs (quartiles of 0 and
    1 mean little), else the KPI's own."""
    return "" if kind == "yes_no" else direction


def position(value: float | None, q1: float | None, q3: float | None, direction: str) -> str:
    if value is None or q1 is None or q3 is None or direction not in (HIGHER, LOWER):
        return NONE
    best, worst = (value >= q3, value <= q1) if direction == HIGHER else (value <= q1, value >= q3)
    if best and worst:  # a group whose quartiles coincide with the value: no signal either way
        return MIDDLE
    return TOP if best else BOTTOM if worst else MIDDLE


def standing(positions: Iterable[str]) -> str:
    found = set(positions)
    if TOP in found and BOTTOM not in found:
        return STRENGTH
    if BOTTOM in found and TOP not in found:
        return WEAKNESS
    return ""


@dataclass(frozen=True)
class OutcomeWeakness:
    outcome: str
    weak: int  # KPIs that are weaknesses
    comparable: int  # KPIs with at least one comparison

    @property
    def share(self) -> float:
        return self.weak / self.comparable if self.comparable else 0.0


def weakest_outcomes(
    outcomes: Mapping[str, Sequence[str]], standings: Mapping[str, str], comparable: Iterable[str]
) -> list[OutcomeWeakness]:
    """Outcomes with at least one weakness, the weakest first (share of weak KPIs, then count)."""
    compared = set(comparable)
    found = []
    for outcome, kpis in outcomes.items():
        mine = [k for k in kpis if k in compared]
        weak = sum(1 for k in mine if standings.get(k) == WEAKNESS)
        if weak:
            found.append(OutcomeWeakness(outcome, weak, len(mine)))
    return sorted(found, key=lambda o: (-o.share, -o.weak, o.outcome))
