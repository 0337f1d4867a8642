"""Group statistics of published results for one audience: the reads around the pure engine of
`pmm.results.aggregates`. docs/disclosure.md explains the rules.

For each KPI component, every predefined group (global, WCO regions, income groups, geography,
unions) is audited together, whatever the reader filters on, so that asking for one group or for all
gives the same answer. What an audience has been able to see before counts: the public release (for
signed-in audiences, since anyone can read it) and the releases of earlier publications of the cycle.
The public release is made safe for every signed-in reader too ("insiders"). Custom groups use only
the values the reader sees. Every answer is cached per publication and audience (publications never
change, and the rules are deterministic).

What does not depend on the audience is computed once and shared (docs/performance.md, "Group
statistics"): the public releases of a KPI component (every signed-in audience's release starts from
them) are kept in a small memory of this process, keyed by their inputs; each snapshot's statistics
are computed once for all audiences (`SnapshotStatistics`); the warm-up job after a publication reads
the groups and values once for all audiences (`warm_aggregates`), and an answer being computed by
one process is waited for, not computed again, by another.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache

from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import PUBLIC_AUDIENCE, UNION, WCO, Audience, may_see
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Group, GroupKind, Member
from pmm.results.aggregates import (
    Contribution,
    GroupDef,
    GroupStats,
    MemberId,
    Result,
    Snapshot,
    SnapshotStatistics,
    Suppressed,
    custom_group_stats,
    release,
)
from pmm.results.answers import answers_kpi, with_answers
from pmm.results.models import Publication, PublishedResult
from pmm.results.selectors import ResultFilters

GLOBAL = "global"
PREDEFINED_KINDS = (GroupKind.WCO_REGION, GroupKind.INCOME_GROUP, GroupKind.GEOGRAPHY, GroupKind.UNION)
GROUP_TYPES = (GLOBAL, *PREDEFINED_KINDS, GroupKind.CUSTOM)


@dataclass(frozen=True)
class GroupAggregate:
    kpi: str
    component: str
    group: str
    group_type: str
    group_name: dict[str, str]
    result: Result
    reviewed_only: bool = False  # the statistics of the group's peer-reviewed values only

    @property
    def released(self) -> bool:
        return isinstance(self.result, GroupStats)


@dataclass(frozen=True)
class _Values:
    """One publication's computed values of one KPI component: member id -> (value, disclosure level)."""

    by_member: dict[int, tuple[float, str]]
    reviewed: frozenset[int] = frozenset()  # members whose value was peer reviewed

    def contributions(self, audience: Audience) -> tuple[Contribution, ...]:
        return tuple(
            Contribution(member, value, may_see(audience, member, level))
            for member, (value, level) in sorted(self.by_member.items())
        )

    @functools.cached_property
    def statistics(self) -> SnapshotStatistics:
        """The statistics of any group of these values, shared by the releases of every audience."""
        return SnapshotStatistics({member: value for member, (value, _level) in self.by_member.items()})

    @functools.cached_property
    def _items(self) -> list[tuple[int, tuple[float, str]]]:
        return sorted(self.by_member.items())

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of everything the releases depend on (for the memories of releases)."""
        return _digest((self._items, sorted(self.reviewed)))

    @functools.cached_property
    def _by_level(self) -> dict[str, frozenset[int]]:
        found: dict[str, set[int]] = defaultdict(set)
        for member, (_value, level) in self._items:
            found[level].add(member)
        return {level: frozenset(members) for level, members in found.items()}

    def visible(self, audience: Audience) -> frozenset[int]:
        """The members whose value the audience sees: `may_see` of each member, asked once per level
        for all the members the audience names nowhere (for them the answer depends on the level only)."""
        named = audience.own | audience.union_partners | {m for _c, m in audience.reviewing}
        seen: set[int] = set()
        for level, members in self._by_level.items():
            if may_see(audience, _NOBODY, level):
                seen |= members - named
        for member in named:
            if member in self.by_member and may_see(audience, member, self.by_member[member][1]):
                seen.add(member)
        return frozenset(seen)

    def seen_as(self, visible: frozenset[int]) -> tuple[Contribution, ...]:
        """The contributions, each visible if its member is in `visible`."""
        return tuple(
            Contribution(member, value, member in visible) for member, (value, _level) in self._items
        )

    def fully_reviewed(self, group: GroupDef) -> bool:
        """Did the group have contributors, and was every one of them peer reviewed?"""
        contributing = self.by_member.keys() & group.members
        return bool(contributing) and not contributing - self.reviewed


_NOBODY = -1  # a member id no audience names
_EMPTY = _Values({})


def _digest(content: Any) -> str:
    return hashlib.sha256(repr(content).encode()).hexdigest()


def _predefined_groups() -> tuple[tuple[GroupDef, ...], dict[str, tuple[str, dict[str, str]]]]:
    """Every predefined group with its members, global first; and each group's kind and name."""
    members: dict[str, set[int]] = defaultdict(set)
    info: dict[str, tuple[str, dict[str, str]]] = {}
    for group in Group.objects.filter(kind__in=PREDEFINED_KINDS):
        info[group.code] = (group.kind, group.name)
    through = Member.groups.through.objects.filter(group__kind__in=PREDEFINED_KINDS)
    for code, member_id in through.values_list("group__code", "member_id"):
        members[code].add(member_id)
    everyone = frozenset(Member.objects.values_list("id", flat=True))
    info[GLOBAL] = (GLOBAL, {"en": "All members", "fr": "Tous les membres"})
    groups = [GroupDef(GLOBAL, GLOBAL, everyone)]
    groups += [
        GroupDef(code, info[code][0], frozenset(members[code])) for code in sorted(info) if code != GLOBAL
    ]
    return tuple(groups), info


REVIEWED = "@reviewed"  # the suffix of a group's peer-reviewed part


def _unions(groups: Iterable[GroupDef]) -> list[frozenset[int]]:
    return [
        frozenset(int(m) for m in g.members)
        for g in groups
        if g.kind == GroupKind.UNION and not g.code.endswith(REVIEWED)
    ]


def _with_reviewed_parts(groups: tuple[GroupDef, ...], values: _Values) -> tuple[GroupDef, ...]:
    """The groups, plus each group's peer-reviewed part where it differs from the whole group's
    contributors and is not empty. Both are audited together, so asking for one and for the other
    cannot be combined to single out a value."""
    contributing = set(values.by_member)
    parts = []
    for g in groups:
        part = frozenset(m for m in g.members if m in values.reviewed)
        if part and (contributing & g.members) - part:
            parts.append(GroupDef(g.code + REVIEWED, g.kind, part))
    return (*groups, *parts)


def _insiders(values: _Values, unions: list[frozenset[int]]) -> list[frozenset[int]]:
    """For each kind of signed-in reader, the members whose non-public values it sees."""
    levels = {member: level for member, (_value, level) in values.by_member.items()}
    wco = frozenset(m for m, level in levels.items() if level == WCO)
    union_level = {m for m, level in levels.items() if level == UNION}
    sets = {wco}
    for union in unions:
        sets.add(wco | (union & union_level))
    partners = _partners(tuple(unions))
    for member in levels:
        sets.add(wco | (partners.get(member, frozenset()) & union_level) | {member})
    return [s for s in sets if s]


@functools.lru_cache(maxsize=16)
def _partners(unions: tuple[frozenset[int], ...]) -> dict[int, frozenset[int]]:
    """Each member of a union: the members of all its unions (itself included)."""
    found: dict[int, set[int]] = defaultdict(set)
    for union in unions:
        for member in union:
            found[member] |= union
    return {member: frozenset(partners) for member, partners in found.items()}


def _values_of(publications: list[Publication], kpis: list[str]) -> dict[tuple[int, str, str], _Values]:
    """(publication, kpi, component) -> values, for the given publications, in one query. Every value,
    visible or not: the release rules (`aggregates.release`) decide what statistics leave, per audience."""
    found: dict[tuple[int, str, str], dict[int, tuple[float, str]]] = defaultdict(dict)
    reviewed: dict[tuple[int, str, str], set[int]] = defaultdict(set)
    rows = (
        PublishedResult.objects.unrestricted()
        .filter(publication__in=publications, kpi__in=kpis, status="computed", value__isnull=False)
        .values_list("publication_id", "kpi", "component", "member_id", "value", "disclosure", "reviewed")
    )
    for publication, kpi, component, member, value, level, was_reviewed in rows:
        found[(publication, kpi, component)][member] = (float(value or 0.0), level)
        if was_reviewed:
            reviewed[(publication, kpi, component)].add(member)
    return {key: _Values(by_member, frozenset(reviewed[key])) for key, by_member in found.items()}


def _released(results: dict[str, Result]) -> frozenset[str]:
    return frozenset(code for code, result in results.items() if isinstance(result, GroupStats))


@dataclass(frozen=True)
class _PublicStep:
    """The public release of one publication of a series: what every signed-in audience saw before."""

    groups: tuple[GroupDef, ...]
    result: dict[str, Result]
    snapshot: Snapshot


class _Memory:
    """A small, bounded memory of this process (least recently used first out), safe across threads.
    Its keys hold everything the remembered release depends on, so an entry is never out of date."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


# The public releases of a KPI component: one entry per component and publication series.
_public_memory = _Memory(512)
# The releases of signed-in audiences, by what they see: audiences that see the same values of a
# component (most members' people for most KPIs: public and WCO-level values) get the same release.
_seen_memory = _Memory(2048)


def clear_process_memory() -> None:
    """Forget the releases remembered by this process (benchmarks: a truly cold computation)."""
    for memory in (_public_memory, _seen_memory, _aggregates_memory):
        with memory.lock:
            memory.entries.clear()


# The form of the public releases kept in the shared cache: change it when the release rules or the
# classes of a release change, so that no process reads a release computed by other code.
_SHARED_FORMAT = 1
# Whether the public releases computed now go to the shared cache: only while the warm-up job runs
# (writing them costs a reader's request about a quarter of its time, and the job computes them first).
_sharing_public_releases: ContextVar[bool] = ContextVar("sharing_public_releases", default=False)


def _public_releases(
    predefined: tuple[GroupDef, ...], series: list[_Values], k: int, groups_key: str
) -> tuple[Any, list[_PublicStep]]:
    """The public release of each publication of `series` (oldest first), each given the earlier ones,
    and the key naming all it depends on (the groups, each publication's values and levels, k). The
    same for every audience, so computed once: remembered by this process and, when the warm-up job
    computes them, kept in the shared cache (under a digest of that key), where a web process finds
    them."""
    key = (k, groups_key, tuple(values.fingerprint for values in series))
    found = _public_memory.get(key)
    if found is not None:
        return key, found
    shared = f"pmm:public-release:{_digest((_SHARED_FORMAT, key))}"
    found = cache.get(shared)
    if found is not None:  # computed by another process (the warm-up job computes the public first)
        _public_memory.put(key, found)
        return key, found
    unions = _unions(predefined)
    steps: list[_PublicStep] = []
    for values in series:
        groups = _with_reviewed_parts(predefined, values)
        seen = values.seen_as(values.visible(PUBLIC_AUDIENCE))
        public = release(
            groups,
            seen,
            k,
            [step.snapshot for step in steps],
            _insiders(values, unions),
            statistics=values.statistics,
        )
        steps.append(_PublicStep(groups, public, Snapshot(groups, seen, _released(public))))
    _public_memory.put(key, steps)
    if _sharing_public_releases.get():
        cache.set(shared, steps, timeout=24 * 3600)
    return key, steps


def _component_release(
    audience: Audience,
    predefined: tuple[GroupDef, ...],
    series: list[_Values],  # the component's values in each publication up to the one asked, oldest first
    k: int,
    groups_key: str,  # `_groups_key(predefined)`
) -> tuple[Any, dict[str, Result]]:
    """The audience's release of the last publication of `series`, given everything it saw before;
    and a key naming everything it depends on."""
    if audience.everything:
        last = series[-1]
        everything = (k, groups_key, last.fingerprint, "everything")
        found = _seen_memory.get(everything)
        if found is None:
            groups = _with_reviewed_parts(predefined, last)
            found = release(groups, last.contributions(audience), k, statistics=last.statistics)
            _seen_memory.put(everything, found)
        return everything, found
    public_key, public = _public_releases(predefined, series, k, groups_key)
    if audience == PUBLIC_AUDIENCE:
        return (public_key, "public"), public[-1].result
    visible = [values.visible(audience) for values in series]
    # The release depends on the audience only through which values it sees (`release` is pure).
    key = (public_key, tuple(visible))
    found = _seen_memory.get(key)
    if found is not None:
        return key, found
    own_history: list[Snapshot] = []
    result: dict[str, Result] = {}
    for i, (values, step, seen) in enumerate(zip(series, public, visible, strict=True)):
        mine = values.seen_as(seen)
        seen_before = [*(s.snapshot for s in public[: i + 1]), *own_history]
        result = release(step.groups, mine, k, seen_before, statistics=values.statistics)
        own_history.append(Snapshot(step.groups, mine, _released(result)))
    _seen_memory.put(key, result)
    return key, result


def _groups_key(groups: tuple[GroupDef, ...], info: dict[str, tuple[str, dict[str, str]]]) -> str:
    return _digest([(g.code, g.kind, sorted(g.members), info.get(g.code)) for g in groups])


_GENERATION = "pmm:aggregates:generation"


def forget_cached_statistics() -> None:
    """Groups or their members changed: cached statistics no longer count (they are recomputed)."""
    cache.set(_GENERATION, uuid.uuid4().hex, timeout=None)


def _generation() -> str:
    """The generation of the cached statistics: a random token, never a counter, so that a cache that
    dropped it (full, or cleared) starts a new generation rather than go back to an old one whose
    answers it may still hold."""
    found = cache.get(_GENERATION)
    if found is None:
        cache.add(_GENERATION, uuid.uuid4().hex, timeout=None)
        found = cache.get(_GENERATION, "")
    return str(found)


def _check(spec: FrameworkSpec, kpi: str, group_type: str, group: str) -> None:
    ResultFilters(kpi=kpi).kpi_codes(spec)  # the results' own check of the KPI code
    if group_type and group_type not in GROUP_TYPES:
        raise ApplicationError(
            f"Unknown group type {group_type}.",
            problems=[FieldProblem("group_type", f"must be one of {', '.join(GROUP_TYPES)}")],
        )
    if group and group != GLOBAL and not Group.objects.filter(code=group).exists():
        raise ApplicationError(f"No group {group}.", problems=[FieldProblem("group", "unknown group code")])


def cycle_aggregates(
    actor: Any,
    cycle: Cycle,
    publication: Publication | None,
    kpi: str = "",
    group_type: str = "",
    group: str = "",
    reviewed_only: bool = False,
) -> list[GroupAggregate]:
    """Group statistics of a publication for the actor, filtered by KPI, group type and group;
    `reviewed_only`: of the peer-reviewed values only."""
    return aggregates_for(audience_of(actor), cycle, publication, kpi, group_type, group, reviewed_only)


def aggregates_for(
    audience: Audience,
    cycle: Cycle,
    publication: Publication | None,
    kpi: str = "",
    group_type: str = "",
    group: str = "",
    reviewed_only: bool = False,
    reader: Audience | None = None,
) -> list[GroupAggregate]:
    """The statistics released to `audience`; for a `reader` of another audience (a report's edition
    made for `audience`), only those released to both (`_released_to_both`)."""
    if reader is not None and reader.key != audience.key:
        return _released_to_both(
            aggregates_for(audience, cycle, publication, kpi, group_type, group, reviewed_only),
            aggregates_for(reader, cycle, publication, kpi, group_type, group, reviewed_only),
        )
    spec = cycle_spec(cycle)
    _check(spec, kpi, group_type, group)
    if publication is None:
        return []
    audience = audience.in_cycle(cycle.pk)  # a peer reviewer's grants count in its review's cycle only
    kpis = [kpi] if kpi else sorted(spec.kpis, key=lambda code: spec.kpis[code].position)
    custom = group_type == GroupKind.CUSTOM or (
        group and Group.objects.filter(code=group, kind=GroupKind.CUSTOM).exists()
    )
    if custom:
        return _custom_aggregates(audience, publication, kpis, group, reviewed_only)
    publications = _publications_up_to(cycle, publication)
    key = _cache_key(publication, audience, kpis)
    answer, _ = _cached_or_computed(key, lambda: _compute(audience, spec, publications, kpis))
    return [
        a
        for a in answer
        if (not group_type or a.group_type == group_type)
        and (not group or a.group == group)
        and a.reviewed_only == reviewed_only
    ]


def _released_to_both(edition: list[GroupAggregate], reader: list[GroupAggregate]) -> list[GroupAggregate]:
    """The statistics of an edition made for one audience and read by another (a member's people asking
    for the WCO edition of a report, to share it): only those released to both audiences, the others
    withheld. Each audience's release is safe for that audience alone (docs/disclosure.md); a reader who
    also had another audience's release could set the two side by side and single out a value."""
    mine = {(a.kpi, a.component, a.group, a.reviewed_only) for a in reader if a.released}
    return [
        a
        if not a.released or (a.kpi, a.component, a.group, a.reviewed_only) in mine
        else replace(a, result=Suppressed("differencing"))
        for a in edition
    ]


def aggregates_of_groups(
    audience: Audience,
    cycle: Cycle,
    publication: Publication | None,
    groups: Iterable[str],
    reviewed_only: bool = False,
    reader: Audience | None = None,
) -> list[GroupAggregate]:
    """`aggregates_for` every KPI, of the predefined `groups` only (codes): what a member's dashboard
    shows. The slice is cached beside the audience's whole answer, under a key made from that
    answer's key (the same publication, audience, k and generation), so a reader unpickles its few
    groups rather than every group of the cycle; it is cut from the whole answer, never computed
    apart from it. For a `reader` of another audience, only the statistics released to both."""
    if publication is None:
        return []
    codes = set(groups)
    if reader is not None and reader.key != audience.key:
        return _released_to_both(
            aggregates_of_groups(audience, cycle, publication, codes, reviewed_only),
            aggregates_of_groups(reader, cycle, publication, codes, reviewed_only),
        )
    spec = cycle_spec(cycle)
    kpis = sorted(spec.kpis, key=lambda code: spec.kpis[code].position)
    key = _slice_key(_cache_key(publication, audience.in_cycle(cycle.pk), kpis), codes, reviewed_only)
    found: list[GroupAggregate] | None = cache.get(key)
    if found is None:
        answer = aggregates_for(audience, cycle, publication, reviewed_only=reviewed_only)
        found = [a for a in answer if a.group in codes]
        cache.set(key, found, timeout=24 * 3600)
    return found


def _slice_key(whole: str, codes: set[str], reviewed_only: bool) -> str:
    """The key of a slice of groups of the answer cached under `whole`."""
    return f"{whole}:groups:{_digest((sorted(codes), reviewed_only))}"


def _cache_own_slices(whole: str, audience: Audience, answer: list[GroupAggregate], inputs: _Inputs) -> None:
    """For a member's own people: cache the slice their dashboard reads (the member's groups, all
    values and peer-reviewed only), cut from their answer just computed."""
    if audience.everything or len(audience.own) != 1:
        return
    (member,) = audience.own
    codes = {g.code for g in inputs.groups if member in g.members}
    for reviewed_only in (False, True):
        found = [a for a in answer if a.group in codes and a.reviewed_only == reviewed_only]
        cache.set(_slice_key(whole, codes, reviewed_only), found, timeout=24 * 3600)


def _publications_up_to(cycle: Cycle, publication: Publication) -> list[Publication]:
    return list(Publication.objects.filter(cycle=cycle, number__lte=publication.number).order_by("number"))


# The form of a cached answer: change it when what an answer holds changes (2: the answers of yes/no
# and ordinal KPIs), so that no process reads an answer of another form.
_ANSWER_FORMAT = 2


def statistics_key(publication: Publication, audience: Audience) -> str:
    """A key naming the group statistics of every KPI of a publication for an audience (it changes
    with the groups and k): what is derived from them can be cached under a key made from it."""
    spec = cycle_spec(publication.cycle)
    kpis = sorted(spec.kpis, key=lambda code: spec.kpis[code].position)
    return _cache_key(publication, audience.in_cycle(publication.cycle_id), kpis)


def _cache_key(publication: Publication, audience: Audience, kpis: list[str]) -> str:
    generation = _generation()
    k = settings.PMM_AGGREGATE_MIN_MEMBERS
    wanted = f"{_ANSWER_FORMAT}:{generation}:{publication.pk}:{audience.key}:{','.join(kpis)}:{k}"
    return "pmm:aggregates:" + hashlib.sha256(wanted.encode()).hexdigest()


_COMPUTING_TIMEOUT = 120  # seconds: how long a mark "being computed" lasts (a crashed process's expires)
_WAIT_FOR_OTHERS = 30.0  # seconds a reader waits for another process's computation before its own


def _cached_or_computed(
    key: str, compute: Callable[[], list[GroupAggregate]]
) -> tuple[list[GroupAggregate], bool]:
    """The cached answer, or compute and cache it (and True). While one process computes an answer
    (marked in the cache), another that needs it waits for it instead of computing it again."""
    answer = cache.get(key)
    if answer is not None:
        return answer, False
    mark = key + ":computing"
    mine = cache.add(mark, 1, timeout=_COMPUTING_TIMEOUT)
    if not mine:
        deadline = time.monotonic() + _WAIT_FOR_OTHERS
        while time.monotonic() < deadline and cache.get(mark) is not None:
            time.sleep(0.05)
        answer = cache.get(key)
        if answer is not None:
            return answer, False
    try:
        answer = compute()
        cache.set(key, answer, timeout=24 * 3600)
    finally:
        if mine:
            cache.delete(mark)
    return answer, True


def warm_aggregates(publication: Publication, audiences: Iterable[Audience]) -> int:
    """Cache the group statistics of `publication` (every KPI, as pages and the API ask for them) for
    each audience whose statistics are not cached yet, and for a member's own people the slice their
    dashboard reads; the groups and values are read once for all.
    An audience asked for meanwhile is found cached and skipped (or, while another process computes
    it, waited for). Returns how many audiences were computed."""
    cycle = publication.cycle
    spec = cycle_spec(cycle)
    kpis = sorted(spec.kpis, key=lambda code: spec.kpis[code].position)
    publications = _publications_up_to(cycle, publication)
    inputs: list[_Inputs] = []
    computed = 0

    def compute(audience: Audience) -> list[GroupAggregate]:
        if not inputs:
            inputs.append(_read_inputs(publications, kpis))
        return _compute(audience, spec, publications, kpis, inputs[0])

    sharing = _sharing_public_releases.set(True)
    try:
        for audience in dict.fromkeys(a.in_cycle(cycle.pk) for a in audiences):
            key = _cache_key(publication, audience, kpis)
            answer, fresh = _cached_or_computed(key, functools.partial(compute, audience))
            if fresh and inputs:
                _cache_own_slices(key, audience, answer, inputs[0])
            computed += fresh
    finally:
        _sharing_public_releases.reset(sharing)
    return computed


@dataclass(frozen=True)
class _Inputs:
    groups: tuple[GroupDef, ...]
    info: dict[str, tuple[str, dict[str, str]]]
    values: dict[tuple[int, str, str], _Values]
    groups_key: str  # names the groups, their members and names (for the memories of releases)


def _read_inputs(publications: list[Publication], kpis: list[str]) -> _Inputs:
    groups, info = _predefined_groups()
    return _Inputs(groups, info, _values_of(publications, kpis), _groups_key(groups, info))


def _compute(
    audience: Audience,
    spec: Any,
    publications: list[Publication],
    kpis: list[str],
    inputs: _Inputs | None = None,
) -> list[GroupAggregate]:
    inputs = inputs or _read_inputs(publications, kpis)
    k = settings.PMM_AGGREGATE_MIN_MEMBERS
    answer = []
    for code in kpis:
        for component in spec.kpis[code].formulas:
            series = [inputs.values.get((p.pk, code, component), _EMPTY) for p in publications]
            answers = answers_kpi(spec.kpis[code])
            answer += _component_aggregates(audience, inputs, code, component, series, k, answers)
    return answer


# The answers of one KPI component, by release: audiences given the same release share them.
_aggregates_memory = _Memory(1024)


def _component_aggregates(
    audience: Audience,
    inputs: _Inputs,
    code: str,
    component: str,
    series: list[_Values],
    k: int,
    answers: bool = False,  # a yes/no or ordinal KPI: released statistics carry the answers' counts
) -> list[GroupAggregate]:
    """The statistics of every predefined group and of its peer-reviewed part, for the audience."""
    key, results = _component_release(audience, inputs.groups, series, k, inputs.groups_key)
    key = (key, code, component, answers)
    found: list[GroupAggregate] | None = _aggregates_memory.get(key)
    if found is not None:
        return found
    info = inputs.info
    last = series[-1]

    def told(result: Result, members: Collection[MemberId]) -> Result:
        """A released result with its answers counted, from the contributors it was computed from."""
        if not answers or not isinstance(result, GroupStats):
            return result
        return with_answers(result, (v for m, (v, _level) in last.by_member.items() if m in members))

    found = [
        GroupAggregate(
            code, component, g.code, info[g.code][0], info[g.code][1], told(results[g.code], g.members)
        )
        for g in inputs.groups
    ]
    found += [
        GroupAggregate(
            code,
            component,
            g.code,
            info[g.code][0],
            info[g.code][1],
            told(_reviewed_part(g, results, last), _reviewed_members(g, results, last)),
            True,
        )
        for g in inputs.groups
    ]
    _aggregates_memory.put(key, found)
    return found


def _reviewed_members(group: GroupDef, results: dict[str, Result], values: _Values) -> frozenset[MemberId]:
    """The members whose values `_reviewed_part` gives the statistics of."""
    if group.code + REVIEWED in results:
        return frozenset(m for m in group.members if m in values.reviewed)  # as `_with_reviewed_parts`
    return group.members


def _reviewed_part(group: GroupDef, results: dict[str, Result], values: _Values) -> Result:
    """The statistics of the group's peer-reviewed values: its own release, the whole group's when
    every contributor was reviewed, or none at all."""
    if group.code + REVIEWED in results:
        return results[group.code + REVIEWED]
    if values.fully_reviewed(group):
        return results[group.code]
    return Suppressed("too_few")


def _custom_aggregates(
    audience: Audience, publication: Publication, kpis: list[str], group: str, reviewed_only: bool = False
) -> list[GroupAggregate]:
    """Custom groups: statistics of the values the audience sees, nothing else."""
    chosen = Group.objects.filter(kind=GroupKind.CUSTOM)
    if group:
        chosen = chosen.filter(code=group)
    members: dict[str, set[int]] = defaultdict(set)
    through = Member.groups.through.objects.filter(group__in=chosen)
    for code, member_id in through.values_list("group__code", "member_id"):
        members[code].add(member_id)
    groups = {g.code: (g.name, frozenset(members[g.code])) for g in chosen}
    values = _values_of([publication], kpis)
    answer = []
    for kpi, component in sorted({(kpi, c) for (_p, kpi, c) in values}):
        found = values[(publication.pk, kpi, component)]
        contributions = found.contributions(audience)
        if reviewed_only:
            contributions = tuple(c for c in contributions if c.member in found.reviewed)
        for code, (name, group_members) in sorted(groups.items()):
            result = custom_group_stats(group_members, contributions)
            answer.append(GroupAggregate(kpi, component, code, GroupKind.CUSTOM, name, result, reviewed_only))
    return answer
