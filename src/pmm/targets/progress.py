"""Progress toward a KPI target. Pure: plain numbers in, a status out; no ORM, no clock.

A point is `(year, value)`: the reporting year and the KPI's computed value in it (or, for the target,
the year the target is for and the value planned). Three points go in: the member's BASELINE (its
earliest value of the KPI component), its LATEST value (the most recent), and the TARGET.

The direction says which way is better: "up" (higher is better; the framework's "higher_is_better"),
"down" (lower is better; "lower_is_better"), or none ("" or "context_only"). Let s = +1 for up and
-1 for down; with no direction, s is the sign of (target - baseline), the way the member means to go.

The status is decided in this order:

1. no_data: there is no latest value.
2. achieved: the latest value meets or beats the target, s * (latest - target) >= 0 (up: latest >=
   target; down: latest <= target). With no direction, the latest value is within 1% of the target:
   |latest - target| <= 0.01 * |target| (a target of 0 must be met exactly, allowing rounding).
3. no_data: not achieved and there is no baseline (nothing to measure the progress from).
4. on_track: the latest value is at least as far along as the straight line from the baseline to the
   target says it should be by the latest year. The EXPECTED value in the latest year is
       expected = baseline + (target - baseline) * f,   f = (latest year - baseline year)
                                                             / (target year - baseline year),
   with f kept between 0 and 1 (f = 1 once the target year is reached or passed, and when the target
   year is not after the baseline year: only reaching the target counts then). The latest value is
   on track when s * (latest - expected) >= 0; with no direction it must also not have gone past the
   target, s * (target - latest) >= 0, and a target equal to the baseline is never "on track" (only
   achieved or off track).
5. off_track: otherwise.

`expected` is returned whenever there are a baseline and a latest value; `share_done` is how much of
the way from the baseline to the target is done, (latest - baseline) / (target - baseline): 0 at the
baseline, 1 at the target, negative when the value moved away from the target, above 1 past it (None
when the target equals the baseline).

Examples (direction up, baseline 40 in 2020, target 60 in 2028): latest 50 in 2024 is expected 50,
on track (share done 0.5); latest 45 in 2024 is off track; latest 61 in 2024 is achieved; latest 58 in
2030 is off track (the target year has passed: expected 60).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[int, float]  # (reporting year, value)

UP, DOWN, NO_DIRECTION = "up", "down", ""
ACHIEVED, ON_TRACK, OFF_TRACK, NO_DATA = "achieved", "on_track", "off_track", "no_data"
STATUSES = (ACHIEVED, ON_TRACK, OFF_TRACK, NO_DATA)
TOLERANCE = 0.01  # with no direction, a value within 1% of the target reaches it
_ROUNDING = 1e-9  # what "exactly" allows for a target of 0

_DIRECTIONS = {UP: UP, "higher_is_better": UP, DOWN: DOWN, "lower_is_better": DOWN}


def direction_of(direction: str) -> str:
    """The direction as "up", "down" or "", given either way ("up" or "higher_is_better", ...)."""
    return _DIRECTIONS.get(direction, NO_DIRECTION)


@dataclass(frozen=True)
class Progress:
    status: str  # one of STATUSES
    expected: float | None  # where the straight line from baseline to target stands in the latest year
    share_done: float | None  # (latest - baseline) / (target - baseline)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def expected_value(baseline: Point, target: Point, year: int) -> float:
    """The value on the straight line from the baseline to the target in `year` (kept between them)."""
    (base_year, base_value), (target_year, target_value) = baseline, target
    if target_year <= base_year:
        return target_value
    fraction = min(1.0, max(0.0, (year - base_year) / (target_year - base_year)))
    return base_value + (target_value - base_value) * fraction


def reaches(direction: str, value: float, target: float) -> bool:
    """Whether `value` meets or beats `target` (with no direction: is within 1% of it)."""
    way = direction_of(direction)
    if way == UP:
        return value >= target
    if way == DOWN:
        return value <= target
    return abs(value - target) <= max(TOLERANCE * abs(target), _ROUNDING)


def progress(direction: str, baseline: Point | None, latest: Point | None, target: Point) -> Progress:
    """The status of a target (see the module's docstring for the rule)."""
    if latest is None:
        return Progress(NO_DATA, None, None)
    achieved = reaches(direction, latest[1], target[1])
    if baseline is None:
        return Progress(ACHIEVED if achieved else NO_DATA, None, None)
    expected = expected_value(baseline, target, latest[0])
    span = target[1] - baseline[1]
    share = (latest[1] - baseline[1]) / span if span != 0 and math.isfinite(span) else None
    if achieved:
        return Progress(ACHIEVED, expected, share)
    way = direction_of(direction)
    if way == UP:
        on_track = latest[1] >= expected
    elif way == DOWN:
        on_track = latest[1] <= expected
    else:
        s = _sign(span)
        on_track = s != 0 and s * (latest[1] - expected) >= 0 and s * (target[1] - latest[1]) >= 0
    return Progress(ON_TRACK if on_track else OFF_TRACK, expected, share)


def baseline_and_latest(history: Sequence[Point]) -> tuple[Point | None, Point | None]:
    """The earliest and the most recent point of a member's values (None, None when there are none)."""
    if not history:
        return None, None
    ordered = sorted(history)
    return ordered[0], ordered[-1]
