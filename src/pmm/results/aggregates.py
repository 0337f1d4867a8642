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

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, TypeAlias

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


def custom_group_stats(members: Collection[MemberId], contributions: Iterable[Contribution]) -> Result:
    """Statistics of a user-defined group: ONLY the values the asker sees, so nothing needs auditing."""
    values = [c.value for c in contributions if c.visible and c.member in members]
    return group_statistics(values) if values else Suppressed("too_few")


# --- the audit ---------------------------------------------------------------------------------

_Key: TypeAlias = tuple[MemberId, str, Fraction]


class _Audit:
    """Classes of withheld unknowns under the released family, checked for every perspective."""

    def __init__(self, owners: Sequence[MemberId], k: int, insiders: Sequence[frozenset[MemberId]]):
        self.k = k
        self.atom_of = [0] * len(owners)  # class 0: unknowns in no released group (exempt)
        self.atoms: dict[int, set[int]] = {0: set(range(len(owners)))}
        self.next_atom = 1
        self.rows: list[frozenset[int]] = []
        # perspectives[0] is the audience itself (knows no unknown); then one per distinct insider set
        self.known_by: list[list[int]] = [
            [j + 1 for j, inside in enumerate(insiders) if owner in inside] for owner in owners
        ]
        self.perspectives = len(insiders) + 1
        self.tainted: set[int] = set()  # perspectives in which earlier releases left a small class

    def _small(self, piece: Collection[int]) -> set[int]:
        """Perspectives that see 1..k-1 unknowns of this piece they do not know."""
        small = {0} if 0 < len(piece) < self.k else set()
        known = Counter(j for u in piece for j in self.known_by[u])
        small.update(j for j, n in known.items() if 0 < len(piece) - n < self.k)
        return small

    def _split(self, hidden: frozenset[int]) -> dict[int, tuple[set[int], set[int]]]:
        touched: dict[int, set[int]] = {}
        for u in hidden:
            touched.setdefault(self.atom_of[u], set()).add(u)
        return {a: (inside, self.atoms[a] - inside) for a, inside in touched.items()}

    def _commit(self, hidden: frozenset[int]) -> None:
        for a, (inside, outside) in self._split(hidden).items():
            if a == 0 or outside:  # the inside part becomes a new class
                self.atoms[self.next_atom] = inside
                for u in inside:
                    self.atom_of[u] = self.next_atom
                self.next_atom += 1
                if outside:
                    self.atoms[a] = outside
                else:
                    del self.atoms[a]
        self.rows.append(hidden)

    def force(self, hidden: frozenset[int]) -> None:
        """Record an earlier release as it happened (whatever it revealed)."""
        self._commit(hidden)

    def seal_history(self) -> None:
        for a, atom in self.atoms.items():
            if a != 0:
                self.tainted |= self._small(atom)

    def check(self, hidden: frozenset[int]) -> Reason | None:
        if not hidden:
            return None  # all contributors visible: splits no class, reveals nothing new
        if self._small(hidden):
            return "few_withheld"
        for a, (inside, outside) in self._split(hidden).items():
            if self._small(inside) or (a != 0 and self._small(outside)):
                return "differencing"
        if any(self._adds_to_small_classes(hidden, p) for p in sorted(self.tainted)):
            return "differencing"
        return None

    def _adds_to_small_classes(self, hidden: frozenset[int], perspective: int) -> bool:
        """Would this row add linear information about the classes that are already small?"""
        atom_of = list(self.atom_of)  # the classes after the tentative split
        fresh = self.next_atom
        for a, (inside, outside) in self._split(hidden).items():
            if a == 0 or outside:
                for u in inside:
                    atom_of[u] = fresh
                fresh += 1
        members: dict[int, list[int]] = {}
        for u, a in enumerate(atom_of):
            if perspective == 0 or perspective not in self.known_by[u]:
                members.setdefault(a, []).append(u)
        small = {a for a, us in members.items() if a != 0 and len(us) < self.k}

        def vector(row: frozenset[int]) -> frozenset[int]:
            return frozenset(atom_of[u] for u in row if atom_of[u] in members)

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


def _priority(group: GroupDef, count: int) -> tuple[int, int, str]:
    return (KIND_ORDER.get(group.kind, len(KIND_ORDER)), -count, group.code)


def _by_member(contributions: Iterable[Contribution]) -> dict[MemberId, Contribution]:
    found: dict[MemberId, Contribution] = {}
    for c in contributions:
        if c.member in found:
            raise ValueError(f"two contributions of member {c.member!r} in one snapshot")
        found[c.member] = c
    return found


def _decide(
    history: Sequence[tuple[Snapshot, frozenset[str]]],
    groups: Sequence[GroupDef],
    contributions: Sequence[Contribution],
    k: int,
    insiders: Sequence[frozenset[MemberId]],
) -> dict[str, Result]:
    snapshots = [(s.groups, _by_member(s.contributions)) for s, _ in history]
    current = _by_member(contributions)
    keys: dict[_Key, None] = {}
    known: set[_Key] = set()
    for _, by_member in [*snapshots, (groups, current)]:
        for c in by_member.values():
            key = (c.member, c.token, exact(c.value))
            keys.setdefault(key)
            if c.visible:
                known.add(key)
    unknowns = [key for key in keys if key not in known]
    index = {key: i for i, key in enumerate(unknowns)}
    audit = _Audit([key[0] for key in unknowns], k, insiders)

    def withheld(group: GroupDef, by_member: Mapping[MemberId, Contribution]) -> frozenset[int]:
        keyed = ((c.member, c.token, exact(c.value)) for m in group.members if (c := by_member.get(m)))
        return frozenset(index[key] for key in keyed if key in index)

    for (past_groups, by_member), (_, codes) in zip(snapshots, history, strict=True):
        for group in past_groups:
            if group.code in codes:
                audit.force(withheld(group, by_member))
    audit.seal_history()

    results: dict[str, Result] = {}
    counts = {g.code: sum(1 for m in g.members if m in current) for g in groups}
    for group in sorted(groups, key=lambda g: _priority(g, counts[g.code])):
        if counts[group.code] < k:
            results[group.code] = Suppressed("too_few")
            continue
        hidden = withheld(group, current)
        reason = audit.check(hidden)
        if reason is not None:
            results[group.code] = Suppressed(reason)
            continue
        audit.force(hidden)
        results[group.code] = group_statistics(current[m].value for m in group.members if m in current)
    return {g.code: results[g.code] for g in groups}


def release(
    groups: Sequence[GroupDef],
    contributions: Sequence[Contribution],
    k: int = DEFAULT_K,
    earlier: Sequence[Snapshot] = (),
    insiders: Iterable[Collection[MemberId]] = (),
) -> dict[str, Result]:
    """Statistics of each predefined group for one audience, or why they are suppressed.

    ``contributions``: every published value of the KPI component (one per member), flagged visible or
    not for the audience. ``earlier``: earlier releases of the same KPI component this audience may
    have seen (earlier snapshots, and the public release when the audience is not the public).
    ``insiders``: member sets whose withheld values someone else who sees this same release knows (for
    the public release: per signed-in audience, the members whose non-public values it sees); the
    release is made safe for each of them too. Deterministic; the answer keeps the order of ``groups``.
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
    return _decide(history, groups, contributions, k, views)
