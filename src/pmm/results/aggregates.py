"""Disclosure-safe group statistics: the pure engine (plain data in, plain data out; no Django).

One call of :func:`release` answers for ONE KPI component and ONE audience: which predefined groups
(global, WCO regions, income groups, geography, unions) that audience may see statistics of, and the
statistics (count, mean, median, first and third quartiles; never minimum or maximum). Statistics use
every published value of the group, including values withheld from the audience; the audience gets
them only when that reveals no withheld value. docs/disclosure.md explains the rules in plain words.

The model. Each withheld value is an *unknown*, identified by (member, token, exact value) so that a
value unchanged between two snapshots is the same unknown. Every released group is a set of unknowns
(its withheld contributors); an audience knows its visible values, hence each released sum
(mean times count) is a linear equation in the unknowns, and each quartile is an order statistic of the
group. Unknowns that belong to exactly the same released groups (of this and earlier releases) form a
*class* (an atom of the released family). The engine keeps every class that any released group touches
at ≥ k unknowns, for the audience and for each set of ``insiders`` (other people who see the same
release and know some of these values). Then swapping the values of two members of one class changes
nothing that was released: every released group contains whole classes, and count, mean and quantiles
are symmetric functions. So no withheld value can be tied to its member, and every linear combination
the audience can derive is constant on classes of ≥ k unknowns: no unit vector (no single value) and no
difference of two versions of one value (a correction) lies in the span of the released equations.

Rules, applied in a fixed order that depends only on group membership and on which values are
withheld, never on the values (so a suppression reveals nothing about them):
1. ``too_few``: fewer than k members contribute to the group.
2. ``few_withheld``: 1 to k-1 of its contributors are withheld from the audience or from an insider
   (the "sees all but one" attack: the mean gives the rest).
3. ``differencing``: with the groups already released (this release and earlier ones) it would make a
   class of 1 to k-1 unknowns (a group with and without one member, corrections between snapshots,
   nearly identical groups whose medians could be compared, intersections of groups), or, where earlier
   releases already left such a small class, it would add any linear information about small classes.
Groups are examined by kind (global, region, income group, geography, union, then others), larger
groups first, then by code; a group that passes is released and constrains the later ones.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, TypeAlias, get_args

MemberId: TypeAlias = int | str
Reason: TypeAlias = Literal["too_few", "few_withheld", "differencing"]
DEFAULT_K: Final = 5
# Order in which groups are examined (earlier kinds are kept when two groups conflict); others come last.
KIND_ORDER: Final[Mapping[str, int]] = {
    "global": 0,
    "wco_region": 1,
    "region": 1,
    "income_group": 2,
    "income": 2,
    "geography": 3,
    "union": 4,
}


@dataclass(frozen=True)
class GroupDef:
    """A predefined group of members (``kind``: global, wco_region, income_group, geography, union)."""

    code: str
    kind: str
    members: frozenset[MemberId]


@dataclass(frozen=True)
class Contribution:
    """One member's published value of the KPI component, as one audience sees it.

    ``visible``: may the audience see this value itself? ``token``: the revision of the value (for
    example the number of the snapshot where it last changed); together with the member and the exact
    value it names the unknown, so a value repeated in two snapshots is recognised as the same one.
    """

    member: MemberId
    value: float | Decimal | Fraction
    visible: bool
    token: str = ""


@dataclass(frozen=True)
class GroupStats:
    """Released statistics. Which members contributed is deliberately not part of it."""

    count: int
    mean: float
    median: float
    q1: float
    q3: float


@dataclass(frozen=True)
class Suppressed:
    """A group whose statistics this audience may not see, and why (the reason reveals no value)."""

    reason: Reason


Result: TypeAlias = GroupStats | Suppressed


@dataclass(frozen=True)
class Snapshot:
    """An earlier release to the same audience: its groups and contributions (with the visibility
    this audience had then) and, if known, the codes of the groups released; ``None``: re-derive them
    with :func:`release` (same k and insiders, each earlier snapshot after the ones before it)."""

    groups: tuple[GroupDef, ...]
    contributions: tuple[Contribution, ...]
    released: frozenset[str] | None = None


# --- statistics --------------------------------------------------------------------------------


def exact(value: float | Decimal | Fraction | int) -> Fraction:
    """The value as an exact fraction (NaN and infinities are refused)."""
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise ValueError(f"a finite number is needed, not {value!r}")
    return Fraction(value)


def _quantile(ordered: Sequence[Fraction], p: Fraction) -> Fraction:
    """The "inclusive" quantile (statistics.quantiles(method="inclusive"), linear interpolation)."""
    position = p * (len(ordered) - 1)
    j = math.floor(position)
    fraction = position - j
    return ordered[j] if fraction == 0 else ordered[j] + (ordered[j + 1] - ordered[j]) * fraction


def quartiles(ordered: Sequence[Fraction]) -> tuple[Fraction, Fraction, Fraction]:
    """Q1, median and Q3 of sorted values (at least one), the method of every statistic here."""
    q1, median, q3 = (_quantile(ordered, Fraction(i, 4)) for i in (1, 2, 3))
    return q1, median, q3


def group_statistics(values: Iterable[float | Decimal | Fraction]) -> GroupStats:
    """Count, mean, median and quartiles of at least one value, computed exactly, then as floats."""
    ordered = sorted(exact(v) for v in values)
    if not ordered:
        raise ValueError("statistics need at least one value")
    mean = sum(ordered, Fraction(0)) / len(ordered)
    q1, median, q3 = quartiles(ordered)
    return GroupStats(len(ordered), float(mean), float(median), float(q1), float(q3))


def visible_values(
    members: Collection[MemberId], contributions: Iterable[Contribution]
) -> list[float | Decimal | Fraction]:
    """The values of a user-defined group that its asker sees: the only ones its statistics use."""
    return [c.value for c in contributions if c.visible and c.member in members]


def custom_group_stats(members: Collection[MemberId], contributions: Iterable[Contribution]) -> Result:
    """Statistics of a user-defined group: ONLY the values the asker sees, so nothing needs auditing."""
    values = visible_values(members, contributions)
    return group_statistics(values) if values else Suppressed("too_few")


# --- shared statistics --------------------------------------------------------------------------


class SnapshotStatistics:
    """The statistics of any group of one snapshot's values, each computed once and shared.

    The statistics of a group do not depend on the audience (only whether they are released does), so
    one object can serve the release of every audience of the same snapshot (``release(...,
    statistics=...)``). The values are converted to exact numbers and sorted once.
    """

    def __init__(self, values: Mapping[MemberId, float | Decimal | Fraction]):
        self.values = dict(values)
        exacts = [(member, Fraction(*_ratio(value)), value) for member, value in self.values.items()]
        if all(type(value) is float for _m, _x, value in exacts):
            exacts.sort(key=lambda item: item[2])  # the same order as the exact values', found faster
        else:
            exacts.sort(key=lambda item: item[1])
        self._ordered = [(member, x) for member, x, _value in exacts]
        self._found: dict[frozenset[MemberId], GroupStats] = {}

    @classmethod
    def of(cls, contributions: Iterable[Contribution]) -> SnapshotStatistics:
        return cls({c.member: c.value for c in contributions})

    def matches(self, contributions: Mapping[MemberId, Contribution]) -> bool:
        """Were these statistics made of exactly these contributions' values?"""
        return len(contributions) == len(self.values) and all(
            member in self.values and self.values[member] == c.value for member, c in contributions.items()
        )

    def group(self, members: Collection[MemberId]) -> GroupStats:
        """Statistics of the values of the contributors among ``members`` (at least one)."""
        chosen = frozenset(m for m in members if m in self.values)
        found = self._found.get(chosen)
        if found is None:
            found = self._found[chosen] = _statistics_of([x for m, x in self._ordered if m in chosen])
        return found


def _statistics_of(ordered: Sequence[Fraction]) -> GroupStats:
    """`group_statistics` of sorted exact values: the same figures, the exact sum in integers."""
    if not ordered:
        raise ValueError("statistics need at least one value")
    common = math.lcm(*(x.denominator for x in ordered))
    total = sum(x.numerator * (common // x.denominator) for x in ordered)
    q1, median, q3 = quartiles(ordered)
    mean = Fraction(total, common * len(ordered))
    return GroupStats(len(ordered), float(mean), float(median), float(q1), float(q3))


# --- the audit ---------------------------------------------------------------------------------
#
# Unknowns are numbered 0..n-1 and every set of unknowns is a bitset (a Python int: bit i is unknown
# i), so that intersections, differences and sizes are single integer operations.


def _bits(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class _Audit:
    """Classes of withheld unknowns under the released family, checked for every perspective."""

    def __init__(self, unknowns: int, k: int, views: Sequence[int]):
        self.k = k
        self.exempt = (1 << unknowns) - 1  # unknowns in no released group (their class needs no crowd)
        self.classes: list[int] = []  # the other classes, each a non-empty bitset
        self.rows: list[int] = []
        # Perspective 0 is the audience itself (knows no unknown); perspective j > 0 knows views[j-1].
        # A perspective that knows no unknown is never flagged (see `_flagged`), and two perspectives
        # that know the same unknowns always give the same answers: both are left out.
        distinct = dict.fromkeys(v for v in views if v)
        self.views = list(distinct)
        self.tainted: set[int] = set()  # perspectives in which earlier releases left a small class

    def _flagged(self, piece: int) -> Iterable[int]:
        """Perspectives that see 1..k-1 unknowns of this piece they do not know (and, for an insider,
        know at least one of it)."""
        size = piece.bit_count()
        if not size:
            return
        k = self.k
        if size < k:
            yield 0
        low = size - k  # an insider is flagged when it knows n unknowns, 1 <= n, size - k < n < size
        for j, view in enumerate(self.views, 1):
            n = (piece & view).bit_count()
            if n and low < n < size:
                yield j

    def _small(self, piece: int) -> bool:
        return next(iter(self._flagged(piece)), None) is not None

    def _split(self, hidden: int) -> list[tuple[bool, int, int]]:
        """(exempt?, inside, outside) for each class the row touches."""
        parts = []
        inside = self.exempt & hidden
        if inside:
            parts.append((True, inside, self.exempt & ~hidden))
        for cls in self.classes:
            inside = cls & hidden
            if inside:
                parts.append((False, inside, cls & ~hidden))
        return parts

    def _after(self, hidden: int) -> list[int]:
        """The classes (exempt unknowns apart) once this row is released."""
        classes = []
        for cls in self.classes:
            inside = cls & hidden
            if inside and cls & ~hidden:
                classes += [inside, cls & ~hidden]
            else:
                classes.append(cls)
        if self.exempt & hidden:
            classes.append(self.exempt & hidden)
        return classes

    def force(self, hidden: int) -> None:
        """Record a release as it happened (whatever it revealed)."""
        self.classes = self._after(hidden)
        self.exempt &= ~hidden
        self.rows.append(hidden)

    def seal_history(self) -> None:
        for cls in self.classes:
            self.tainted.update(self._flagged(cls))

    def check(self, hidden: int) -> Reason | None:
        if not hidden:
            return None  # all contributors visible: splits no class, reveals nothing new
        if self._small(hidden):
            return "few_withheld"
        for exempt, inside, outside in self._split(hidden):
            if self._small(inside) or (not exempt and self._small(outside)):
                return "differencing"
        if self.tainted:
            classes = self._after(hidden)
            if any(self._adds_to_small_classes(classes, hidden, p) for p in sorted(self.tainted)):
                return "differencing"
        return None

    def _adds_to_small_classes(self, classes: Sequence[int], hidden: int, perspective: int) -> bool:
        """Would this row add linear information about the classes that are already small?"""
        unseen = ~self.views[perspective - 1] if perspective else -1  # the unknowns it does not know
        counted = [i for i, cls in enumerate(classes) if cls & unseen]
        small = frozenset(i for i in counted if (classes[i] & unseen).bit_count() < self.k)

        def vector(row: int) -> frozenset[int]:
            return frozenset(i for i in counted if classes[i] & row)

        rows = [vector(r) for r in self.rows]
        new = vector(hidden)
        grows = _rank([*rows, new]) > _rank(rows)
        projected = [r - small for r in rows]
        return grows and _rank([*projected, new - small]) == _rank(projected)


def _rank(rows: Sequence[frozenset[int]]) -> int:
    """Exact rank over the rationals of 0/1 rows (fraction-free integer elimination)."""
    pivots: dict[int, dict[int, int]] = {}
    for row in rows:
        vec = dict.fromkeys(row, 1)
        while vec:
            col = min(vec)
            if col not in pivots:
                pivots[col] = vec
                break
            piv, a, b = pivots[col], vec[col], pivots[col][col]
            merged = {c: v * b - piv.get(c, 0) * a for c, v in vec.items()}
            for c, v in piv.items():
                if c not in vec:
                    merged[c] = -v * a
            vec = {c: v for c, v in merged.items() if v}
            g = math.gcd(*vec.values()) if vec else 1
            vec = {c: v // g for c, v in vec.items()}
    return len(pivots)


# --- release -----------------------------------------------------------------------------------

_Key: TypeAlias = tuple[MemberId, str, int, int]  # member, token, the exact value as a reduced ratio


_SUPPRESSED: Final[Mapping[Reason, Suppressed]] = {r: Suppressed(r) for r in get_args(Reason)}


def _priority(group: GroupDef, count: int) -> tuple[int, int, str]:
    return (KIND_ORDER.get(group.kind, len(KIND_ORDER)), -count, group.code)


def _by_member(contributions: Iterable[Contribution]) -> dict[MemberId, Contribution]:
    found: dict[MemberId, Contribution] = {}
    for c in contributions:
        if c.member in found:
            raise ValueError(f"two contributions of member {c.member!r} in one snapshot")
        found[c.member] = c
    return found


def _withheld(members: Collection[MemberId], bits: Mapping[MemberId, int]) -> int:
    """The bitset of the unknowns among a group's contributors (``bits``: member -> its unknown)."""
    return functools.reduce(operator.or_, map(bits.__getitem__, bits.keys() & members), 0)


def _ratio(value: float | Decimal | Fraction) -> tuple[int, int]:
    """The exact value as numerator and denominator in lowest terms (as `exact`, which it equals, but
    quicker for floats and to compare and hash)."""
    if type(value) is float:
        if not math.isfinite(value):
            raise ValueError(f"a finite number is needed, not {value!r}")
        return value.as_integer_ratio()
    x = exact(value)
    return x.numerator, x.denominator


def _decide(
    history: Sequence[tuple[Snapshot, frozenset[str]]],
    groups: Sequence[GroupDef],
    contributions: Sequence[Contribution],
    k: int,
    insiders: Sequence[frozenset[MemberId]],
    statistics: SnapshotStatistics | None = None,
) -> dict[str, Result]:
    snapshots = [(s.groups, _by_member(s.contributions)) for s, _ in history]
    current = _by_member(contributions)
    # Each contribution's unknown, once: (member, token, exact value); a known one is no unknown.
    keyed: list[list[tuple[MemberId, _Key]]] = []
    keys: dict[_Key, None] = {}
    known: set[_Key] = set()
    for _, by_member in [*snapshots, (groups, current)]:
        found = []
        for c in by_member.values():
            key = (c.member, c.token, *_ratio(c.value))
            keys.setdefault(key)
            if c.visible:
                known.add(key)
            found.append((c.member, key))
        keyed.append(found)
    unknowns = [key for key in keys if key not in known]
    index = {key: i for i, key in enumerate(unknowns)}
    bits = [{m: 1 << index[key] for m, key in found if key in index} for found in keyed]
    of_member: dict[MemberId, int] = {}
    for i, key in enumerate(unknowns):
        of_member[key[0]] = of_member.get(key[0], 0) | 1 << i
    views = [_withheld(inside, of_member) for inside in insiders]
    audit = _Audit(len(unknowns), k, views)

    for (past_groups, _), (_, codes), past_bits in zip(snapshots, history, bits[:-1], strict=True):
        for group in past_groups:
            if group.code in codes:
                audit.force(_withheld(group.members, past_bits))
    audit.seal_history()

    if statistics is None or not statistics.matches(current):
        statistics = SnapshotStatistics({m: c.value for m, c in current.items()})
    now = bits[-1]
    results: dict[str, Result] = {}
    counts = {g.code: len(current.keys() & g.members) for g in groups}
    for group in sorted(groups, key=lambda g: _priority(g, counts[g.code])):
        if counts[group.code] < k:
            results[group.code] = _SUPPRESSED["too_few"]
            continue
        hidden = _withheld(group.members, now)
        reason = audit.check(hidden)
        if reason is not None:
            results[group.code] = _SUPPRESSED[reason]
            continue
        audit.force(hidden)
        results[group.code] = statistics.group(group.members)
    return {g.code: results[g.code] for g in groups}


def release(
    groups: Sequence[GroupDef],
    contributions: Sequence[Contribution],
    k: int = DEFAULT_K,
    earlier: Sequence[Snapshot] = (),
    insiders: Iterable[Collection[MemberId]] = (),
    *,
    statistics: SnapshotStatistics | None = None,
) -> dict[str, Result]:
    """Statistics of each predefined group for one audience, or why they are suppressed.

    ``contributions``: every published value of the KPI component (one per member), flagged visible or
    not for the audience. ``earlier``: earlier releases of the same KPI component this audience may
    have seen (earlier snapshots, and the public release when the audience is not the public).
    ``insiders``: member sets whose withheld values someone else who sees this same release knows (for
    the public release: per signed-in audience, the members whose non-public values it sees); the
    release is made safe for each of them too. ``statistics``: the statistics of ``contributions``'
    values, shared by the releases of several audiences (only a speed-up: the figures are the same).
    Deterministic; the answer keeps the order of ``groups``.
    """
    if k < 2:
        raise ValueError("k must be at least 2")
    codes = [g.code for g in groups]
    if len(set(codes)) != len(codes):
        raise ValueError("group codes must be unique")
    views = sorted({frozenset(inside) for inside in insiders if inside}, key=lambda s: sorted(map(str, s)))
    history: list[tuple[Snapshot, frozenset[str]]] = []
    for snapshot in earlier:
        released = snapshot.released
        if released is None:
            past = _decide(history, snapshot.groups, snapshot.contributions, k, views)
            released = frozenset(code for code, result in past.items() if isinstance(result, GroupStats))
        history.append((snapshot, released))
    return _decide(history, groups, contributions, k, views, statistics)
