"""Adversarial tests of the disclosure-safe aggregates (pmm.results.aggregates, docs/disclosure.md).

The attackers here are written independently of the engine (they know nothing of its classes) and are
given MORE than a real audience has: the exact set of withheld contributors of every released group and
which withheld values are the same value in two snapshots. Each attack is first shown to succeed on a
naive release (statistics of every group of at least k members, no audit), so a failure against the
engine means something. Pure Python, no database.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pmm.results.aggregates import (
    Contribution,
    GroupDef,
    GroupStats,
    Result,
    Snapshot,
    Suppressed,
    custom_group_stats,
    group_statistics,
    release,
)

Key = tuple[object, str, Fraction]


def group(code: str, members: Iterable[str], kind: str = "wco_region") -> GroupDef:
    return GroupDef(code, kind, frozenset(members))


def contribs(values: Mapping[str, float], hidden: Iterable[str], token: str = "") -> list[Contribution]:
    hide = set(hidden)
    return [Contribution(m, v, m not in hide, token) for m, v in values.items()]


def naive(groups: Sequence[GroupDef], contributions: Sequence[Contribution], k: int = 5) -> dict[str, Result]:
    """What a platform without an audit would publish: every group of at least k contributors."""
    by_member = {c.member: c for c in contributions}
    out: dict[str, Result] = {}
    for g in groups:
        values = [by_member[m].value for m in g.members if m in by_member]
        out[g.code] = group_statistics(values) if len(values) >= k else Suppressed("too_few")
    return out


@dataclass(frozen=True)
class Seen:
    """One release an audience has seen."""

    groups: Sequence[GroupDef]
    contributions: Sequence[Contribution]
    answer: Mapping[str, Result]


def key(c: Contribution) -> Key:
    return (c.member, c.token, Fraction(c.value))


def released(seen: Seen) -> Iterable[tuple[GroupDef, GroupStats, list[Contribution]]]:
    by_member = {c.member: c for c in seen.contributions}
    for g in seen.groups:
        stats = seen.answer[g.code]
        if isinstance(stats, GroupStats):
            yield g, stats, [by_member[m] for m in sorted(g.members) if m in by_member]


# --- linear algebra, exact ----------------------------------------------------------------------


class Span:
    """Reduced row echelon form of integer rows with a rational right-hand side (Gauss-Jordan)."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[dict[int, int], Fraction]] = {}  # pivot column -> (row, rhs)

    def _reduce(self, row: dict[int, int], rhs: Fraction) -> tuple[dict[int, int], Fraction]:
        for col, (base, base_rhs) in self.rows.items():
            a = row.get(col, 0)
            if a:
                b = base[col]
                merged = {c: v * b for c, v in row.items()}
                for c, v in base.items():
                    merged[c] = merged.get(c, 0) - v * a
                row = {c: v for c, v in merged.items() if v}
                rhs = rhs * b - base_rhs * a
        return row, rhs

    def add(self, row: Mapping[int, int], rhs: Fraction = Fraction(0)) -> bool:
        reduced, rhs = self._reduce(dict(row), rhs)
        if not reduced:
            return False
        g = math.gcd(*reduced.values())
        reduced, rhs = {c: v // g for c, v in reduced.items()}, rhs / g
        pivot = min(reduced)
        for col, (base, base_rhs) in list(self.rows.items()):
            a = base.get(pivot, 0)
            if a:
                b = reduced[pivot]
                merged = {c: v * b for c, v in base.items()}
                for c, v in reduced.items():
                    merged[c] = merged.get(c, 0) - v * a
                self.rows[col] = ({c: v for c, v in merged.items() if v}, base_rhs * b - rhs * a)
        self.rows[pivot] = (reduced, rhs)
        return True

    def contains(self, row: Mapping[int, int]) -> bool:
        return not self._reduce(dict(row), Fraction(0))[0]

    def determined(self) -> dict[int, Fraction]:
        """Unknowns whose unit vector lies in the span, with the value the equations give them."""
        return {col: rhs / row[col] for col, (row, rhs) in self.rows.items() if len(row) == 1}


@dataclass
class Equations:
    unknowns: list[Key]
    rows: list[tuple[frozenset[int], Fraction]]  # (withheld contributors, their sum as released)


def equations(history: Sequence[Seen], insider: Iterable[object] = ()) -> Equations:
    """Each released mean times count, minus the values the attacker knows, is a sum of unknowns."""
    knows = set(insider)
    known = {key(c) for s in history for c in s.contributions if c.visible or c.member in knows}
    unknowns = sorted({key(c) for s in history for c in s.contributions} - known, key=repr)
    index = {u: i for i, u in enumerate(unknowns)}
    rows = []
    for seen in history:
        for _, stats, members in released(seen):
            total = Fraction(stats.mean) * stats.count
            rest = total - sum((Fraction(c.value) for c in members if key(c) in known), Fraction(0))
            rows.append((frozenset(index[key(c)] for c in members if key(c) in index), rest))
    return Equations(unknowns, rows)


def linear_attack(history: Sequence[Seen], insider: Iterable[object] = ()) -> dict[Key, Fraction]:
    """Solve the released sums (visible values subtracted) for every unknown they determine."""
    eq = equations(history, insider)
    span = Span()
    for members, rest in eq.rows:
        span.add(dict.fromkeys(members, 1), rest)
    return {eq.unknowns[i]: v for i, v in span.determined().items()}


def close(a: Fraction | float, b: Fraction | float) -> bool:
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))


def recovered(found: Mapping[Key, Fraction]) -> set[object]:
    """Members whose withheld value the attacker found (the key holds the truth to compare with)."""
    return {u[0] for u, v in found.items() if close(v, u[2])}


# --- order statistics -------------------------------------------------------------------------


def quantile_row(n: int, p: Fraction) -> dict[int, Fraction]:
    """The inclusive quantile as a linear form in the sorted values (index -> weight)."""
    pos = p * (n - 1)
    j = math.floor(pos)
    frac = pos - j
    return {j: Fraction(1)} if frac == 0 else {j: 1 - frac, j + 1: frac}


def solve(rows: list[tuple[dict[int, Fraction], Fraction]], n: int) -> dict[int, Fraction] | None:
    """Gauss-Jordan over the rationals; None when inconsistent (with a float tolerance on the rhs)."""
    m = [[row.get(j, Fraction(0)) for j in range(n)] + [rhs] for row, rhs in rows]
    pivots: list[int] = []
    r = 0
    for c in range(n):
        p = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if p is None:
            continue
        m[r], m[p] = m[p], m[r]
        m[r] = [x / m[r][c] for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append(c)
        r += 1
    if any(abs(float(row[n])) > 1e-6 for row in m[r:]):
        return None
    return {c: m[i][n] for i, c in enumerate(pivots) if sum(1 for x in m[i][:n] if x != 0) == 1}


def median_attack(small: GroupStats, large: GroupStats) -> Fraction | None:
    """The large group is the small one plus one value x. Try every rank x may take among the small
    group's sorted values, solve the six quartile equations (not the means), drop the hypotheses the
    equations or the ordering refute, and return x if every surviving hypothesis pins it to one value."""
    n = small.count
    assert large.count == n + 1
    candidates: set[Fraction] = set()
    for rank in range(n + 1):
        x = n  # variables 0..n-1: the small group's sorted values; n: the added value
        order = [*range(rank), x, *range(rank, n)]
        rows = []
        for p, a, b in zip(
            (1, 2, 3), (small.q1, small.median, small.q3), (large.q1, large.median, large.q3), strict=True
        ):
            rows.append((quantile_row(n, Fraction(p, 4)), Fraction(a)))
            rows.append(({order[j]: w for j, w in quantile_row(n + 1, Fraction(p, 4)).items()}, Fraction(b)))
        found = solve(rows, n + 1)
        if found is None:
            continue
        ordered = [found[v] for v in order if v in found]
        if any(float(a) > float(b) + 1e-9 for a, b in itertools.pairwise(ordered)):
            continue
        if x not in found:
            return None  # a possible world where x is not pinned down
        candidates.add(found[x])
    values = sorted(candidates)
    return values[0] if values and close(values[0], values[-1]) else None


def pairwise_median_attack(history: Sequence[Seen]) -> set[object]:
    """Every pair of released groups whose contributors differ by one withheld value: the median attack."""
    known = {key(c) for s in history for c in s.contributions if c.visible}
    found: set[object] = set()
    pool = [(frozenset(key(c) for c in members), stats) for s in history for _, stats, members in released(s)]
    for (a, sa), (b, sb) in itertools.permutations(pool, 2):
        if a < b and len(b - a) == 1 and not b - a <= known:
            (extra,) = b - a
            value = median_attack(sa, sb)
            if value is not None and close(value, extra[2]):
                found.add(extra[0])
    return found


def exact_values(stats: GroupStats) -> list[float]:
    """Quartiles that fall exactly on one of the group's values (inclusive method: integral positions)."""
    return [
        v
        for p, v in zip((1, 2, 3), (stats.q1, stats.median, stats.q3), strict=True)
        if (stats.count - 1) * p % 4 == 0
    ]


def intersection_attack(history: Sequence[Seen]) -> set[object]:
    """A value that appears among the exact quartiles of several groups belongs to a withheld member in
    all of them (assuming no coincidence): if only one such member exists, the value is attributed."""
    known = {key(c) for s in history for c in s.contributions if c.visible}
    found: set[object] = set()
    sightings: dict[float, list[frozenset[Key]]] = {}
    for seen in history:
        for _, stats, members in released(seen):
            for v in exact_values(stats):
                sightings.setdefault(v, []).append(frozenset(key(c) for c in members) - known)
    for v, sets in sightings.items():
        common = frozenset.intersection(*sets)
        if len(common) == 1:
            (only,) = common
            if close(only[2], v):
                found.add(only[0])
    return found


def all_attacks(history: Sequence[Seen], insider: Iterable[object] = ()) -> set[object]:
    """Members whose withheld value any attack recovers (the insider's own knowledge left out)."""
    insider = set(insider)
    found = recovered(linear_attack(history, insider))
    found |= pairwise_median_attack(history) | intersection_attack(history)
    return found - insider


# --- scenarios ----------------------------------------------------------------------------------


def values_for(names: Iterable[str], seed: int = 1) -> dict[str, float]:
    rng = random.Random(seed)
    return {m: round(rng.uniform(10, 90), 3) for m in names}


def stats_of(answer: Mapping[str, Result]) -> dict[str, GroupStats]:
    return {c: r for c, r in answer.items() if isinstance(r, GroupStats)}


def test_fewer_than_k_contributors_are_suppressed_at_any_k():
    vals = values_for(["a", "b", "c", "d"])
    groups = [group("four", vals)]
    assert release(groups, contribs(vals, []))["four"] == Suppressed("too_few")
    assert release(groups, contribs(vals, ["a", "b"]))["four"] == Suppressed("too_few")
    assert isinstance(release(groups, contribs(vals, []), k=4)["four"], GroupStats)
    assert release(groups, contribs(vals, ["a"]), k=4)["four"] == Suppressed("few_withheld")


def test_small_group_attack_fails_members_that_did_not_report_do_not_count():
    vals = values_for(["a", "b", "c", "d"])
    groups = [group("g", [*vals, "silent1", "silent2"])]  # 6 members, 4 reported
    answer = release(groups, contribs(vals, vals))
    assert answer["g"] == Suppressed("too_few")
    assert all_attacks([Seen(groups, contribs(vals, vals), answer)]) == set()


def test_all_visible_groups_are_released_with_exact_statistics():
    vals = values_for([f"m{i}" for i in range(12)])
    names = list(vals)
    groups = [
        group("global", names, "global"),
        group("r1", names[:6]),
        group("r2", names[6:]),
        group("i1", names[::2], "income_group"),
        group("u1", names[3:9], "union"),
    ]
    answer = release(groups, contribs(vals, []))
    assert all(isinstance(r, GroupStats) for r in answer.values())
    for g in groups:
        data = [vals[m] for m in g.members]
        s = answer[g.code]
        assert isinstance(s, GroupStats)
        q1, med, q3 = statistics.quantiles(data, n=4, method="inclusive")
        assert s.count == len(data)
        assert s.mean == pytest.approx(statistics.fmean(data), rel=1e-12)
        assert (s.q1, s.median, s.q3) == pytest.approx((q1, med, q3), rel=1e-12)
        assert s.median == pytest.approx(statistics.median(data), rel=1e-12)


def test_sees_all_but_one_attack_fails():
    vals = values_for(["a", "b", "c", "d", "x"])
    groups = [group("g", vals)]
    cs = contribs(vals, ["x"])
    assert recovered(linear_attack([Seen(groups, cs, naive(groups, cs))])) == {"x"}  # the attack works
    answer = release(groups, cs)
    assert answer["g"] == Suppressed("few_withheld")
    assert all_attacks([Seen(groups, cs, answer)]) == set()


def test_differencing_a_group_with_and_without_one_member_fails():
    vals = values_for(["a", "b", "c", "d", "e", "x", "v1", "v2"])
    groups = [group("big", vals), group("small", ["a", "b", "c", "d", "e", "v1", "v2"])]
    cs = contribs(vals, ["a", "b", "c", "d", "e", "x"])  # v1, v2 visible
    assert recovered(linear_attack([Seen(groups, cs, naive(groups, cs))])) == {"x"}
    answer = release(groups, cs)
    assert isinstance(answer["big"], GroupStats)  # the larger group is kept
    assert answer["small"] == Suppressed("differencing")
    assert all_attacks([Seen(groups, cs, answer)]) == set()


def test_differencing_through_a_combination_of_three_groups_fails():
    s1, s2 = [f"p{i}" for i in range(5)], [f"q{i}" for i in range(5)]
    vals = values_for([*s1, *s2, "x"])
    groups = [group("A", [*s1, "x"]), group("B", s2), group("C", [*s1, *s2])]  # x = A + B - C
    cs = contribs(vals, vals)
    history = [Seen(groups, cs, naive(groups, cs))]
    assert recovered(linear_attack(history)) == {"x"}
    sums = [frozenset(g.members) for g in groups]
    assert all(len(a ^ b) >= 5 for a, b in itertools.combinations(sums, 2))  # no pair gives it away
    answer = release(groups, cs)
    assert sum(isinstance(r, GroupStats) for r in answer.values()) == 2
    assert all_attacks([Seen(groups, cs, answer)]) == set()


def test_median_differencing_fails():
    vals = {"a": 10.0, "b": 20.0, "c": 30.0, "d": 40.0, "e": 50.0, "x": 33.0}
    groups = [group("G", ["a", "b", "c", "d", "e"]), group("Gx", vals)]
    cs = contribs(vals, vals)
    naive_answer = naive(groups, cs)
    assert pairwise_median_attack([Seen(groups, cs, naive_answer)]) == {"x"}  # quartiles alone give x
    answer = release(groups, cs)
    assert len(stats_of(answer)) == 1
    assert all_attacks([Seen(groups, cs, answer)]) == set()


def test_quartile_intersection_attack_fails():
    # Two groups sharing one withheld member whose value is the median of both: no sum reveals it and
    # the groups differ by 8 members, yet the common median names its owner.
    vals = {"a1": 1.0, "a2": 2.0, "x": 5.5, "a3": 8.0, "a4": 9.0, "b1": 3.0, "b2": 4.0, "b3": 7.0, "b4": 9.5}
    groups = [
        group("R", ["a1", "a2", "a3", "a4", "x"]),
        group("I", ["b1", "b2", "b3", "b4", "x"], "income_group"),
    ]
    cs = contribs(vals, vals)
    history = [Seen(groups, cs, naive(groups, cs))]
    assert recovered(linear_attack(history)) == set()
    assert intersection_attack(history) == {"x"}
    answer = release(groups, cs)
    assert answer["I"] == Suppressed("differencing")
    assert all_attacks([Seen(groups, cs, answer)]) == set()


def test_minimum_and_maximum_are_never_released():
    assert [f.name for f in dataclasses.fields(GroupStats)] == ["count", "mean", "median", "q1", "q3"]
    rng = random.Random(7)
    for n in range(5, 40):
        data = rng.sample(range(1000), n)
        s = group_statistics(data)
        assert min(data) < s.q1 <= s.median <= s.q3 < max(data)
        assert min(data) not in (s.q1, s.median, s.q3, s.mean) and max(data) not in (s.q1, s.median, s.q3)


def test_correction_adding_a_member_fails():
    base = [f"m{i}" for i in range(10)]
    vals = values_for([*base, "x"])
    groups = [group("global", [*base, "x"], "global"), group("r1", [*base[:5], "x"]), group("r2", base[5:])]
    first = contribs({m: vals[m] for m in base}, base)  # x had not reported
    second = contribs(vals, vals)
    past = Seen(groups, first, release(groups, first))
    assert len(stats_of(past.answer)) == 3
    # Without the earlier release, the new one looks harmless alone, but together they give x:
    alone = release(groups, second)
    assert len(stats_of(alone)) == 3
    assert recovered(linear_attack([past, Seen(groups, second, alone)])) == {"x"}
    answer = release(groups, second, earlier=[Snapshot(tuple(groups), tuple(first))])
    assert answer == {
        "global": Suppressed("differencing"),
        "r1": Suppressed("differencing"),
        "r2": past.answer["r2"],
    }
    assert all_attacks([past, Seen(groups, second, answer)]) == set()


def test_correction_of_one_value_reveals_neither_value_nor_change():
    names = [f"m{i}" for i in range(12)]
    vals = values_for(names)
    groups = [group("global", names, "global"), group("r1", names[:6]), group("r2", names[6:])]
    first = contribs(vals, names, token="1")
    second = [
        dataclasses.replace(c, value=c.value + 7.25, token="2") if c.member == "m0" else c for c in first
    ]
    past = Seen(groups, first, release(groups, first))
    naive_now = Seen(groups, second, release(groups, second))
    eq = equations([past, naive_now])
    old, new = (
        eq.unknowns.index(("m0", t, Fraction(v))) for t, v in (("1", vals["m0"]), ("2", vals["m0"] + 7.25))
    )
    span = Span()
    for members, _ in eq.rows:
        span.add(dict.fromkeys(members, 1))
    assert span.contains({new: 1, old: -1})  # without the audit, the change is visible
    answer = release(groups, second, earlier=[Snapshot(tuple(groups), tuple(first))])
    assert answer["r2"] == past.answer["r2"] and answer["global"] == answer["r1"] == Suppressed(
        "differencing"
    )
    eq = equations([past, Seen(groups, second, answer)])
    span = Span()
    for members, _ in eq.rows:
        span.add(dict.fromkeys(members, 1))
    assert not span.contains({new: 1, old: -1})
    assert all_attacks([past, Seen(groups, second, answer)]) == set()


def test_an_unchanged_value_in_two_snapshots_is_one_unknown():
    names = [f"m{i}" for i in range(12)]
    vals = values_for(names)
    groups = [group("global", names, "global"), group("r1", names[:6]), group("r2", names[6:])]
    cs = contribs(vals, names, token="1")
    first = release(groups, cs)
    again = release(groups, cs, earlier=[Snapshot(tuple(groups), tuple(cs))])
    assert again == first and len(stats_of(first)) == 3


def test_public_release_is_safe_for_signed_in_insiders():
    # Hidden from the public: w1..w4 (WCO level, seen by every signed-in user) and c (country level).
    vals = values_for(["p1", "p2", "w1", "w2", "w3", "w4", "c"])
    groups = [group("g", vals)]
    cs = contribs(vals, ["w1", "w2", "w3", "w4", "c"])
    wco = {"w1", "w2", "w3", "w4"}
    unsafe = release(groups, cs)
    assert isinstance(unsafe["g"], GroupStats)
    assert recovered(linear_attack([Seen(groups, cs, unsafe)], insider=wco)) == {"c"}
    answer = release(groups, cs, insiders=[wco, {"c"}])
    assert answer["g"] == Suppressed("few_withheld")
    assert all_attacks([Seen(groups, cs, answer)], insider=wco) == set()


def test_a_signed_in_audience_gets_nothing_that_adds_to_the_public_release():
    # Everyone can read the public release; a signed-in audience's own release must take it into
    # account (as an earlier release), or the two together can give a value away (found by search).
    names = [f"m{i}" for i in range(12)]
    vals = values_for(names, 536)
    wco_level = {"m4", "m5", "m8", "m9"}
    groups = [
        group("global", names, "global"),
        group("g0", [m for m in names if m not in {"m2", "m10", "m11"}], "union"),
        group("g1", ["m0", "m2", "m7", "m8", "m9", "m10", "m11"]),
        group("g2", ["m1", "m2", "m3", "m5", "m6", "m9", "m10"]),
    ]
    public = release(groups, contribs(vals, names), k=2, insiders=[wco_level])
    signed_cs = contribs(vals, set(names) - wco_level)
    alone = release(groups, signed_cs, k=2)
    assert recovered(linear_attack([Seen(groups, signed_cs, public), Seen(groups, signed_cs, alone)])) == {
        "m11"
    }
    public_seen = Snapshot(tuple(groups), tuple(signed_cs), frozenset(stats_of(public)))
    mine = release(groups, signed_cs, k=2, earlier=[public_seen])
    assert all_attacks([Seen(groups, signed_cs, public), Seen(groups, signed_cs, mine)]) == set()


def test_a_value_left_exposed_by_a_later_visibility_change_gets_no_further_help():
    # Snapshot 1 released G1 = {x, y, b1, b2} and G2 = {b1, b2, c1, c2} (k = 2, all withheld). Then y's
    # value became visible: the class of x shrank to {x}, and G1 - G2 + C would now give x.
    vals = values_for(["x", "y", "b1", "b2", "c1", "c2"])
    groups = [
        group("G1", ["x", "y", "b1", "b2"]),
        group("G2", ["b1", "b2", "c1", "c2"]),
        group("C", ["c1", "c2"], "union"),
    ]
    first = contribs(vals, vals)
    past = release(groups[:2], first, k=2)
    assert len(stats_of(past)) == 2
    second = contribs(vals, ["x", "b1", "b2", "c1", "c2"])
    answer = release(groups, second, k=2, earlier=[Snapshot(tuple(groups[:2]), tuple(first))])
    assert answer["C"] == Suppressed("differencing")
    history = [Seen(groups[:2], first, past), Seen(groups, second, answer)]
    assert all_attacks(history) == set()
    assert recovered(linear_attack([*history, Seen(groups, second, naive(groups, second, k=2))])) == {"x"}


def brute_force(history: Sequence[Seen], domain: Sequence[int]) -> dict[object, set[Fraction]]:
    """Every assignment of domain values to the withheld unknowns that reproduces every released figure
    exactly: the possible values of each withheld member. The strongest attacker there is."""
    known = {key(c) for s in history for c in s.contributions if c.visible}
    unknowns = sorted({key(c) for s in history for c in s.contributions} - known, key=repr)
    possible: dict[object, set[Fraction]] = {u[0]: set() for u in unknowns}
    checks = [
        (stats, round(stats.mean * stats.count), [(key(c), Fraction(c.value)) for c in members])
        for s in history
        for _, stats, members in released(s)
    ]  # the integer sum first (a fast filter for integer domains), then every released figure
    for guess in itertools.product(domain, repeat=len(unknowns)):
        world = dict(zip(unknowns, map(Fraction, guess), strict=True))
        values = [[world.get(k, v) for k, v in members] for _, _, members in checks]
        if all(sum(vs) == total for vs, (_, total, _) in zip(values, checks, strict=True)) and all(
            group_statistics(vs) == stats for vs, (stats, _, _) in zip(values, checks, strict=True)
        ):
            for u, v in world.items():
                possible[u[0]].add(v)
    return possible


def test_exhaustive_attacker_cannot_pin_any_withheld_value():
    vals = {"m0": 1, "m1": 4, "m2": 2, "m3": 5, "m4": 0, "m5": 3}
    names = list(vals)
    groups = [
        group("global", names, "global"),
        group("A", names[:3]),
        group("B", names[:4], "income_group"),
        group("C", names[3:], "union"),
    ]
    cs = contribs(vals, names)
    leaky = brute_force([Seen(groups, cs, naive(groups, cs, k=3))], range(6))
    assert leaky["m3"] == {Fraction(5)}  # B minus A
    answer = release(groups, cs, k=3)
    assert set(stats_of(answer)) == {"global", "A", "C"}
    possible = brute_force([Seen(groups, cs, answer)], range(6))
    assert all(len(v) >= 3 for v in possible.values()), possible  # each value hides among 3


def test_decisions_are_deterministic_and_ignore_the_withheld_values():
    names = [f"m{i:02}" for i in range(40)]
    rng = random.Random(3)
    groups = [group("global", names, "global")]
    groups += [group(f"r{i}", names[i::4]) for i in range(4)]
    groups += [group(f"i{i}", names[i * 10 : i * 10 + 10], "income_group") for i in range(4)]
    groups += [group(f"u{i}", rng.sample(names, 12), "union") for i in range(3)]
    hidden = set(rng.sample(names, 28))
    vals = values_for(names, 4)
    first = release(groups, contribs(vals, hidden))
    assert release(groups, contribs(vals, hidden)) == first
    assert release(groups[::-1], contribs(vals, hidden)[::-1]) == first
    other = {m: (v if m not in hidden else rng.uniform(-1e6, 1e6)) for m, v in vals.items()}
    pattern = {c: type(r) if isinstance(r, GroupStats) else r for c, r in first.items()}
    assert {
        c: type(r) if isinstance(r, GroupStats) else r
        for c, r in release(groups, contribs(other, hidden)).items()
    } == pattern


def test_explicit_earlier_release_equals_rederived():
    names = [f"m{i}" for i in range(20)]
    vals = values_for(names)
    groups = [group("global", names, "global"), group("r1", names[:10]), group("r2", names[10:])]
    first = contribs({m: vals[m] for m in names[:-1]}, names)
    second = contribs(vals, names)
    codes = frozenset(stats_of(release(groups, first)))
    derived = release(groups, second, earlier=[Snapshot(tuple(groups), tuple(first))])
    assert derived == release(groups, second, earlier=[Snapshot(tuple(groups), tuple(first), codes)])


def test_custom_groups_use_only_what_the_asker_sees():
    vals = values_for(["a", "b", "c", "d"])
    cs = contribs(vals, ["c", "d"])
    s = custom_group_stats({"a", "b", "c", "zz"}, cs)
    assert isinstance(s, GroupStats) and s.count == 2 and s.mean == pytest.approx((vals["a"] + vals["b"]) / 2)
    assert custom_group_stats({"c", "d"}, cs) == Suppressed("too_few")


def test_bad_input_is_refused():
    vals = values_for(["a", "b"])
    with pytest.raises(ValueError):
        release([group("g", vals)], contribs(vals, []), k=1)
    with pytest.raises(ValueError):
        release([group("g", vals), group("g", vals)], contribs(vals, []))
    with pytest.raises(ValueError):
        release([group("g", vals)], [*contribs(vals, []), Contribution("a", 1.0, True)])
    with pytest.raises(ValueError):
        release([group("g", vals)], [Contribution("a", math.nan, True)])


# --- the property: random worlds, earlier snapshots, insiders -----------------------------------


@dataclass(frozen=True)
class World:
    groups: list[GroupDef]
    snapshots: list[list[Contribution]]  # the earliest first; the last is the current one
    k: int
    insiders: list[set[object]]
    flips: bool  # some visibility differs between snapshots
    rng: random.Random


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n = draw(st.integers(10, 60))
    names = [f"m{i:02}" for i in range(n)]
    k = draw(st.sampled_from([2, 3, 4, 5, 5]))
    groups = [group("global", names, "global")]
    for kind, parts in (("wco_region", draw(st.integers(2, 6))), ("income_group", draw(st.integers(2, 4)))):
        block = draw(st.lists(st.integers(0, parts - 1), min_size=n, max_size=n))
        groups += [
            group(f"{kind}{p}", [m for m, b in zip(names, block, strict=True) if b == p], kind)
            for p in range(parts)
        ]
    for u in range(draw(st.integers(0, 4))):
        groups.append(
            group(f"union{u}", draw(st.sets(st.sampled_from(names), min_size=2, max_size=n)), "union")
        )
    hidden_p = draw(st.sampled_from([0.3, 0.6, 0.9, 1.0]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    hidden = {m for m in names if rng.random() < hidden_p}
    snapshots = []
    values = {m: Fraction(rng.randint(0, 10_000), 100) for m in names}
    tokens = dict.fromkeys(names, "0")
    reported = {m for m in names if rng.random() < 0.85}
    flips = draw(st.booleans()) and draw(st.booleans())  # a quarter of the worlds: visibility changes
    for s in range(draw(st.integers(0, 2)) + 1):
        if s:
            for m in rng.sample(names, rng.randint(0, 3)):  # corrections
                values[m], tokens[m] = Fraction(rng.randint(0, 10_000), 100), str(s)
            reported |= set(rng.sample(names, rng.randint(0, 2)))
        seen_hidden = hidden ^ set(rng.sample(names, rng.randint(1, 6))) if flips and s == 0 else hidden
        snapshots.append(
            [Contribution(m, values[m], m not in seen_hidden, tokens[m]) for m in sorted(reported)]
        )
    insiders = [draw(st.sets(st.sampled_from(names), max_size=8)) for _ in range(draw(st.integers(0, 2)))]
    return World(groups, snapshots, k, insiders, flips, rng)


def rows_of(
    history: Sequence[Seen], knows: set[object]
) -> tuple[list[Key], list[frozenset[int]], list[frozenset[int]]]:
    known = {key(c) for s in history for c in s.contributions if c.visible or c.member in knows}
    unknowns = sorted({key(c) for s in history for c in s.contributions} - known, key=repr)
    index = {u: i for i, u in enumerate(unknowns)}
    past, now = [], []
    for i, seen in enumerate(history):
        for _, _, members in released(seen):
            (now if i == len(history) - 1 else past).append(
                frozenset(index[key(c)] for c in members if key(c) in index)
            )
    return unknowns, past, now


@settings(max_examples=500, deadline=None)
@given(worlds())
def test_property_no_withheld_value_is_derivable(world: World) -> None:
    groups, k, insiders = world.groups, world.k, world.insiders
    history: list[Seen] = []
    earlier: list[Snapshot] = []
    for cs in world.snapshots:
        answer = release(groups, cs, k, earlier, insiders)
        history.append(Seen(groups, cs, answer))
        earlier.append(Snapshot(tuple(groups), tuple(cs)))
    unknowns, past, now = rows_of(history, set())
    event(f"snapshots: {len(history)}; visibility changed: {world.flips}")
    event(
        f"released groups with withheld values: {min(sum(1 for r in [*past, *now] if r), 5)} (5: 5 or more)"
    )
    for knows in [set(), *insiders]:
        unknowns, past, now = rows_of(history, knows)
        before, after = Span(), Span()
        for row in past:
            before.add(dict.fromkeys(row, 1))
            after.add(dict.fromkeys(row, 1))
        for row in now:
            after.add(dict.fromkeys(row, 1))
        # No withheld value becomes derivable from the sums (visible values subtracted) ...
        assert set(after.determined()) <= set(before.determined())
        if world.flips:
            continue
        assert not after.determined()
        # ... nor the change of a corrected value, ...
        versions: dict[object, list[int]] = {}
        for i, u in enumerate(unknowns):
            versions.setdefault(u[0], []).append(i)
        for vs in versions.values():
            for a, b in itertools.combinations(vs, 2):
                assert not after.contains({a: 1, b: -1})
        # ... and no two released groups differ by 1..k-1 withheld values (the median attack).
        rows = [r for r in [*past, *now] if r]
        assert all(not 0 < len(a ^ b) < k for a, b in itertools.combinations(rows, 2))
        # Every withheld value in a released group has a twin in exactly the same released groups,
        # and swapping the two changes no released figure.
        for u in set().union(*rows) if rows else ():
            assert any(v != u and all((u in r) == (v in r) for r in rows) for v in range(len(unknowns)))
    if not world.flips:
        for knows in [set(), *insiders]:
            assert all_attacks(history, knows) == set()  # the concrete attackers, for good measure
        assert_swap_changes_nothing(world, history)


def assert_swap_changes_nothing(world: World, history: Sequence[Seen]) -> None:
    rng = world.rng
    unknowns, past, now = rows_of(history, set())
    rows = [r for r in [*past, *now] if r]
    touched = sorted(set().union(*rows)) if rows else []
    if not touched:
        return
    u = rng.choice(touched)
    v = next(v for v in range(len(unknowns)) if v != u and all((u in r) == (v in r) for r in rows))
    swap = {unknowns[u]: unknowns[v][2], unknowns[v]: unknowns[u][2]}
    earlier: list[Snapshot] = []
    for seen in history:
        cs = [dataclasses.replace(c, value=swap.get(key(c), c.value)) for c in seen.contributions]
        answer = release(seen.groups, cs, world.k, earlier, world.insiders)
        assert answer == seen.answer
        earlier.append(Snapshot(tuple(seen.groups), tuple(cs)))


def test_member_scale_with_an_insider_set_per_member():
    """~190 members, ~30 groups, the public release with an insider set per member and a repeated snapshot."""
    rng = random.Random(5)
    names = [f"m{i:03}" for i in range(190)]
    groups = [group("global", names, "global")]
    groups += [group(f"r{i}", names[i::6]) for i in range(6)]
    groups += [group(f"i{i}", [m for m in names if int(m[1:]) % 4 == i], "income_group") for i in range(4)]
    groups += [group(f"u{i}", rng.sample(names, rng.randint(5, 27)), "union") for i in range(19)]
    cs = [Contribution(m, rng.uniform(0, 100), rng.random() < 0.3) for m in names]
    insiders = [{m} for m in names] + [set(rng.sample(names, 60))]
    answer = release(groups, cs, insiders=insiders, earlier=[Snapshot(tuple(groups), tuple(cs))])
    assert answer == release(groups, cs, insiders=insiders)  # the same release seen twice adds nothing
