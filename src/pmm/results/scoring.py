"""Optional scoring of KPI values and its roll-up to outcomes and dimensions. Pure: no database.

A framework file may carry a `scoring` section (docs/framework-format.md, "Scoring (optional)");
its checked form is `FrameworkSpec.scoring`. `score_value` puts one KPI value in a band of the
scale; `roll_up` combines KPI scores into outcome scores, and outcome scores into dimension
scores, by the framework's method (weakest link or average).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from pmm.framework.spec import BandSpec, FrameworkSpec, KpiSpec, ScoringSpec


@dataclass(frozen=True)
class Score:
    """A band of the scale: its code, its points and its translated label."""

    code: str
    points: float
    label: dict[str, str]


@dataclass(frozen=True)
class RolledUp:
    """Scores of outcomes and dimensions (code -> Score); one with no scored KPI below it is absent."""

    outcomes: dict[str, Score] = field(default_factory=dict)
    dimensions: dict[str, Score] = field(default_factory=dict)


def _score(band: BandSpec) -> Score:
    return Score(code=band.code, points=band.points, label=dict(band.label))


def score_value(scoring: ScoringSpec, kpi: KpiSpec, value: float | bool) -> Score | None:
    """The band of `value` for `kpi`, or None when the KPI is not scored or the value is not a number.

    `value` is the value of the scored component (`scoring.kpis[kpi.code].component`). With
    thresholds t1 < … < tn, a value exactly at a cut point gets the better of the two bands it
    separates: for higher_is_better that is the band above, for lower_is_better the band below.
    A yes_no KPI's value counts as yes when it is true or not zero.
    """
    bands = scoring.kpis.get(kpi.code)
    number = float(value)
    if bands is None or math.isnan(number):
        return None
    if bands.yes_band or bands.no_band:
        return _score(scoring.band(bands.yes_band if number != 0 else bands.no_band))
    if not bands.thresholds:
        return None
    if kpi.direction == "higher_is_better":
        rank = bisect_right(bands.thresholds, number)  # thresholds at or below the value
    elif kpi.direction == "lower_is_better":
        rank = len(bands.thresholds) - bisect_left(bands.thresholds, number)  # thresholds at or above
    else:
        return None
    return _score(scoring.scale[rank])


def roll_up(spec: FrameworkSpec, kpi_scores: Mapping[str, Score]) -> RolledUp:
    """Outcome scores from the scores of their KPIs, dimension scores from those of their outcomes.

    `weakest_link` takes the worst score; `average` takes the mean of the points and maps it back
    to the scale by rounding down (the best band whose points do not exceed the mean). Scores of
    codes that are not KPIs of the framework are ignored.
    """
    scoring = spec.scoring
    if scoring is None:
        return RolledUp()
    outcomes: dict[str, Score] = {}
    for code, outcome in spec.outcomes.items():
        combined = _combine(scoring, [kpi_scores[k] for k in outcome.kpis if k in kpi_scores])
        if combined is not None:
            outcomes[code] = combined
    dimensions: dict[str, Score] = {}
    for code, dimension in spec.dimensions.items():
        combined = _combine(scoring, [outcomes[o] for o in dimension.outcomes if o in outcomes])
        if combined is not None:
            dimensions[code] = combined
    return RolledUp(outcomes=outcomes, dimensions=dimensions)


def _combine(scoring: ScoringSpec, scores: Iterable[Score]) -> Score | None:
    scores = list(scores)
    if not scores:
        return None
    if scoring.roll_up == "weakest_link":
        return min(scores, key=lambda s: s.points)
    # average: the exact mean of the points as written in the file (0.1 + 0.2 + 0.3 is 0.6, as
    # decimals, not binary floats), then the best band at or below it
    mean = sum((_exact(s.points) for s in scores), Fraction(0)) / len(scores)
    chosen = scoring.scale[0]
    for band in scoring.scale:
        if _exact(band.points) <= mean:
            chosen = band
    return _score(chosen)


def _exact(points: float) -> Fraction:
    """The decimal number a float was written as (repr gives the shortest round-tripping text)."""
    return Fraction(repr(float(points)))
