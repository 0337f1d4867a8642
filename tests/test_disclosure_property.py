"""The disclosure promise, tested as a property.

Hypothesis builds random worlds: a few members (some sharing unions made for the example), users with
random roles and role assignments, a publication with random disclosure choices, then a second
publication that corrects some values, changes some levels and marks some figures peer reviewed (so
its change log has entries), and the current results of the same members. Every user then reads:

- always: the results API (latest and current), the second publication with its change log (API and
  page), and the group statistics of both publications (and the peer-reviewed ones of the latest),
  whose visibility is checked against the rule;
- a handful of URLs drawn by hypothesis from every read route of the platform (tests/read_paths.py,
  the same list tests/test_disclosure_sweep.py sweeps in full), one route at a time so that the
  examples cover the whole list: pages, API answers, CSV and XLSX files, chart data downloads.

Every published value is a unique sentinel number, and every justification a unique sentinel text, so a
leak anywhere in an answer is found by searching the answer for the sentinels the user must not see. A
change log entry of a figure the user may see neither before nor after the correction must not be in
any answer at all. Group statistics draw on withheld values by design: JSON statistics are left out of
the search, and a sentinel that equals a statistic released to the user (with 5 values, the quartiles
and the median are three of them: docs/disclosure.md, "What is not protected") is not searched for in
that user's answers.

The oracle below is written from the rule in the issue, independently of `pmm.disclosure`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import zlib
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

import read_paths
from conftest import TOTP_KEY, write_results
from pmm.accounts.models import ApiToken, RoleAssignment, User
from pmm.accounts.services import token_create
from pmm.assessments.models import Assessment, KpiResponse
from pmm.authz.roles import TWO_FACTOR_ROLES, Role
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.framework.models import Kpi
from pmm.members.models import Group, GroupKind, Member
from pmm.results.engine import COMPUTATION_VERSION
from pmm.results.formatting import number_text, units_of, value_text
from pmm.results.models import KpiResult, Publication, PublishedResult, ResultSet
from pmm.results.selectors import inputs_of
from pmm.results.services import publication_create
from pmm.reviews.models import KpiVerdict, Review, ReviewAssignment, ReviewStatus, Verdict

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PMM_DISCLOSURE_EXAMPLES", "40"))
# Shrinking a failing example asks everything again many times (minutes); PMM_DISCLOSURE_SHRINK=1 does it.
PHASES = [p for p in Phase if p != Phase.shrink or os.environ.get("PMM_DISCLOSURE_SHRINK") == "1"]
ROUTES_PER_USER = 6  # drawn from every read route: 40 examples of 2-5 users cover the list
LEVELS = ["public", "wco", "union", "country"]
ROLES = [None, Role.BASIC, Role.NCP, Role.CONTRIBUTOR, Role.PEER_REVIEWER, Role.SECRETARIAT_ANALYST]
MEMBER_POOL = ["KEN", "FRA", "DEU", "BRA", "JPN", "UGA", "TZA", "BEL", "NGA", "CHL"]
_counter = itertools.count(1)


@st.composite
def worlds(draw):
    members = draw(st.lists(st.sampled_from(MEMBER_POOL), min_size=2, max_size=8, unique=True))
    unions = draw(st.lists(st.lists(st.sampled_from(members), min_size=1, unique=True), max_size=2))
    kpis = draw(st.lists(st.sampled_from(KPI_POOL), min_size=1, max_size=4, unique=True))
    pairs = [(m, k) for m in members for k in kpis]
    levels = {p: draw(st.sampled_from(LEVELS)) for p in pairs}
    declined = {p: draw(st.booleans()) for p in pairs}
    reviewed = {p: draw(st.booleans()) for p in pairs}  # by a signed-off review
    # The second publication: some values corrected, some levels changed, some figures peer reviewed.
    corrected = {p: draw(st.booleans()) for p in pairs}
    levels_after = {p: draw(st.sampled_from(LEVELS)) for p in pairs}
    reviewed_after = {p: reviewed[p] or draw(st.booleans()) for p in pairs}
    users = []
    for _ in range(draw(st.integers(2, 5))):
        role = draw(st.sampled_from(ROLES))
        member = None
        if role in (Role.NCP, Role.CONTRIBUTOR):
            member = draw(st.sampled_from(members))
        elif role == Role.PEER_REVIEWER:
            member = draw(st.one_of(st.none(), st.sampled_from(members)))
        # Peer reviewers may be assigned to the reviews of some members (never their own).
        assigned = frozenset()
        if role == Role.PEER_REVIEWER:
            assigned = frozenset(draw(st.lists(st.sampled_from(members), max_size=2))) - {member}
        users.append((role, member, assigned))
    return {
        "members": members,
        "unions": unions,
        "kpis": kpis,
        "levels": levels,
        "declined": declined,
        "reviewed": reviewed,
        "corrected": corrected,
        "levels_after": levels_after,
        "reviewed_after": reviewed_after,
        "users": users,
    }


KPI_POOL = ["D1.O1.K1", "D1.O1.K3", "D1.O2.K2", "D2.O1.K1", "D3.O1.K1", "D4.O1.K2"]


def may_see(role, user_member, owner, level, union_pairs, assigned=frozenset()) -> bool:
    """The issue's rule, as written: who may see a published value of `owner` at `level`."""
    if level == "public":
        return True
    if role is None:
        return False
    if role == Role.PEER_REVIEWER and owner in assigned:
        return True  # country level: the owner's assigned peer reviewers
    if role in (Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST):
        return True
    if level == "wco":
        return True
    member_roles = (Role.NCP, Role.CONTRIBUTOR)
    if level == "union":
        if role in member_roles and user_member == owner:
            return True  # levels are nested: the owner's people see its union-level values
        in_a_union_role = role in (*member_roles, Role.PEER_REVIEWER) and user_member is not None
        return in_a_union_role and (user_member, owner) in union_pairs
    return role in member_roles and user_member == owner  # country


def may_read_current(role, user_member, owner, assigned=frozenset()) -> bool:
    if role in (Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST):
        return True
    if role == Role.PEER_REVIEWER and owner in assigned:
        return True  # reviewers read the self-assessment they review
    return role in (Role.NCP, Role.CONTRIBUTOR) and user_member == owner


@dataclass
class Figure:
    """One published figure (a value, or a declined KPI's justification): how it shows, and the level
    and peer-review mark of each publication that holds it."""

    owner: str
    kpi: str
    component: str
    texts: list[str]
    value: float | None
    levels: dict[int, str] = field(default_factory=dict)  # publication number -> level
    reviewed: dict[int, bool] = field(default_factory=dict)
    current: bool = True


def sentinel_value(n: int) -> float:
    """A unique value, spread at random (not in a progression: no average or quartile of other
    sentinels falls on one by construction), 2 decimals, the last one not 0."""
    rng = random.Random(f"property-{n}")
    while True:
        cents = rng.randrange(2_000_000_00, 9_000_000_00)
        if cents % 10:
            return cents / 100


def _build(world, cycle):
    """Write the world into the database: publication 1, then publication 2 with its real change log.
    Returns the figures, the union pairs and publication 2."""
    members = {m.iso3: m for m in Member.objects.filter(iso3__in=world["members"])}
    # Unions made for this example (members may also share real unions, e.g. the EU).
    for i, union in enumerate(world["unions"]):
        group = Group.objects.create(
            code=f"test-union-{next(_counter)}-{i}", kind=GroupKind.UNION, name={"en": "U"}
        )
        group.members.set([members[m] for m in union])
    union_pairs = set()
    for iso3, member in members.items():
        for other in Member.objects.filter(groups__kind=GroupKind.UNION, groups__members=member).distinct():
            if other.iso3 in members:
                union_pairs.add((iso3, other.iso3))
    chosen = Kpi.objects.filter(outcome__dimension__framework=cycle.framework, code__in=world["kpis"])
    kpis = {k.code: k for k in chosen.select_related("unit")}
    spec, units = cycle_spec(cycle), units_of(cycle.framework.document)

    def shows(value: float, code: str) -> list[str]:
        return [repr(value), value_text(value, spec.kpis[code], spec, units), number_text(value)]

    figures: list[Figure] = []
    entries = {}
    for iso3, member in members.items():
        entries[member] = []
        for code in world["kpis"]:
            kpi, level = kpis[code], world["levels"][(iso3, code)]
            declined = world["declined"][(iso3, code)]
            components = []
            for component in kpi.formula:
                n = next(_counter)
                value = sentinel_value(n)
                text = f"JUSTIFICATION-{n}-SECRET"
                reviewed = world["reviewed"][(iso3, code)]
                components.append(
                    {
                        "component": component,
                        "status": "not_applicable" if declined else "computed",
                        "value": None if declined else value,
                        "detail": text if declined else "",
                        "reviewed": reviewed,
                    }
                )
                figures.append(
                    Figure(
                        iso3, code, component, [text] if declined else shows(value, code),
                        None if declined else value, {1: level}, {1: reviewed},
                    )
                )  # fmt: skip
            entries[member].append((kpi, level, components))
    write_results(cycle, 1, entries)
    second = _publish_correction(world, cycle, figures, shows)
    return figures, union_pairs, second


def _publish_correction(world, cycle, figures, shows) -> Publication:
    """Publication 2, by the publishing service: some current values corrected (new sentinels), some
    levels changed, some KPIs confirmed by a signed-off peer review. The current results are written as
    the results job would have computed them, so the service publishes them as they are, with its
    change log against publication 1."""
    for (iso3, code), level in world["levels_after"].items():
        KpiResponse.objects.filter(
            assessment__cycle=cycle, assessment__member__iso3=iso3, kpi__code=code
        ).update(disclosure=level)
    for f in list(figures):
        f.levels[2] = world["levels_after"][(f.owner, f.kpi)]
        f.reviewed[2] = world["reviewed_after"][(f.owner, f.kpi)]
        if f.value is None or not world["corrected"][(f.owner, f.kpi)]:
            continue
        value = sentinel_value(next(_counter))
        corrected = Figure(f.owner, f.kpi, f.component, shows(value, f.kpi), value, {2: f.levels.pop(2)})
        corrected.reviewed[2] = f.reviewed.pop(2)
        f.current = False
        figures.append(corrected)
        KpiResult.objects.filter(
            result_set__assessment__cycle=cycle, result_set__assessment__member__iso3=f.owner, kpi=f.kpi,
            component=f.component,
        ).update(value=value)  # fmt: skip
    assessments = Assessment.objects.filter(cycle=cycle)
    inputs = inputs_of(a.pk for a in assessments)
    for a in assessments:  # fresh: what the results job stores for the assessment as it is
        ResultSet.objects.filter(assessment=a).update(
            assessment_version=a.version,
            computation_version=COMPUTATION_VERSION,
            inputs_fingerprint=inputs[a.pk].fingerprint(),
        )
        confirmed = [k for k in world["kpis"] if world["reviewed_after"][(a.member.iso3, k)]]
        if confirmed:
            now = timezone.now()
            review = Review.objects.create(
                assessment=a, status=ReviewStatus.SIGNED_OFF, requested_at=now, signed_off_at=now
            )
            KpiVerdict.objects.bulk_create(
                KpiVerdict(review=review, kpi=k, verdict=Verdict.CONFIRMED, decided_at=now) for k in confirmed
            )
    second = publication_create(actor=SYSTEM, cycle=cycle, note="Corrections.")
    published = PublishedResult.objects.unrestricted().filter(publication=second)
    made = {(i, k, c): (d, v, r) for i, k, c, d, v, r in published.values_list(*PUBLISHED)}
    drawn = {
        (f.owner, f.kpi, f.component): (f.levels[2], f.value, f.reviewed[2]) for f in figures if 2 in f.levels
    }
    assert made == drawn, "publication 2 is not the world drawn"
    return second


PUBLISHED = ("member__iso3", "kpi", "component", "disclosure", "value", "reviewed")


def _user(role, member, assigned, members, cycle):
    user = User.objects.create_user(f"prop-{next(_counter)}", password=None)
    if role is not None:
        RoleAssignment.objects.create(user=user, role=role, member=members.get(member))
    if role in TWO_FACTOR_ROLES:
        TOTPDevice.objects.create(user=user, name="test", key=TOTP_KEY, confirmed=True)
    for iso3 in assigned:
        assessment = Assessment.objects.get(cycle=cycle, member=members[iso3])
        review = Review.objects.create(
            assessment=assessment, status=ReviewStatus.ACCEPTED, requested_at=timezone.now()
        )
        ReviewAssignment.objects.create(review=review, reviewer=user, lead=True)
    return user


def _without_statistics(answer) -> object:
    """An answer with its group statistics left out (they draw on withheld values by design, and a
    median can equal another sentinel by chance; `_check_aggregates` covers them)."""
    if isinstance(answer, dict):
        if "median" in answer or "q1" in answer:
            return None
        return {k: _without_statistics(v) for k, v in answer.items()}
    if isinstance(answer, list):
        return [_without_statistics(v) for v in answer]
    return answer


def _text(response) -> str:
    """An answer as searchable text (read_paths.answer_text), JSON without its statistics."""
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(_without_statistics(json.loads(read_paths.body_of(response))))
    return read_paths.answer_text(response)


def _released(answers: list[str]) -> set[float]:
    """Every statistic released in aggregates answers: a sentinel equal to one is not searched for."""
    found = set()
    for answer in answers:
        for a in json.loads(answer).get("aggregates", []):
            found |= {round(a[k], 2) for k in ("mean", "median", "q1", "q3") if a.get(k) is not None}
    return found


def _check_aggregates(answer, figures, number, who, union_pairs, members_of, reviewed=False) -> None:
    """Group statistics draw on withheld values too, so they cannot be searched for sentinels; the
    engine's own safety is proven in test_aggregates_adversarial.py. Here: a released group never has
    between 1 and k-1 contributors withheld from this reader (by the oracle) in publication `number`,
    so the visibility the platform hands to the engine is the issue's rule."""
    role, member, assigned = who
    body = json.loads(answer)
    k = body["min_members"]
    for code in {a["group"] for a in body["aggregates"]} - {"global"} - set(members_of):
        members_of[code] = set(Member.objects.filter(groups__code=code).values_list("iso3", flat=True))
    for a in body["aggregates"]:
        if not a["released"]:
            continue
        in_group = members_of.get(a["group"])
        contributors = [
            f
            for f in figures
            if number in f.levels
            and (f.kpi, f.component) == (a["kpi"], a["component"])
            and f.value is not None
            and (in_group is None or f.owner in in_group)
            and (f.reviewed[number] or not reviewed)
        ]
        # Withheld: a value the reader may see in no publication so far (one it saw in an earlier
        # publication, unchanged since, is known to it whatever its level now).
        hidden = [
            f.owner
            for f in contributors
            if not any(
                may_see(role, member, f.owner, level, union_pairs, assigned)
                for n, level in f.levels.items()
                if n <= number
            )
        ]
        assert a["count"] == len(contributors) >= k, (number, a)
        assert not 0 < len(hidden) < k, (number, a, role, member, hidden)


def _entries_found(text: str, is_json: bool, entries) -> set:
    """The change log entries (owner, KPI) of `entries` that an answer shows."""
    found = set()
    if is_json and '"change"' in text:
        stack = [json.loads(text)]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if "change" in item and (item.get("member"), item.get("kpi")) in entries:
                    found.add((item["member"], item["kpi"]))
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    for owner, kpi in entries:
        if any(f"{owner}{sep}{kpi}" in text for sep in (" · ", " &middot; ", " &#183; ")):
            found.add((owner, kpi))
    return found


def _read_paths_world(world, cycle) -> read_paths.World:
    groups = list(Group.objects.filter(code__startswith="test-union-").values_list("code", flat=True))
    return read_paths.World(
        cycles=[cycle.pk],
        members={cycle.pk: world["members"]},
        publications={cycle.pk: [1, 2]},
        kpis=world["kpis"],
        stats_kpi=world["kpis"][0],
        groups=[*groups, "union-eu"],
        peers=world["members"],
        sdg_targets=["17.11"],
    )


def _sampled(data, urls: dict[str, list[read_paths.SweptUrl]], seed: str) -> list[read_paths.SweptUrl]:
    """A few URLs, one route at a time: routes spread evenly over the list from an offset that mixes a
    number hypothesis draws with a hash of the example's world and user (hypothesis's numbers lean to
    a few values; the hash spreads them), so that every route comes up across the examples
    (`pytest --hypothesis-show-statistics` shows how often each did); one URL of each."""
    routes = sorted(urls)
    drawn = data.draw(st.integers(0, len(routes) - 1), label="offset")
    offset = drawn + zlib.crc32(seed.encode())
    stride = len(routes) // ROUTES_PER_USER
    chosen = [routes[(offset + i * stride) % len(routes)] for i in range(ROUTES_PER_USER)]
    for route in chosen:
        event(f"route {route}")
    return [data.draw(st.sampled_from(urls[route]), label=route) for route in chosen]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), phases=PHASES)
@given(world=worlds(), data=st.data())
def test_no_read_path_shows_a_value_to_someone_its_level_excludes(
    open_cycle, world, data, reports_laid_out_as_html, charts_drawn_as_data
):
    translation.activate("en")
    cache.clear()  # examples roll back, so their publications' ids come back: forget their statistics
    with transaction.atomic():
        figures, union_pairs, second = _build(world, open_cycle)
        members = {m.iso3: m for m in Member.objects.filter(iso3__in=world["members"])}
        by_route: dict[str, list[read_paths.SweptUrl]] = {}
        for swept in read_paths.urls(_read_paths_world(world, open_cycle)):
            by_route.setdefault(swept.route, []).append(swept)
        changed = {(e["member"], e["kpi"], e["component"]) for e in second.change_log if "kpi" in e}
        members_of: dict[str, set[str]] = {}  # group code -> its members, as the checks need them
        for index, (role, member, assigned) in enumerate(world["users"]):
            user = _user(role, member, assigned, members, open_cycle)
            pages, api = Client(raise_request_exception=False), Client(raise_request_exception=False)
            headers = {}
            if role is not None:
                _token, secret = token_create(actor=SYSTEM, user=user, name="t")
                headers = {"Authorization": f"Bearer {secret}"}
                pages.force_login(user)
            base = f"/api/v1/cycles/{open_cycle.pk}"

            who = (role, member)

            def get(url, client=api, headers=headers, who=who):
                response = client.get(url, headers=headers)
                assert response.status_code < 500, (url, response.status_code, *who)
                return response

            # The statistics of both publications (the peer-reviewed ones of the latest): checked, and
            # what they release excuses a sentinel that equals one of them.
            aggregates = {
                (n, reviewed): get(f"{base}/aggregates?publication={n}&reviewed_only={str(reviewed).lower()}")
                for n, reviewed in ((1, False), (2, False), (2, True))
            }
            for (n, reviewed), response in aggregates.items():
                answer = response.content.decode()
                _check_aggregates(
                    answer, figures, n, (role, member, assigned), union_pairs, members_of, reviewed
                )
            excused = _released([r.content.decode() for r in aggregates.values()])
            latest = get(f"{base}/results").content.decode()
            current = get(f"{base}/results?publication=current").content.decode()
            answers = {"api": latest, "publication 2": get(f"{base}/publications/2").content.decode()}
            if role is not None:
                answers["publications page"] = get(
                    f"/cycles/{open_cycle.pk}/publications/", pages, {}
                ).content.decode()
            for swept in _sampled(data, by_route, f"{sorted(world.items())!r} {index}"):
                client, asked = (api, headers) if swept.api else (pages, {})
                response = get(swept.url, client, asked)
                if swept.route == "GET /api/v1/cycles/{cycle}/members/{iso3}/dashboard":
                    _check_dashboard_status(response, swept.url, role, member)
                answers[swept.url] = _text(response)
                if response.get("Content-Type", "").startswith("text/html"):
                    for link in read_paths.chart_links(answers[swept.url], world["kpis"])[:2]:
                        answers[link] = _text(get(link, client, asked))
            for f in figures:
                allowed = any(
                    may_see(role, member, f.owner, level, union_pairs, assigned)
                    for level in f.levels.values()
                )
                if not allowed and (f.value is None or round(f.value, 2) not in excused):
                    for name, text in answers.items():
                        for secret_text in f.texts:
                            assert secret_text not in text, (name, role, member, f.owner, f.kpi, f.levels)
                if (
                    2 in f.levels
                    and f.value is not None
                    and may_see(role, member, f.owner, f.levels[2], union_pairs, assigned)
                ):
                    assert f.texts[0] in latest, ("missing", role, member, f.owner, f.kpi)
                if not may_read_current(role, member, f.owner, assigned):
                    for secret_text in f.texts:
                        assert secret_text not in current, ("current", role, member, f.owner, f.kpi)
            # A change log entry of a figure the user may see neither before nor after: not there at all.
            unseen = {
                (f.owner, f.kpi)
                for f in figures
                if (f.owner, f.kpi, f.component) in changed
                and not any(
                    may_see(role, member, f.owner, world[key][(f.owner, f.kpi)], union_pairs, assigned)
                    for key in ("levels", "levels_after")
                )
            }
            if unseen:
                for name, text in answers.items():
                    shown = _entries_found(text, text[:1] in "{[", unseen)
                    assert not shown, ("change log", name, role, member, sorted(shown))
            ApiToken.objects.filter(user=user).delete()
        transaction.set_rollback(True)


def _check_dashboard_status(response, url, role, member) -> None:
    """Dashboards answer only the member's own people and the Secretariat (others: 404; visitors: 401)."""
    owner = url.split("/members/")[1].split("/")[0]
    secretariat = role in (Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST)
    allowed = secretariat or (role in (Role.NCP, Role.CONTRIBUTOR) and member == owner)
    expected = 200 if allowed else 401 if role is None else 404
    assert response.status_code == expected, (url, role, member, response.status_code)
