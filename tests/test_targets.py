"""KPI targets: the pure progress rule (examples and properties), the services (checks, audit), the
selectors over real published data, the API, the page, the CLI and fixed query counts."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import write_results
from pmm.audit.models import AuditEvent
from pmm.authz.roles import Role
from pmm.cli import app
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.cycles.services import cycle_create
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.results.models import PublishedResult
from pmm.targets.models import Target
from pmm.targets.progress import (
    ACHIEVED,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    Progress,
    baseline_and_latest,
    direction_of,
    progress,
)
from pmm.targets.selectors import target_progress, targets_member, targets_of
from pmm.targets.services import target_remove, target_set

# --- the progress rule, pure ----------------------------------------------------------------------


def test_the_documented_examples():
    base, target = (2020, 40.0), (2028, 60.0)
    assert progress("up", base, (2024, 50.0), target) == Progress(ON_TRACK, 50.0, 0.5)
    assert progress("up", base, (2024, 45.0), target).status == OFF_TRACK
    assert progress("up", base, (2024, 61.0), target).status == ACHIEVED
    late = progress("up", base, (2030, 58.0), target)
    assert late.status == OFF_TRACK and late.expected == 60.0


def test_lower_is_better():
    base, target = (2020, 10.0), (2030, 5.0)  # hours to clear, say
    assert progress("down", base, (2025, 7.5), target).status == ON_TRACK
    assert progress("down", base, (2025, 8.0), target).status == OFF_TRACK
    assert progress("down", base, (2022, 5.0), target).status == ACHIEVED
    assert progress("lower_is_better", base, (2025, 7.0), target).status == ON_TRACK


def test_no_data():
    target = (2028, 60.0)
    assert progress("up", (2020, 40.0), None, target) == Progress(NO_DATA, None, None)
    assert progress("up", None, (2024, 50.0), target) == Progress(NO_DATA, None, None)
    assert progress("up", None, (2024, 70.0), target) == Progress(ACHIEVED, None, None)


def test_without_direction_the_target_is_a_point():
    base, target = (2020, 40.0), (2028, 60.0)
    assert progress("", base, (2024, 59.5), target).status == ACHIEVED  # within 1%
    assert progress("context_only", base, (2024, 60.5), target).status == ACHIEVED
    assert progress("", base, (2024, 61.0), target).status == OFF_TRACK  # past the target
    assert progress("", base, (2024, 52.0), target).status == ON_TRACK
    assert progress("", base, (2024, 48.0), target).status == OFF_TRACK
    assert progress("", (2020, 60.0), (2024, 50.0), (2028, 60.0)).status == OFF_TRACK  # hold steady
    assert progress("", base, (2024, 0.0), (2028, 0.0)).status == ACHIEVED  # 0 must be met exactly
    assert progress("", base, (2024, 0.001), (2028, 0.0)).status != ACHIEVED


def test_one_value_is_its_own_baseline():
    point = (2024, 50.0)
    assert progress("up", point, point, (2028, 60.0)) == Progress(ON_TRACK, 50.0, 0.0)
    assert progress("up", point, point, (2028, 50.0)).status == ACHIEVED
    assert progress("up", point, point, (2028, 40.0)).share_done == 0


def test_a_target_behind_the_baseline_must_still_be_reached():
    # Higher is better, but the member allows a fall from 80 to 70: 65 misses it.
    assert progress("up", (2020, 80.0), (2024, 65.0), (2028, 70.0)).status == OFF_TRACK
    assert progress("up", (2020, 80.0), (2024, 75.0), (2028, 70.0)).status == ACHIEVED


def test_directions_and_history_helpers():
    assert direction_of("higher_is_better") == "up" and direction_of("lower_is_better") == "down"
    assert direction_of("context_only") == "" and direction_of("down") == "down"
    assert baseline_and_latest([]) == (None, None)
    assert baseline_and_latest([(2024, 3.0), (2020, 1.0), (2022, 2.0)]) == ((2020, 1.0), (2024, 3.0))


values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
years = st.integers(min_value=2000, max_value=2040)
points = st.tuples(years, values)
RANK = {OFF_TRACK: 0, ON_TRACK: 1, ACHIEVED: 2}


@given(base=points, latest_year=years, low=values, high=values, target=points)
def test_status_is_monotone_in_the_latest_value_when_higher_is_better(base, latest_year, low, high, target):
    low, high = sorted((low, high))
    lower = progress("up", base, (latest_year, low), target).status
    higher = progress("up", base, (latest_year, high), target).status
    assert RANK[lower] <= RANK[higher]
    if lower == ACHIEVED:
        assert higher == ACHIEVED


def _negated(point):
    return None if point is None else (point[0], -point[1])


@given(base=st.one_of(st.none(), points), latest=st.one_of(st.none(), points), target=points)
def test_swapping_the_direction_and_negating_the_values_keeps_the_status(base, latest, target):
    up = progress("up", base, latest, target)
    down = progress("down", _negated(base), _negated(latest), _negated(target))
    assert up.status == down.status
    undirected = progress("", base, latest, target)
    assert undirected.status == progress("", _negated(base), _negated(latest), _negated(target)).status
    if up.share_done is not None and math.isfinite(up.share_done):
        assert down.share_done == up.share_done


@given(direction=st.sampled_from(["up", "down", ""]), base=points, latest=points, target=points)
def test_never_on_track_when_moving_away_from_the_target(direction, base, latest, target):
    way = {"up": 1, "down": -1}.get(direction) or ((target[1] > base[1]) - (target[1] < base[1]))
    moving_away = way * (latest[1] - base[1]) < 0 and way * (target[1] - base[1]) >= 0
    if moving_away:
        assert progress(direction, base, latest, target).status != ON_TRACK


@given(direction=st.sampled_from(["up", "down", ""]), base=points, latest=points, target=points)
def test_the_expected_value_lies_between_baseline_and_target(direction, base, latest, target):
    expected = progress(direction, base, latest, target).expected
    assert expected is not None
    low, high = sorted((base[1], target[1]))
    assert low - 1e-6 * (abs(low) + 1) <= expected <= high + 1e-6 * (abs(high) + 1)


PERCENTAGES = ["D1.O3.K2", "D4.O5.K2", "D2.O4.K2", "D3.O6.K1"]

# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def kenya(db) -> Member:
    return Member.objects.get(iso3="KEN")


@pytest.fixture
def people(make_user):
    return {
        "ncp": make_user(Role.NCP, "KEN"),
        "contributor": make_user(Role.CONTRIBUTOR, "KEN"),
        "other_ncp": make_user(Role.NCP, "UGA"),
        "analyst": make_user(Role.SECRETARIAT_ANALYST),
        "admin": make_user(Role.SECRETARIAT_ADMIN),
        "basic": make_user(Role.BASIC),
        "reviewer": make_user(Role.PEER_REVIEWER, "CAN"),
    }


def _earlier_cycle(year: int):
    today = timezone.localdate()
    return cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=year,
        opens_on=today - timedelta(days=900),
        closes_on=today - timedelta(days=800),
    )


def _publish_values(cycle, member, values: dict[str, float], level: str = "public") -> None:
    """A publication of `cycle` with the member's computed values {KPI code: value}."""
    kpis = {k.code: k for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework)}
    entries = {
        member: [
            (kpis[code], level, [{"component": "value", "status": "computed", "value": value}])
            for code, value in values.items()
        ]
    }
    write_results(cycle, 1, entries)


# --- services ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ncp_sets_changes_and_removes_a_target_all_audited(open_cycle, kenya, people):
    ncp = people["ncp"]
    target = target_set(
        actor=ncp, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=80, note="Plan 2026"
    )
    assert (target.framework_code, target.kpi, target.component, target.year) == (
        "pmm-v1",
        "D1.O1.K1",
        "value",
        2026,
    )
    assert (target.value, target.note, target.set_by) == (80.0, "Plan 2026", ncp)
    created = AuditEvent.objects.unrestricted().get(verb="target.set")
    assert created.before is None and created.after["value"] == 80.0 and created.actor == ncp
    assert created.target_label == "KEN · D1.O1.K1 · 2026"

    changed = target_set(actor=ncp, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=85)
    assert changed.pk == target.pk and changed.value == 85.0 and changed.note == ""
    event = AuditEvent.objects.unrestricted().filter(verb="target.set").order_by("-id").first()
    assert event.before["value"] == 80.0 and event.after["value"] == 85.0

    target_set(actor=ncp, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=85)
    assert (
        AuditEvent.objects.unrestricted().filter(verb="target.set").count() == 2
    )  # nothing changed: nothing recorded

    split = target_set(
        actor=ncp, member=kenya, cycle=open_cycle, kpi="D1.O2.K2", component="import", year=2028, value=60
    )
    assert split.component == "import"
    target_remove(actor=ncp, target=changed, reason="No longer a priority")
    assert not Target.objects.unrestricted().filter(pk=target.pk).exists()
    removed = AuditEvent.objects.unrestricted().get(verb="target.removed")
    assert (
        removed.before["value"] == 85.0 and removed.after is None and removed.reason == "No longer a priority"
    )
    with pytest.raises(ApplicationError) as gone:
        target_remove(actor=ncp, target=changed)
    assert gone.value.code == "not_found"


def _problems(**fields):
    def run(cycle, member, actor):
        arguments = {"kpi": "D1.O1.K1", "component": "value", "year": 2026, "value": 50.0, **fields}
        with pytest.raises(ApplicationError) as error:
            target_set(actor=actor, member=member, cycle=cycle, **arguments)
        return {p.field: p.message for p in error.value.problems}

    return run


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"kpi": "D9.O9.K9"}, "kpi", "no KPI D9.O9.K9"),
        ({"kpi": ""}, "kpi", "is required"),
        ({"component": "import"}, "component", "single value"),
        ({"kpi": "D1.O2.K2", "component": "value"}, "component", "combined, export, import"),
        ({"year": 2024}, "year", "later than 2024"),
        ({"year": 2020}, "year", "later than 2024"),
        ({"year": 2045}, "year", "2044 or earlier"),
        ({"year": "soon"}, "year", "whole year"),
        ({"value": 120}, "value", "between 0 and 100"),
        ({"value": -1}, "value", "between 0 and 100"),
        ({"value": math.nan}, "value", "a number"),
        ({"value": "high"}, "value", "a number"),
        ({"kpi": "D1.O4.K3", "value": 0.5}, "value", "1 (yes) or 0 (no)"),
        ({"kpi": "D1.O1.K2", "value": 3}, "value", "between 0 and 2"),
        ({"kpi": "D1.O4.K1", "value": -2}, "value", "at least 0"),
        ({"kpi": "D1.O2.K1", "value": -150}, "value", "at least -100"),
        ({"note": "x" * 2001}, "note", "2000 characters"),
    ],
)
def test_each_invalid_field_is_named(open_cycle, kenya, people, fields, field, words):
    problems = _problems(**fields)(open_cycle, kenya, people["ncp"])
    assert field in problems and words in problems[field], problems
    assert (
        not Target.objects.unrestricted().exists()
        and not AuditEvent.objects.unrestricted().filter(verb="target.set").exists()
    )


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(open_cycle, kenya, people):
    problems = _problems(kpi="D1.O1.K1", year=2024, value=200, note="x" * 2001)(
        open_cycle, kenya, people["ncp"]
    )
    assert set(problems) == {"year", "value", "note"}


@pytest.mark.django_db
def test_values_that_are_allowed(open_cycle, kenya, people):
    ncp = people["ncp"]
    for kpi, value in [("D1.O4.K3", 1), ("D1.O4.K3", 0.0), ("D1.O2.K1", 250.0), ("D1.O2.K3", 12000)]:
        target_set(actor=ncp, member=kenya, cycle=open_cycle, kpi=kpi, year=2030, value=value)
    assert Target.objects.unrestricted().count() == 3  # the yes/no target was changed from 1 to 0


@pytest.mark.django_db
def test_only_the_members_ncp_manages_its_targets(open_cycle, kenya, people):
    for who in ("contributor", "other_ncp", "analyst", "admin", "basic", "reviewer"):
        with pytest.raises(PermissionDenied):
            target_set(actor=people[who], member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=1)
    target = target_set(actor=SYSTEM, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=1)
    assert target.set_by is None
    with pytest.raises(PermissionDenied):
        target_remove(actor=people["contributor"], target=target)


# --- selectors ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_who_reads_a_members_targets(open_cycle, kenya, people, client):
    target_set(actor=SYSTEM, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=70)
    for who in ("ncp", "contributor", "analyst", "admin"):
        assert [t.kpi for t in targets_of(people[who], kenya, "pmm-v1")] == ["D1.O1.K1"], who
        assert targets_member(people[who], "ken") == kenya
    for who in ("other_ncp", "basic", "reviewer"):
        with pytest.raises(NotFound):
            targets_of(people[who], kenya, "pmm-v1")
        with pytest.raises(NotFound):
            targets_member(people[who], "KEN")
    with pytest.raises(NotFound):
        targets_member(people["ncp"], "XXX")
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        targets_of(AnonymousUser(), kenya, "pmm-v1")
    assert targets_of(people["ncp"], kenya, "other-framework") == []


@pytest.mark.django_db
def test_progress_against_real_published_values(open_cycle, published, kenya, people):
    """2022: a publication with Kenya's value; 2024: the real cycle, submitted and published."""
    latest = (
        PublishedResult.objects.unrestricted()
        .get(publication=published, member=kenya, kpi="D1.O1.K1", component="value")
        .value
    )
    assert latest is not None
    earlier = _earlier_cycle(2022)
    _publish_values(earlier, kenya, {"D1.O1.K1": latest - 10, "D1.O4.K1": 30.0})
    ncp = people["ncp"]
    target_set(
        actor=ncp, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=min(100, latest + 5)
    )
    target_set(
        actor=ncp, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2030, value=min(100, latest + 60)
    )
    no_value = (  # a percentage KPI the generated data leaves without a value (seed 7: not computable)
        PublishedResult.objects.unrestricted()
        .filter(publication=published, member=kenya, component="value", kpi__in=PERCENTAGES)
        .exclude(status="computed")
        .values_list("kpi", flat=True)
        .first()
    )
    assert no_value is not None
    target_set(actor=ncp, member=kenya, cycle=open_cycle, kpi=no_value, year=2026, value=5)
    Target.objects.create(
        member=kenya, framework_code="pmm-v1", kpi="D0.GONE", year=2026, value=1, set_at=timezone.now()
    )
    rows = target_progress(ncp, kenya, open_cycle)
    assert [(r.target.kpi, r.target.year) for r in rows] == [
        ("D1.O1.K1", 2026),
        ("D1.O1.K1", 2030),
        (no_value, 2026),
        ("D0.GONE", 2026),  # a KPI this framework version does not have comes last
    ]
    near, far, missing, gone = rows
    assert near.baseline == (2022, latest - 10) and near.latest == (2024, latest)
    assert near.history == ((2022, latest - 10), (2024, latest))
    assert near.progress == progress("up", near.baseline, near.latest, (2026, near.target.value))
    if latest + 5 <= 100:
        # 2 of 4 years from the baseline: half-way, latest - 2.5, is expected; latest is beyond it
        assert near.progress.expected == pytest.approx(latest - 2.5)
        assert near.status == ON_TRACK
    assert far.status in (ON_TRACK, OFF_TRACK) and far.progress.expected is not None
    assert missing.status == NO_DATA and missing.history == ()
    assert gone.kpi is None and gone.status == NO_DATA
    # The Secretariat reads the same; the values carry the disclosure filter of the reader.
    assert [r.status for r in target_progress(people["analyst"], kenya, open_cycle)] == [
        r.status for r in rows
    ]


@pytest.mark.django_db
def test_unpublished_current_results_are_the_latest_value_for_their_readers(
    open_cycle, submitted_assessment, kenya, people
):
    submitted_assessment(open_cycle, "KEN")
    target_set(actor=SYSTEM, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=100)
    for who in ("ncp", "contributor", "admin"):
        (row,) = target_progress(people[who], kenya, open_cycle)
        assert row.latest is not None and row.latest[0] == 2024, who
        assert row.baseline == row.latest  # one value: it is its own baseline
    (row,) = target_progress(SYSTEM, kenya, open_cycle)
    assert row.latest is not None


@pytest.mark.django_db
def test_a_later_cycle_shows_the_targets_set_from_an_earlier_one(open_cycle, kenya, people):
    """Targets belong to the framework by its code: a cycle of a later year shows them."""
    earlier = _earlier_cycle(2022)
    target_set(actor=SYSTEM, member=kenya, cycle=earlier, kpi="D1.O4.K1", year=2024, value=20)
    _publish_values(earlier, kenya, {"D1.O4.K1": 30.0})
    (row,) = target_progress(people["ncp"], kenya, open_cycle)
    # One value, from 2022, the baseline itself: nothing was expected of it yet.
    assert row.latest == (2022, 30.0) and row.status == ON_TRACK and row.progress.expected == 30.0
    _publish_values(open_cycle, kenya, {"D1.O4.K1": 25.0})  # 2024, the target's year: 25 misses 20
    (row,) = target_progress(people["ncp"], kenya, open_cycle)
    assert row.latest == (2024, 25.0) and row.status == OFF_TRACK and row.progress.expected == 20.0
    with pytest.raises(ApplicationError):  # but from the 2024 cycle it cannot be changed any more
        target_set(actor=SYSTEM, member=kenya, cycle=open_cycle, kpi="D1.O4.K1", year=2024, value=25)


# --- query counts ---------------------------------------------------------------------------------------


def _count(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


@pytest.mark.django_db
def test_progress_runs_a_fixed_number_of_queries(open_cycle, kenya, people, client, bearer):
    earlier = _earlier_cycle(2022)
    _publish_values(earlier, kenya, {"D1.O1.K1": 40.0, "D1.O1.K3": 50.0, "D1.O4.K1": 30.0})
    ncp = people["ncp"]
    headers = bearer(ncp)
    url = f"/api/v1/members/KEN/targets?cycle={open_cycle.pk}"
    target_set(actor=ncp, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=70)
    target_progress(ncp, kenya, open_cycle)  # warm the caches of roles and audience
    client.get(url, headers=headers)  # the first call also records when the token was last used
    one, one_api = (
        _count(lambda: target_progress(ncp, kenya, open_cycle)),
        _count(lambda: client.get(url, headers=headers)),
    )
    for year in range(2026, 2031):
        for kpi in ("D1.O1.K1", "D1.O1.K3"):
            target_set(actor=ncp, member=kenya, cycle=open_cycle, kpi=kpi, year=year, value=80)
    assert Target.objects.unrestricted().count() == 10
    assert _count(lambda: target_progress(ncp, kenya, open_cycle)) == one
    assert _count(lambda: client.get(url, headers=headers)) == one_api
    client.force_login(ncp)
    page = f"/members/KEN/targets/?cycle={open_cycle.pk}"
    client.get(page)
    many = _count(lambda: client.get(page))
    Target.objects.unrestricted().exclude(year=2026, kpi="D1.O1.K1").delete()
    assert _count(lambda: client.get(page)) == many


# --- API ----------------------------------------------------------------------------------------------------


def _put(client, headers, kpi, year, body, iso3="KEN"):
    return client.put(
        f"/api/v1/members/{iso3}/targets/{kpi}/{year}",
        data=body,
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.django_db
def test_api_sets_lists_changes_and_removes_targets(client, bearer, open_cycle, kenya, people):
    earlier = _earlier_cycle(2022)
    _publish_values(earlier, kenya, {"D1.O4.K1": 30.0})
    _publish_values(open_cycle, kenya, {"D1.O4.K1": 29.0})
    headers = bearer(people["ncp"])
    created = _put(client, headers, "D1.O4.K1", 2026, {"value": 20, "cycle": open_cycle.pk, "note": "Faster"})
    assert created.status_code == 200, created.content
    body = created.json()
    assert body["kpi"] == "D1.O4.K1" and body["value"] == 20.0 and body["note"] == "Faster"
    assert body["latest"] == {"year": 2024, "value": 29.0} and body["status"] == "off_track"
    assert body["set_by"] == people["ncp"].username and body["in_framework"] is True
    split = _put(
        client, headers, "D1.O2.K2", 2028, {"value": 55, "cycle": open_cycle.pk, "component": "export"}
    )
    assert split.status_code == 200 and split.json()["component"] == "export"

    listed = client.get(f"/api/v1/members/KEN/targets?cycle={open_cycle.pk}", headers=headers)
    assert listed.status_code == 200
    data = listed.json()
    assert data["cycle"] == open_cycle.pk and data["reporting_year"] == 2024 and data["framework"] == "pmm-v1"
    first = data["targets"][0]
    assert (first["kpi"], first["year"], first["status"]) == ("D1.O2.K2", 2028, "no_data")
    second = data["targets"][1]
    # 30 hours in 2022, 20 planned for 2026: 25 expected by 2024, and 29 is behind.
    assert second["kpi"] == "D1.O4.K1" and second["status"] == "off_track"
    assert second["baseline"] == {"year": 2022, "value": 30.0} and second["expected"] == pytest.approx(25.0)
    assert second["share_done"] == pytest.approx(0.1)
    assert client.get("/api/v1/members/KEN/targets", headers=headers).json()["cycle"] == open_cycle.pk

    changed = _put(client, headers, "D1.O4.K1", 2026, {"value": 18, "cycle": open_cycle.pk})
    assert changed.status_code == 200 and changed.json()["value"] == 18.0
    assert Target.objects.unrestricted().count() == 2

    removed = client.delete(
        "/api/v1/members/KEN/targets/D1.O2.K2/2028?component=export&reason=merged", headers=headers
    )
    assert removed.status_code == 200 and removed.json()["removed"] is True
    assert AuditEvent.objects.unrestricted().get(verb="target.removed").reason == "merged"
    again = client.delete("/api/v1/members/KEN/targets/D1.O2.K2/2028?component=export", headers=headers)
    assert again.status_code == 404


@pytest.mark.django_db
def test_api_reports_each_bad_field(client, bearer, open_cycle, people):
    headers = bearer(people["ncp"])
    response = _put(client, headers, "D1.O1.K1", 2024, {"value": 140, "cycle": open_cycle.pk})
    assert response.status_code == 400
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert fields == {"year", "value"}
    unknown = _put(client, headers, "D9.X", 2026, {"value": 1, "cycle": open_cycle.pk})
    assert unknown.status_code == 400 and unknown.json()["error"]["fields"][0]["field"] == "kpi"
    missing = _put(client, headers, "D1.O1.K1", 2026, {"cycle": open_cycle.pk})
    assert missing.status_code == 422
    no_cycle = _put(client, headers, "D1.O1.K1", 2026, {"value": 1, "cycle": 99999})
    assert no_cycle.status_code == 404


@pytest.mark.django_db
def test_api_permissions(client, bearer, open_cycle, kenya, people):
    target_set(actor=SYSTEM, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=70)
    body = {"value": 75, "cycle": open_cycle.pk}
    url = f"/api/v1/members/KEN/targets?cycle={open_cycle.pk}"
    for who, read, write in [
        ("contributor", 200, 403),
        ("analyst", 200, 403),
        ("admin", 200, 403),
        ("other_ncp", 404, 404),
        ("basic", 404, 404),
        ("reviewer", 404, 404),
    ]:
        headers = bearer(people[who])
        assert client.get(url, headers=headers).status_code == read, who
        assert _put(client, headers, "D1.O1.K1", 2026, body).status_code == write, who
        delete = client.delete("/api/v1/members/KEN/targets/D1.O1.K1/2026", headers=headers)
        assert delete.status_code == write, who
    assert client.get(url).status_code == 401
    assert _put(client, {}, "D1.O1.K1", 2026, body).status_code == 401
    # A browser session reads, but does not write (writes need a token).
    client.force_login(people["ncp"])
    assert client.get(url).status_code == 200
    assert _put(client, {}, "D1.O1.K1", 2026, body).status_code == 401
    assert Target.objects.unrestricted().get().value == 70.0


# --- the page --------------------------------------------------------------------------------------------


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
def test_the_ncp_sets_changes_and_removes_targets_on_the_page(
    client, open_cycle, kenya, people, page_problems
):
    earlier = _earlier_cycle(2022)
    _publish_values(earlier, kenya, {"D1.O1.K1": 40.0})
    client.force_login(people["ncp"])
    page = f"/members/KEN/targets/?cycle={open_cycle.pk}"
    empty = client.get(page)
    assert empty.status_code == 200 and page_problems(empty.content.decode()) == []
    html = text(empty)
    assert "No target has been set yet" in html and 'name="target-kpi"' in html
    assert '<optgroup label="D1.O2.K2' in html and 'value="D1.O2.K2:import"' in html
    assert 'name="cycle"' in html  # two cycles: a choice of cycle

    saved = client.post(
        page, {"target-kpi": "D1.O1.K1", "target-year": "2030", "target-value": "64", "target-note": "Plan"}
    )
    assert saved.status_code == 302 and saved["Location"] == page
    target = Target.objects.unrestricted().get()
    assert (target.kpi, target.year, target.value, target.note) == ("D1.O1.K1", 2030, 64.0, "Plan")
    shown = client.get(page)
    html = text(shown)
    assert page_problems(shown.content.decode()) == []
    assert "The target for D1.O1.K1 in 2030 was saved." in html
    assert "40% in 2022" in html and "64%" in html and "On track" in html
    assert 'class="badge target-on_track' in html
    assert "Remove the target for D1.O1.K1 in 2030" in html

    split = client.post(page, {"target-kpi": "D1.O2.K2:export", "target-year": "2028", "target-value": "30"})
    assert split.status_code == 302
    assert Target.objects.unrestricted().get(kpi="D1.O2.K2").component == "export"
    assert "Exports" in text(client.get(page))

    # The change link fills the form in with the target.
    change = text(client.get(page + "&kpi=D1.O1.K1&year=2030"))
    assert 'value="64"' in change and "Plan</textarea>" in change

    bad = client.post(page, {"target-kpi": "D1.O1.K1", "target-year": "2024", "target-value": "140"})
    assert bad.status_code == 400 and page_problems(bad.content.decode()) == []
    html = text(bad)
    assert 'id="id_target-year_error"' in html and "later than 2024" in html
    assert 'id="id_target-value_error"' in html and "between 0 and 100" in html
    wrong_part = client.post(
        page, {"target-kpi": "D1.O1.K1:import", "target-year": "2028", "target-value": "1"}
    )
    assert wrong_part.status_code == 400 and 'id="id_target-kpi_error"' in text(wrong_part)

    removed = client.post(
        "/members/KEN/targets/remove/",
        {"cycle": open_cycle.pk, "kpi": "D1.O1.K1", "component": "value", "year": "2030"},
    )
    assert removed.status_code == 302 and removed["Location"] == page
    assert list(Target.objects.unrestricted().values_list("kpi", flat=True)) == ["D1.O2.K2"]
    assert "was removed" in text(client.get(page))


@pytest.mark.django_db
def test_who_sees_the_page(client, open_cycle, kenya, people, page_problems):
    target_set(actor=SYSTEM, member=kenya, cycle=open_cycle, kpi="D1.O1.K1", year=2026, value=70)
    page = "/members/KEN/targets/"
    assert client.get(page)["Location"].startswith("/accounts/login/")
    for who in ("contributor", "admin"):
        client.force_login(people[who])
        response = client.get(page)
        assert response.status_code == 200 and page_problems(response.content.decode()) == []
        html = text(response)
        assert "No data" in html and 'name="target-kpi"' not in html and "Remove the target" not in html
        post = client.post(page, {"target-kpi": "D1.O1.K1", "target-year": "2026", "target-value": "1"})
        assert post.status_code == 403
        remove = client.post(page + "remove/", {"kpi": "D1.O1.K1", "year": "2026"})
        assert remove.status_code == 403
    for who in ("other_ncp", "basic"):
        client.force_login(people[who])
        assert client.get(page).status_code == 404
    assert Target.objects.unrestricted().get().value == 70.0


# --- CLI ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cli_sets_lists_and_removes(open_cycle, kenya, people):
    runner = CliRunner()
    cycle = str(open_cycle.pk)
    done = runner.invoke(
        app,
        [
            "target",
            "set",
            "--cycle",
            cycle,
            "--member",
            "ken",
            "--kpi",
            "D1.O1.K1",
            "--year",
            "2026",
            "--value",
            "75",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "Target of KEN for D1.O1.K1 in 2026: 75." in done.output
    as_ncp = runner.invoke(
        app,
        ["target", "set", "--cycle", cycle, "--member", "KEN", "--kpi", "D1.O2.K2", "--component", "import",
         "--year", "2028", "--value", "40", "--as", people["ncp"].username],
    )  # fmt: skip
    assert as_ncp.exit_code == 0, as_ncp.output
    assert Target.objects.unrestricted().get(kpi="D1.O2.K2").set_by == people["ncp"]
    listed = runner.invoke(app, ["target", "list", "--cycle", cycle, "--member", "KEN"])
    assert listed.exit_code == 0
    assert "D1.O1.K1\tvalue\t2026\t75\tno_data" in listed.output and "D1.O2.K2\timport\t2028" in listed.output
    bad = runner.invoke(
        app,
        [
            "target",
            "set",
            "--cycle",
            cycle,
            "--member",
            "KEN",
            "--kpi",
            "D1.O1.K1",
            "--year",
            "2020",
            "--value",
            "75",
        ],
    )
    assert bad.exit_code == 1 and "year: must be later than 2024" in bad.output
    refused = runner.invoke(
        app,
        ["target", "remove", "--cycle", cycle, "--member", "KEN", "--kpi", "D1.O1.K1", "--year", "2026",
         "--as", people["contributor"].username],
    )  # fmt: skip
    assert refused.exit_code == 1 and "not allowed" in refused.output
    removed = runner.invoke(
        app, ["target", "remove", "--cycle", cycle, "--member", "KEN", "--kpi", "D1.O1.K1", "--year", "2026"]
    )
    assert removed.exit_code == 0 and "removed" in removed.output
    assert list(Target.objects.unrestricted().values_list("kpi", flat=True)) == ["D1.O2.K2"]
    none = runner.invoke(app, ["target", "list", "--cycle", cycle, "--member", "UGA"])
    assert none.exit_code == 0 and "UGA has no target" in none.output
