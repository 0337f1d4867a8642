"""Outlier flags for peer reviewers: the pure rule (Tukey's fences with a floor), its properties, and
the reads (own history through the disclosure filter, peer groups from released statistics only)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import cycle_of, publish_values
from pmm.accounts.models import User
from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.core.errors import NotFound
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of, member_audience
from pmm.disclosure.policy import PUBLIC_AUDIENCE, Audience
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.results.aggregates import GroupStats, Suppressed, group_statistics
from pmm.results.formatting import units_of
from pmm.results.group_stats import aggregates_for
from pmm.results.models import KpiResult, Publication, PublishedResult, ResultSet
from pmm.reviews import outlier_reads
from pmm.reviews.models import Review, ReviewAssignment, ReviewStatus
from pmm.reviews.outlier_reads import flag_text, outlier_flags, references_for
from pmm.reviews.outliers import (
    MESSAGES,
    REFERENCE_MESSAGE,
    Fences,
    Flag,
    explanation,
    fences_from_quartiles,
    flags_for,
    tukey_fences,
)

# --- the rule ---------------------------------------------------------------------------------


def test_tukey_fences_of_a_plain_sample():
    fences = tukey_fences([4, 1, 100, 3, 2])
    assert fences == Fences(Fraction(2), Fraction(3), Fraction(4), 5)
    assert (fences.iqr, fences.spread, fences.lower, fences.upper) == (2, 2, -1, 7)
    assert fences.direction(7) is None and fences.direction(-1) is None  # on a fence: not flagged
    assert fences.direction(Fraction(71, 10)) == "high" and fences.direction(-1.5) == "low"


def test_fewer_than_three_values_give_no_fences_and_no_history_flag():
    assert tukey_fences([]) is None and tukey_fences([5.0, 6.0]) is None
    assert flags_for(1000.0, [5.0, 6.0], {}) == []


def test_equal_history_values_use_the_floor_of_a_tenth_of_the_median():
    fences = tukey_fences([100, 100, 100])
    assert (fences.iqr, fences.spread, fences.lower, fences.upper) == (0, 10, 85, 115)
    assert flags_for(115, [100, 100, 100], {}) == []
    assert [f.direction for f in flags_for(115.01, [100, 100, 100], {})] == ["high"]
    assert [f.direction for f in flags_for(84.9, [100.0, 100.0, 100.0], {})] == ["low"]


def test_the_floor_applies_whenever_the_spread_is_small_not_only_at_zero():
    fences = tukey_fences([99, 100, 100, 101])  # IQR 1, a tenth of the median 10
    assert fences.spread == 10 and fences.upper == Fraction(461, 4)  # 100.25 + 15 = 115.25


def test_all_zero_history_flags_any_other_value():
    assert flags_for(0.0, [0.0, 0.0, 0.0], {}) == []
    assert [f.direction for f in flags_for(0.001, [0, 0, 0], {})] == ["high"]
    assert [f.direction for f in flags_for(-0.001, [0, 0, 0], {})] == ["low"]


def test_quartiles_of_peers_and_history_agree_with_group_statistics():
    values = [3.5, 10.0, 7.25, 1.0, 2.0, 8.0]
    stats = group_statistics(values)
    fences = tukey_fences(values)
    assert (float(fences.q1), float(fences.median), float(fences.q3)) == (stats.q1, stats.median, stats.q3)
    assert fences_from_quartiles(stats.q1, stats.median, stats.q3, stats.count) == fences


def test_peer_flags_come_from_group_quartiles_and_name_the_group():
    peers = {
        "global": GroupStats(count=8, mean=13.5, median=13.5, q1=11.75, q3=15.25),
        "region-x": GroupStats(count=5, mean=400.0, median=390.0, q1=380.0, q3=410.0),
        "tiny": GroupStats(count=2, mean=1.0, median=1.0, q1=1.0, q3=1.0),  # too few to judge
    }
    labels = {"global": {"en": "All members"}, "region-x": {"en": "Region X"}}
    flags = flags_for(400.0, [390.0, 400.0, 410.0], peers, labels=labels, peer_years=[2024])
    assert [(f.basis, f.group, f.direction) for f in flags] == [("peer_group", "global", "high")]
    (flag,) = flags
    assert flag.group_label == {"en": "All members"} and flag.years == (2024,)
    assert flag.fences.upper == Fraction(1525, 100) + Fraction(3, 2) * Fraction(35, 10)  # 20.5
    assert explanation(flag).text() == (
        'Unusually high compared with the group "global": 400 is above 20.5, the upper limit drawn from '
        "the group's quartiles (8 members, median 13.5)."
    )


def test_own_history_flag_in_words():
    (flag,) = flags_for(90, [50, 52, 53], {}, history_years=[2023, 2021, 2022])
    assert (flag.basis, flag.direction, flag.years, flag.limit) == (
        "own_history",
        "high",
        (2021, 2022, 2023),
        Fraction(603, 10),
    )
    assert explanation(flag).text() == (
        "Unusually high for this member: 90 is above 60.3, the upper limit drawn from its own values in "
        "3 earlier cycles (median 52)."
    )


def test_non_finite_values_are_refused():
    with pytest.raises(ValueError, match="finite"):
        tukey_fences([1.0, 2.0, float("nan")])
    with pytest.raises(ValueError, match="order"):
        fences_from_quartiles(3, 2, 1, 5)


def test_every_template_is_listed_for_translation():
    assert set(outlier_reads.TEMPLATES) == {*MESSAGES.values(), REFERENCE_MESSAGE}


# --- properties -------------------------------------------------------------------------------

exact = st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=1000)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False).filter(
    lambda x: x == 0 or abs(x) > 1e-100
)
histories = st.lists(exact, min_size=3, max_size=12)


@dataclass(frozen=True)
class Stats:
    """Quartiles of a group as exact fractions (GroupStats-like)."""

    count: int
    q1: Fraction
    median: Fraction
    q3: Fraction


@st.composite
def group_stats(draw: st.DrawFn) -> Stats:
    q1, median, q3 = sorted(draw(st.lists(exact, min_size=3, max_size=3)))
    return Stats(draw(st.integers(min_value=5, max_value=200)), q1, median, q3)


peer_maps = st.dictionaries(
    st.sampled_from(["global", "region", "income", "union"]), group_stats(), max_size=4
)


def _summary(flags: list[Flag]) -> list[tuple[str, str, str]]:
    return [(f.basis, f.group, f.direction) for f in flags]


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=3, max_size=15))
def test_quartiles_match_group_statistics_exactly(values):
    stats = group_statistics(values)
    fences = tukey_fences(values)
    assert (float(fences.q1), float(fences.median), float(fences.q3)) == (stats.q1, stats.median, stats.q3)


@settings(max_examples=200, deadline=None)
@given(histories, peer_maps, st.fractions(min_value=0, max_value=1))
def test_values_inside_the_fences_are_never_flagged(history, peers, t):
    fences = tukey_fences(history)
    inside = fences.lower + (fences.upper - fences.lower) * t
    assert not [f for f in flags_for(inside, history, {}) if f.basis == "own_history"]
    for code, stats in peers.items():
        group = fences_from_quartiles(stats.q1, stats.median, stats.q3, stats.count)
        inside = group.lower + (group.upper - group.lower) * t
        assert flags_for(inside, [], {code: stats}) == []


@settings(max_examples=200, deadline=None)
@given(histories, group_stats(), st.fractions(min_value=Fraction(1, 100), max_value=1000))
def test_a_value_far_above_the_third_quartile_is_flagged_high(history, stats, margin):
    fences = tukey_fences(history)
    group = fences_from_quartiles(stats.q1, stats.median, stats.q3, stats.count)
    far = max(fences.q3 + 2 * fences.spread, group.q3 + 2 * group.spread) + margin
    assert _summary(flags_for(far, history, {"global": stats})) == [
        ("own_history", "", "high"),
        ("peer_group", "global", "high"),
    ]


@settings(max_examples=200, deadline=None)
@given(histories, exact, peer_maps, st.randoms(use_true_random=False))
def test_flags_do_not_depend_on_the_order_of_the_history(history, value, peers, random):
    shuffled = list(history)
    random.shuffle(shuffled)
    assert flags_for(value, shuffled, peers) == flags_for(value, history, peers)


@settings(max_examples=200, deadline=None)
@given(histories, exact, peer_maps, st.fractions(min_value=Fraction(1, 1000), max_value=1000))
def test_scaling_every_number_by_a_positive_constant_keeps_the_flags(history, value, peers, factor):
    scaled_peers = {
        code: Stats(s.count, s.q1 * factor, s.median * factor, s.q3 * factor) for code, s in peers.items()
    }
    scaled = flags_for(value * factor, [v * factor for v in history], scaled_peers)
    assert _summary(scaled) == _summary(flags_for(value, history, peers))


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=3, max_size=12), finite, st.integers(min_value=-20, max_value=20))
def test_scaling_floats_by_a_power_of_two_keeps_the_flags(history, value, exponent):
    factor = 2.0**exponent  # exact in floating point, so the comparison is of the rule, not of rounding
    scaled = flags_for(value * factor, [v * factor for v in history], {})
    assert _summary(scaled) == _summary(flags_for(value, history, {}))


# --- reading the flags of a reviewed assessment ---------------------------------------------------

PERCENT_KPI = "D1.O1.K1"  # a percentage
COUNT_KPI = "D1.O2.K3"  # a count
YES_NO_KPI = "D1.O4.K3"
# Coastal like Kenya (group "geo-coastal"), but in none of its other groups.
PEERS = ["FRA", "DEU", "JPN", "CAN", "BRA", "MEX", "IND"]


def _kpi(cycle, code: str) -> Kpi:
    return Kpi.objects.get(outcome__dimension__framework=cycle.framework, code=code)


def _republish(cycle, number: int, iso3: str, kpi: str, value: float, level: str = "wco") -> None:
    """A later publication of a cycle (a correction), with one member's value."""
    publication = Publication.objects.create(
        cycle=cycle, number=number, published_at=timezone.now(), framework_code=cycle.framework.code,
        framework_version=cycle.framework.version, framework_fingerprint=cycle.framework.fingerprint,
        computation_version="1", inputs_fingerprint=f"again-{number}", member_count=1,
    )  # fmt: skip
    PublishedResult.objects.create(
        publication=publication, member=Member.objects.get(iso3=iso3), kpi=kpi, component="value",
        status="computed", value=value, disclosure=level,
    )  # fmt: skip


def _current_only(cycle, iso3: str, values: dict[str, float]) -> None:
    """A submitted assessment's current results, not published."""
    assessment = Assessment.objects.create(
        cycle=cycle, member=Member.objects.get(iso3=iso3), status=AssessmentStatus.SUBMITTED
    )
    result_set = ResultSet.objects.create(
        assessment=assessment, assessment_version=1, inputs_fingerprint="x", computation_version="1",
        computed_at=timezone.now(),
    )  # fmt: skip
    KpiResult.objects.bulk_create(
        KpiResult(result_set=result_set, kpi=code, component="value", status="computed", value=value)
        for code, value in values.items()
    )


def _assessment(cycle, iso3: str = "KEN") -> Assessment:
    return Assessment.objects.select_related("member", "cycle__framework").get(cycle=cycle, member__iso3=iso3)


def _reviewer_of(make_user, *assessments: Assessment, member: str = "CAN") -> User:
    """A peer reviewer (from `member`'s administration) assigned to reviews of these assessments."""
    user = make_user(Role.PEER_REVIEWER, member)
    for assessment in assessments:
        review = Review.objects.create(
            assessment=assessment, status=ReviewStatus.IN_REVIEW, requested_at=timezone.now()
        )
        ReviewAssignment.objects.create(review=review, reviewer=user, lead=True)
    return User.objects.get(pk=user.pk)  # fresh: no cached rights


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_a_jump_above_its_own_history_is_flagged_high(open_cycle, make_user):
    for year, value in [(2020, 52.0), (2021, 50.0), (2022, 52.0), (2023, 51.0)]:
        cycle = cycle_of(year)
        publish_values(
            cycle,
            {"KEN": {PERCENT_KPI: value, YES_NO_KPI: 1.0}},
            {"KEN": "country" if year == 2022 else "wco"},
        )
    _republish(cycle, 2, "KEN", PERCENT_KPI, 53.0)  # 2023 corrected: the latest publication counts
    publish_values(open_cycle, {"KEN": {PERCENT_KPI: 90.0, YES_NO_KPI: 0.0}})
    assessment = _assessment(open_cycle)
    reviewer = _reviewer_of(make_user, assessment)

    flags = outlier_flags(reviewer, assessment)

    assert list(flags) == [(PERCENT_KPI, "value")]  # yes/no KPIs are never flagged
    (flag,) = flags[(PERCENT_KPI, "value")]
    assert (flag.basis, flag.direction, flag.value, flag.years) == (
        "own_history",
        "high",
        90.0,
        (2020, 2021, 2023),
    )
    assert (flag.fences.q1, flag.fences.median, flag.fences.q3) == (51, 52, Fraction(105, 2))  # 52, 50, 53
    spec = cycle_spec(open_cycle)
    text = flag_text(flag, spec.kpis[PERCENT_KPI], spec, units_of(open_cycle.framework.document))
    assert text == (
        "Unusually high for this member: 90% is above 60.3%, the upper limit drawn from its own values in "
        "3 earlier cycles (median 52%). Reference: results of 2020, 2021, 2023."
    )
    # History is read through the reader's disclosure filter: the reviewer of the 2024 review sees Kenya's
    # country-level values of 2024 only (not 2022's), like anyone who sees WCO-level values; Kenya's own
    # people see 2022 too.
    key = (PERCENT_KPI, "value")
    years = [2020, 2021, 2023]
    assert [y for y, _v in references_for(audience_of(reviewer), assessment).history[key]] == years
    assert [y for y, _v in references_for(Audience(pmm_role=True), assessment).history[key]] == years
    kenya = member_audience(assessment.member_id)
    assert [y for y, _v in references_for(kenya, assessment).history[key]] == [2020, 2021, 2022, 2023]
    assert key not in references_for(PUBLIC_AUDIENCE, assessment).history


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "direction", "median"), [(400.0, "high", "13.5"), (0.5, "low", "12.5")])
def test_a_value_far_outside_the_peer_quartiles_is_flagged_against_all_members(
    open_cycle, make_user, value, direction, median
):
    publish_values(
        open_cycle,
        {"KEN": {COUNT_KPI: value}} | {iso3: {COUNT_KPI: 10.0 + i} for i, iso3 in enumerate(PEERS)},
    )
    assessment = _assessment(open_cycle)
    reviewer = _reviewer_of(make_user, assessment)

    flags = outlier_flags(reviewer, assessment)[(COUNT_KPI, "value")]

    assert [(f.basis, f.group) for f in flags] == [("peer_group", "global"), ("peer_group", "geo-coastal")]
    flag = flags[0]
    assert (flag.basis, flag.group, flag.direction, flag.years) == (
        "peer_group",
        "global",
        direction,
        (2024,),
    )
    # The quartiles are exactly those released to the reviewer, and nothing else.
    publication = Publication.objects.get(cycle=open_cycle)
    (released,) = [
        a.result
        for a in aggregates_for(audience_of(reviewer), open_cycle, publication, kpi=COUNT_KPI)
        if a.group == "global"
    ]
    assert isinstance(released, GroupStats) and released.count == 8
    assert (flag.fences.q1, flag.fences.median, flag.fences.q3) == tuple(
        Fraction(x) for x in (released.q1, released.median, released.q3)
    )
    spec = cycle_spec(open_cycle)
    text = flag_text(flag, spec.kpis[COUNT_KPI], spec, units_of(open_cycle.framework.document))
    assert text.startswith(f'Unusually {direction} compared with the group "All members": ')
    assert text.endswith(f"(8 members, median {median}). Reference: results of 2024.")


@pytest.mark.django_db
def test_with_fewer_than_k_contributors_no_peer_flag_is_produced(open_cycle, make_user):
    publish_values(open_cycle, {"KEN": {COUNT_KPI: 400.0}} | {iso3: {COUNT_KPI: 10.0} for iso3 in PEERS[:3]})
    assessment = _assessment(open_cycle)
    reviewer = _reviewer_of(make_user, assessment)
    publication = Publication.objects.get(cycle=open_cycle)
    found = aggregates_for(audience_of(reviewer), open_cycle, publication, kpi=COUNT_KPI)
    assert {a.result for a in found if a.group == "global"} == {Suppressed("too_few")}

    assert outlier_flags(_fresh(reviewer), assessment) == {}


@pytest.mark.django_db
@pytest.mark.parametrize("hidden_value", [13.0, 1_000_000.0])
def test_peer_values_the_reviewer_may_not_see_change_nothing(open_cycle, make_user, hidden_value):
    """Japan's value is country-level: hidden from Kenya's reviewer. With it, "all members" has one
    value hidden from the reviewer, so its statistics are held back and no peer flag can be drawn from
    Japan's value, whatever it is."""
    values = {"KEN": {COUNT_KPI: 400.0}} | {iso3: {COUNT_KPI: 10.0 + i} for i, iso3 in enumerate(PEERS[:5])}
    values["JPN"] = {COUNT_KPI: hidden_value}
    publish_values(open_cycle, values, {"JPN": "country"})
    assessment = _assessment(open_cycle)
    reviewer = _reviewer_of(make_user, assessment)
    publication = Publication.objects.get(cycle=open_cycle)
    found = aggregates_for(audience_of(reviewer), open_cycle, publication, kpi=COUNT_KPI)
    assert {a.result for a in found if a.group == "global"} == {Suppressed("few_withheld")}

    assert outlier_flags(_fresh(reviewer), assessment) == {}


@pytest.mark.django_db
def test_peer_statistics_come_from_the_latest_earlier_cycle_until_this_one_is_published(
    open_cycle, make_user
):
    publish_values(cycle_of(2022), {iso3: {COUNT_KPI: 1000.0 + i} for i, iso3 in enumerate(PEERS)})
    publish_values(
        cycle_of(2023),
        {"KEN": {COUNT_KPI: 12.0}} | {iso3: {COUNT_KPI: 10.0 + i} for i, iso3 in enumerate(PEERS)},
    )
    _current_only(open_cycle, "KEN", {COUNT_KPI: 400.0})
    assessment = _assessment(open_cycle)
    reviewer = _reviewer_of(make_user, assessment)

    flag, *_others = outlier_flags(reviewer, assessment)[(COUNT_KPI, "value")]

    assert (flag.basis, flag.group, flag.direction, flag.years) == ("peer_group", "global", "high", (2023,))
    assert flag.fences.count == 8  # 2023's release, not 2022's (7 members)


@pytest.mark.django_db
def test_only_readers_of_the_current_results_get_flags(open_cycle, make_user):
    publish_values(open_cycle, {"KEN": {COUNT_KPI: 400.0}})
    assessment = _assessment(open_cycle)
    for outsider in [
        make_user(Role.PEER_REVIEWER, "CAN"),
        make_user(Role.NCP, "FRA"),
        make_user("basic"),
    ]:
        with pytest.raises(NotFound):
            outlier_flags(outsider, assessment)
    assert outlier_flags(make_user(Role.NCP, "KEN"), assessment) == {}
    assert outlier_flags(SYSTEM, assessment) == {}


def _count(actor: User, assessment: Assessment) -> tuple[int, int]:
    cache.clear()  # the work of a first answer, not of cached group statistics
    actor = _fresh(actor)
    with CaptureQueriesContext(connection) as queries:
        flags = outlier_flags(actor, assessment)
    return len(queries), len(flags)


@pytest.mark.django_db
def test_a_fixed_number_of_queries_whatever_the_number_of_kpis_and_cycles(open_cycle, make_user):
    codes = [
        k.code
        for k in Kpi.objects.filter(outcome__dimension__framework=open_cycle.framework).order_by("position")
        if k.kind != "yes_no"
    ]
    members = ["KEN", *PEERS, "USA", "GBR", "ITA", "ESP"]

    def world(cycle, kpis: int, size: int, base: float) -> None:
        publish_values(
            cycle,
            {iso3: {code: base + i for code in codes[:kpis]} for i, iso3 in enumerate(members[:size])}
            | {"KEN": {code: base * 50 for code in codes[:kpis]}},
        )

    small_earlier, small = cycle_of(2016), cycle_of(2017)
    world(small_earlier, kpis=2, size=6, base=10.0)
    world(small, kpis=2, size=6, base=10.0)
    for year in (2019, 2020, 2021, 2022):
        world(cycle_of(year), kpis=15, size=12, base=10.0)
    world(open_cycle, kpis=15, size=12, base=10.0)
    small_assessment, large_assessment = _assessment(small), _assessment(open_cycle)
    reviewer = _reviewer_of(make_user, small_assessment, large_assessment)

    queries_small, flagged_small = _count(reviewer, small_assessment)
    queries_large, flagged_large = _count(reviewer, large_assessment)

    components = sum(len(_kpi(open_cycle, code).formula) for code in codes[:15])
    assert (flagged_small, flagged_large) == (2, components)  # every component, against "all members"
    assert queries_large == queries_small
