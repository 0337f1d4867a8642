"""The release engine (pmm.results.aggregates) gives exactly the answers of its first, slow version.

The engine was restructured for speed (bitsets, exact values converted once, statistics shared by the
audiences of a snapshot; docs/performance.md, "Group statistics"). The straightforward version it
replaced is kept below, verbatim, as the reference: on random worlds (members, groups, hidden values,
earlier snapshots with corrections and visibility changes, insiders, k) both must decide every group
alike and give the same statistics. Pure Python, no database.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TypeAlias

from hypothesis import given, settings
from hypothesis import strategies as st

from pmm.results.aggregates import (
    DEFAULT_K,
    KIND_ORDER,
    Contribution,
    GroupDef,
    GroupStats,
    MemberId,
    Reason,
    Result,
    Snapshot,
    SnapshotStatistics,
    Suppressed,
    exact,
    group_statistics,
    release,
)

# --- the reference: the engine as it was before it was made faster --------------------------------

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


def reference_release(
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


# --- the comparison -----------------------------------------------------------------------------


def _group(code: str, members: Iterable[str], kind: str) -> GroupDef:
    return GroupDef(code, kind, frozenset(members))


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[GroupDef], list[list[Contribution]], int, list[set[str]], str]:
    """Groups, snapshots (the earliest first), k, insiders, and whether earlier released codes are given."""
    n = draw(st.integers(5, 70))
    names = [f"m{i:02}" for i in range(n)]
    k = draw(st.sampled_from([2, 3, 4, 5, 5, 6]))
    groups = [_group("global", names, "global")]
    for kind, parts in (("wco_region", draw(st.integers(1, 6))), ("income_group", draw(st.integers(1, 4)))):
        block = draw(st.lists(st.integers(0, parts - 1), min_size=n, max_size=n))
        groups += [
            _group(f"{kind}{p}", [m for m, b in zip(names, block, strict=True) if b == p], kind)
            for p in range(parts)
        ]
    for kind in ("geography", "union", "custom_kind"):
        for u in range(draw(st.integers(0, 3))):
            groups.append(_group(f"{kind}{u}", draw(st.sets(st.sampled_from(names), max_size=n)), kind))
    rng = random.Random(draw(st.integers(0, 2**32)))
    hidden_p = draw(st.sampled_from([0.0, 0.3, 0.6, 0.9, 1.0]))
    hidden = {m for m in names if rng.random() < hidden_p}
    values = {m: Fraction(rng.randint(0, 300), draw(st.sampled_from([1, 4, 100]))) for m in names}
    tokens = dict.fromkeys(names, "0")
    reported = {m for m in names if rng.random() < 0.85}
    snapshots = []
    for s in range(draw(st.integers(0, 3)) + 1):
        if s:
            for m in rng.sample(names, rng.randint(0, min(n, 8))):  # corrections
                values[m], tokens[m] = Fraction(rng.randint(0, 300), 4), str(s)
            reported |= set(rng.sample(names, rng.randint(0, 2)))
            if draw(st.booleans()):  # visibility changes
                hidden ^= set(rng.sample(names, rng.randint(1, min(n, 6))))
        snapshots.append(
            [
                Contribution(
                    m, float(values[m]) if rng.random() < 0.5 else values[m], m not in hidden, tokens[m]
                )
                for m in sorted(reported)
            ]
        )
    insiders = [draw(st.sets(st.sampled_from(names), max_size=n)) for _ in range(draw(st.integers(0, 6)))]
    insiders += [{m} for m in names if draw(st.booleans())] if draw(st.booleans()) else []
    return (
        groups,
        snapshots,
        k,
        insiders,
        draw(st.sampled_from(["derive", "given", "given without insiders"])),
    )


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_same_answers_as_the_reference(world) -> None:
    groups, snapshots, k, insiders, codes = world
    earlier: list[Snapshot] = []
    for cs in snapshots:
        expected = reference_release(groups, cs, k, earlier, insiders)
        assert release(groups, cs, k, earlier, insiders) == expected
        shared = SnapshotStatistics.of(cs)
        assert release(groups, cs, k, earlier, insiders, statistics=shared) == expected
        assert release(groups, cs, k, earlier, insiders, statistics=shared) == expected  # reused
        # The released codes of an earlier snapshot: derived again, given, or given as released without
        # the insiders (which leaves classes too small for them: later releases must add nothing).
        past = reference_release(groups, cs, k, earlier) if codes == "given without insiders" else expected
        released = frozenset(c for c, r in past.items() if isinstance(r, GroupStats))
        earlier.append(Snapshot(tuple(groups), tuple(cs), None if codes == "derive" else released))


def test_same_answers_as_the_reference_when_earlier_releases_left_small_classes(monkeypatch) -> None:
    """Few members, small k, overlapping groups, each snapshot releasing some of them, values becoming
    visible between snapshots and earlier releases made without the insiders: the cases where earlier
    releases left classes too small and the engine must add no information about them."""
    from pmm.results import aggregates

    used = []
    adds = aggregates._Audit._adds_to_small_classes

    def counted(self, *args):  # type: ignore[no-untyped-def]
        used.append(adds(self, *args))
        return used[-1]

    monkeypatch.setattr(aggregates._Audit, "_adds_to_small_classes", counted)
    rng = random.Random(1)
    kinds = ["global", "wco_region", "income_group", "geography", "union"]
    for _ in range(4000):
        n, k = rng.randint(4, 10), rng.choice([2, 2, 3])
        names = [f"m{i}" for i in range(n)]
        pool = [
            GroupDef(f"g{i}", rng.choice(kinds), frozenset(rng.sample(names, rng.randint(1, n))))
            for i in range(rng.randint(2, 8))
        ]
        hidden = set(names) if rng.random() < 0.5 else set(rng.sample(names, rng.randint(n // 2, n)))
        values = {m: Fraction(rng.randint(0, 50)) for m in names}
        tokens = dict.fromkeys(names, "0")
        insiders = [set(rng.sample(names, rng.randint(0, n))) for _ in range(rng.randint(0, 2))]
        earlier: list[Snapshot] = []
        for s in range(rng.randint(2, 3)):
            if s:
                for m in rng.sample(names, rng.randint(0, 1)):
                    values[m], tokens[m] = values[m] + 1, str(s)
                hidden -= set(rng.sample(names, rng.randint(0, 2)))
            groups = [g for g in pool if rng.random() < 0.6] or pool[:1]
            cs = [Contribution(m, values[m], m not in hidden, tokens[m]) for m in names]
            expected = reference_release(groups, cs, k, earlier, insiders)
            assert release(groups, cs, k, earlier, insiders) == expected
            past = reference_release(groups, cs, k, earlier) if rng.random() < 0.5 else expected
            released = frozenset(c for c, r in past.items() if isinstance(r, GroupStats))
            earlier.append(Snapshot(tuple(groups), tuple(cs), released))
    assert True in used and False in used  # the rule about small classes was exercised both ways


def test_statistics_of_other_values_are_not_used():
    names = [f"m{i}" for i in range(8)]
    groups = [_group("global", names, "global")]
    cs = [Contribution(m, float(i), True) for i, m in enumerate(names)]
    other = SnapshotStatistics({m: 100.0 + i for i, m in enumerate(names)})
    assert release(groups, cs, statistics=other) == reference_release(groups, cs)


def test_member_scale_public_release_equals_the_reference():
    """~190 members, ~30 groups, an insider set per member, two snapshots with corrections."""
    rng = random.Random(7)
    names = [f"m{i:03}" for i in range(190)]
    groups = [_group("global", names, "global")]
    groups += [_group(f"r{i}", names[i::6], "wco_region") for i in range(6)]
    groups += [_group(f"i{i}", [m for m in names if int(m[1:]) % 4 == i], "income_group") for i in range(4)]
    groups += [_group(f"u{i}", rng.sample(names, rng.randint(5, 27)), "union") for i in range(19)]
    first = [Contribution(m, rng.uniform(0, 100), rng.random() < 0.3, "1") for m in names]
    second = [
        Contribution(c.member, rng.uniform(0, 100), c.visible, "2") if rng.random() < 0.05 else c
        for c in first
    ]
    insiders = [{m} for m in names] + [set(rng.sample(names, 60)) for _ in range(5)]
    earlier = [Snapshot(tuple(groups), tuple(first))]
    for cs, past in ((first, []), (second, earlier)):
        assert release(groups, cs, insiders=insiders, earlier=past) == reference_release(
            groups, cs, insiders=insiders, earlier=past
        )


def test_group_statistics_are_the_exact_ones():
    rng = random.Random(3)
    for _ in range(200):
        values = {
            i: rng.choice([rng.uniform(-1e6, 1e6), rng.randint(0, 9), Fraction(rng.randint(0, 99), 7)])
            for i in range(rng.randint(1, 40))
        }
        members = frozenset(rng.sample(sorted(values), rng.randint(1, len(values))))
        assert SnapshotStatistics(values).group(members) == group_statistics(values[m] for m in members)
