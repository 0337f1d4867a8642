"""Outlier flags for peer reviewers: KPI values that look unusual, pure (plain data in, flags out; no
Django; the quartiles are those of `pmm.results.aggregates`).

A value is compared with two kinds of reference, with robust statistics only (quartiles, never mean
and standard deviation, which one extreme value would drag along):

- ``own_history``: the member's own values of the same KPI component in earlier cycles;
- ``peer_group``: the quartiles of groups the member belongs to (all members, its WCO region, income
  group, geographic groups, unions). These come from group statistics already released to the reader
  (`pmm.results.aggregates.GroupStats`), never from other members' values, so a flag tells the reader
  nothing they could not already work out from what they see.

The rule (Tukey's fences, with a floor for a degenerate spread):

1. Quartiles Q1, median, Q3 by the "inclusive" method of `pmm.results.aggregates.group_statistics`
   (``statistics.quantiles(method="inclusive")``: position p·(n-1), linear interpolation), computed
   exactly with fractions, so history quartiles and released group quartiles are the same figures
   for the same values. At least ``MIN_VALUES`` (3) values are needed; with fewer there is no
   reference and no flag.
2. Spread S = max(IQR, ``IQR_FLOOR`` * |median|), with IQR = Q3 - Q1 and ``IQR_FLOOR`` = 1/10.
   The floor matters when most reference values are equal (for example the same value every cycle):
   a plain IQR of 0 would flag the slightest change; with the floor, a value is unusual only once it
   is more than 15 % (1.5 * 10 %) of the median away from the quartiles. If every reference value is
   0 (median 0 and IQR 0), S is 0 and any value other than 0 is flagged.
3. Fences: lower = Q1 - 1.5 * S, upper = Q3 + 1.5 * S. A value strictly above the upper fence is
   flagged ``high``, strictly below the lower fence ``low``; a value on a fence is not flagged.

Every step is exact (fractions): the flags do not depend on the order of the reference values, and
multiplying the value and every reference value by the same positive number gives the same flags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, Protocol, TypeAlias

from pmm.results.aggregates import exact, quartiles

Number: TypeAlias = float | int | Fraction | Decimal
Basis: TypeAlias = Literal["own_history", "peer_group"]
Direction: TypeAlias = Literal["high", "low"]

OWN_HISTORY: Final = "own_history"
PEER_GROUP: Final = "peer_group"
MIN_VALUES: Final = 3
IQR_FLOOR: Final = Fraction(1, 10)
FENCE_FACTOR: Final = Fraction(3, 2)


@dataclass(frozen=True)
class Fences:
    """Quartiles of a reference (exact) and the fences drawn from them (see the module's rule)."""

    q1: Fraction
    median: Fraction
    q3: Fraction
    count: int  # how many values the quartiles summarise

    @property
    def iqr(self) -> Fraction:
        return self.q3 - self.q1

    @property
    def spread(self) -> Fraction:
        """The IQR, or IQR_FLOOR * |median| when that is larger."""
        return max(self.iqr, IQR_FLOOR * abs(self.median))

    @property
    def lower(self) -> Fraction:
        return self.q1 - FENCE_FACTOR * self.spread

    @property
    def upper(self) -> Fraction:
        return self.q3 + FENCE_FACTOR * self.spread

    def direction(self, value: Number) -> Direction | None:
        """Whether the value is "high" (above the upper fence), "low" (below the lower one) or neither."""
        number = exact(value)
        if number > self.upper:
            return "high"
        if number < self.lower:
            return "low"
        return None


def fences_from_quartiles(q1: Number, median: Number, q3: Number, count: int) -> Fences:
    """Fences of already computed quartiles (for example a released group's statistics)."""
    low, middle, high = exact(q1), exact(median), exact(q3)
    if not low <= middle <= high:
        raise ValueError(f"quartiles out of order: {q1!r}, {median!r}, {q3!r}")
    return Fences(low, middle, high, count)


def tukey_fences(values: Iterable[Number]) -> Fences | None:
    """Quartiles and fences of the values; None when there are fewer than MIN_VALUES of them."""
    ordered = sorted(exact(v) for v in values)
    if len(ordered) < MIN_VALUES:
        return None
    q1, median, q3 = quartiles(ordered)  # the method of the published group statistics
    return Fences(q1, median, q3, len(ordered))


class Quartiles(Protocol):
    """What a peer group's statistics must offer: `pmm.results.aggregates.GroupStats` fits."""

    @property
    def count(self) -> int: ...

    @property
    def q1(self) -> float: ...

    @property
    def median(self) -> float: ...

    @property
    def q3(self) -> float: ...


@dataclass(frozen=True)
class Flag:
    """One reason to look at a value again.

    ``group`` and ``group_label`` ({language: name}) name the peer group (empty for own history);
    ``years`` are the reporting years the reference comes from, when the caller knows them.
    """

    basis: Basis
    direction: Direction
    value: float
    fences: Fences
    group: str = ""
    group_label: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    years: tuple[int, ...] = ()

    @property
    def limit(self) -> Fraction:
        """The fence the value crossed."""
        return self.fences.upper if self.direction == "high" else self.fences.lower


def flags_for(
    value: Number,
    history: Sequence[Number],
    peers: Mapping[str, Quartiles],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    history_years: Sequence[int] = (),
    peer_years: Sequence[int] = (),
) -> list[Flag]:
    """The flags of one value: against the member's own earlier values, then against each peer group
    (in the order of `peers`). `peers` maps a group code to its released statistics; `labels` gives
    group names; `history_years` and `peer_years` are recorded on the flags for the reader."""
    flags: list[Flag] = []
    own = tukey_fences(history)
    if own is not None and (direction := own.direction(value)) is not None:
        flags.append(Flag(OWN_HISTORY, direction, float(value), own, years=tuple(sorted(set(history_years)))))
    for code, stats in peers.items():
        if stats.count < MIN_VALUES:
            continue
        fences = fences_from_quartiles(stats.q1, stats.median, stats.q3, stats.count)
        direction = fences.direction(value)
        if direction is not None:
            label = dict((labels or {}).get(code, {}))
            years = tuple(sorted(set(peer_years)))
            flags.append(Flag(PEER_GROUP, direction, float(value), fences, code, label, years))
    return flags


# --- explanations ------------------------------------------------------------------------------
# English templates (str.format). They are translated at the edge: `pmm.reviews.outlier_reads`
# lists them for extraction and formats the numbers in the KPI's unit and the reader's language.

MESSAGES: Final[Mapping[tuple[Basis, Direction], str]] = {
    (OWN_HISTORY, "high"): (
        "Unusually high for this member: {value} is above {limit}, the upper limit drawn from its own "
        "values in {count} earlier cycles (median {median})."
    ),
    (OWN_HISTORY, "low"): (
        "Unusually low for this member: {value} is below {limit}, the lower limit drawn from its own "
        "values in {count} earlier cycles (median {median})."
    ),
    (PEER_GROUP, "high"): (
        'Unusually high compared with the group "{group}": {value} is above {limit}, the upper limit '
        "drawn from the group's quartiles ({count} members, median {median})."
    ),
    (PEER_GROUP, "low"): (
        'Unusually low compared with the group "{group}": {value} is below {limit}, the lower limit '
        "drawn from the group's quartiles ({count} members, median {median})."
    ),
}
REFERENCE_MESSAGE: Final = "Reference: results of {years}."


@dataclass(frozen=True)
class Explanation:
    """A flag in words, before translation: an English template and its parameters.

    ``numbers`` are exact figures for the caller to format (in the KPI's unit, in the reader's
    language); ``texts`` are ready as they are (``group`` is the group's code: callers put its name).
    """

    message: str
    numbers: Mapping[str, Fraction]
    texts: Mapping[str, str]

    def text(self, number: Callable[[Fraction], str] | None = None, template: str | None = None) -> str:
        """The sentence, numbers formatted with `number` (default: up to 4 decimals)."""
        fmt = number or _plain
        params = {**{k: fmt(v) for k, v in self.numbers.items()}, **self.texts}
        return (template or self.message).format(**params)


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.4f}".rstrip("0").rstrip(".")


def explanation(flag: Flag) -> Explanation:
    """What a reader needs to understand the flag: the value, the fence it crossed, the median and
    how many values the reference holds."""
    return Explanation(
        MESSAGES[(flag.basis, flag.direction)],
        {"value": exact(flag.value), "limit": flag.limit, "median": flag.fences.median},
        {"count": str(flag.fences.count), "group": flag.group},
    )


def reference_explanation(flag: Flag) -> Explanation | None:
    """The years the reference comes from, when known."""
    if not flag.years:
        return None
    return Explanation(REFERENCE_MESSAGE, {}, {"years": ", ".join(str(y) for y in flag.years)})
