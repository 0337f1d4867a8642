"""Regression tests of the trust issue: the change log per reader, reviewers tied to their review's
cycle. The full sweep of every route is tests/test_disclosure_sweep.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from conftest import accredited_reviewer, cycle_of
from pmm.assessments.models import DataValue
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, assessment_reopen, assessment_submit, kpi_update, values_save
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.results.models import PublishedResult
from pmm.results.services import publication_create

pytestmark = pytest.mark.django_db


def _value(cycle, number, iso3, kpi):
    row = PublishedResult.objects.unrestricted().get(
        publication__cycle=cycle, publication__number=number, member__iso3=iso3, kpi=kpi, component="value"
    )
    return row.value


@pytest.fixture
def corrected(open_cycle, submitted_assessment, make_user):
    """KEN keeps D1.O1.K1 at Country and corrects it; it lowers D1.O1.K3 from WCO to Country and opens
    D1.O2.K2 from Country to Public between publication 1 and 2. FRA keeps everything public."""
    levels = {"D1.O1.K1": "country", "D1.O1.K3": "wco", "D1.O2.K2": "country"}
    kenya = submitted_assessment(open_cycle, "KEN", disclosure=levels)
    submitted_assessment(open_cycle, "FRA", seed=3, disclosure=dict.fromkeys(levels, "public"))
    publication_create(actor=SYSTEM, cycle=open_cycle)
    assessment_reopen(actor=SYSTEM, assessment=kenya, reason="a regional office was left out", path="cli")
    kenya.refresh_from_db()
    total = DataValue.objects.unrestricted().get(assessment=kenya, element__code="DECL_TOTAL", period="T")
    values_save(
        actor=SYSTEM, assessment=kenya, version=kenya.version, path="cli", reason="correction",
        items=[ValueInput("DECL_TOTAL", "T", int(total.value * 1.03) + 1)],
    )  # fmt: skip
    for code, level in (("D1.O1.K3", "country"), ("D1.O2.K2", "public")):
        kpi_update(actor=SYSTEM, assessment=kenya, kpi_code=code, disclosure=level, path="cli", reason="x")
    kenya.refresh_from_db()
    assessment_submit(actor=SYSTEM, assessment=kenya, path="cli")
    publication_create(actor=SYSTEM, cycle=open_cycle, note="correction")
    return open_cycle


def _readers(make_user):
    return {
        "anonymous": None,
        "basic": make_user(Role.BASIC),
        "ncp FRA": make_user(Role.NCP, "FRA"),
        "ncp KEN": make_user(Role.NCP, "KEN"),
        "contributor KEN": make_user(Role.CONTRIBUTOR, "KEN"),
        "secretariat": make_user(Role.SECRETARIAT_ANALYST),
    }


def _entries(log, kpi):
    return [e for e in log if e.get("member") == "KEN" and e.get("kpi") == kpi]


@pytest.mark.parametrize(
    "reader", ["anonymous", "basic", "ncp FRA", "ncp KEN", "contributor KEN", "secretariat"]
)
def test_the_change_log_shows_each_reader_only_what_it_may_see(corrected, make_user, bearer, client, reader):
    user = _readers(make_user)[reader]
    own = reader in ("ncp KEN", "contributor KEN", "secretariat")
    old, new = _value(corrected, 1, "KEN", "D1.O1.K1"), _value(corrected, 2, "KEN", "D1.O1.K1")
    assert old != new
    headers = bearer(user) if user else {}
    answer = client.get(f"/api/v1/cycles/{corrected.pk}/publications/2", headers=headers)
    assert answer.status_code == 200
    log = answer.json()["change_log"]
    pages = []
    if user is not None:
        client.force_login(user)
        page = client.get(f"/cycles/{corrected.pk}/publications/")
        assert page.status_code == 200
        pages.append(page.content.decode())
    for text in [answer.content.decode(), *pages]:
        assert (repr(old) in text and repr(new) in text) is own, reader
    k1 = _entries(log, "D1.O1.K1")
    assert (len(k1) == 1 and "value" in k1[0]["fields"]) if own else not k1, (reader, k1)
    # D1.O1.K3 went from WCO to Country: WCO readers learn only that it is no longer shown to them.
    k3 = _entries(log, "D1.O1.K3")
    if own:
        assert k3[0]["fields"]["disclosure"] == ["wco", "country"]
    elif reader == "anonymous":
        assert not k3
    else:
        assert k3 == [{"member": "KEN", "kpi": "D1.O1.K3", "component": "value", "change": "no_longer_shown"}]
    # D1.O2.K2 went from Country to Public: the others learn that it is now shown, not what it was.
    k2 = _entries(log, "D1.O2.K2")
    if own:
        assert k2[0]["fields"]["disclosure"] == ["country", "public"]
    else:
        assert k2 and all(set(e) == {"member", "kpi", "component", "change"} for e in k2), k2
        assert {e["change"] for e in k2} == {"now_shown"}


def test_the_reproducer_of_the_issue_answers_no_hidden_value_to_a_visitor(corrected, client):
    hidden = {
        (r.kpi, r.component)
        for r in PublishedResult.objects.unrestricted().filter(
            publication__cycle=corrected, member__iso3="KEN"
        )
        if r.disclosure != "public"
    }
    assert ("D1.O1.K1", "value") in hidden
    for number in (1, 2):
        log = client.get(f"/api/v1/cycles/{corrected.pk}/publications/{number}").json()["change_log"]
        kept = [e for e in log if e.get("member") == "KEN" and (e.get("kpi"), e.get("component")) in hidden]
        assert all(set(e) == {"member", "kpi", "component", "change"} for e in kept), kept


# --- finding 6: a reviewer reads its review's cycle, not the member's other cycles ------------------


def test_a_reviewer_reads_only_the_cycle_of_its_review(
    started, make_user, bearer, client, submitted_assessment
):
    later = cycle_of(2025)
    earlier = cycle_of(2022)
    submitted_assessment(earlier, "KEN", seed=5, disclosure={"D1.O1.K1": "country"})
    publication_create(actor=SYSTEM, cycle=earlier)
    ncp = started.ncp
    kenya_2025 = assessment_access(ncp, later, "KEN")
    values_save(
        actor=ncp, assessment=kenya_2025, version=0, path="api",
        items=[ValueInput("DECL_TOTAL", "T", 424242)],
    )  # fmt: skip
    headers = bearer(started.lead)
    base = "/api/v1/cycles/{}/assessments/KEN"
    assert client.get(base.format(started.assessment.cycle_id), headers=headers).status_code == 200
    for path in ("", "/history", "/workbook.xlsx", "/evidence"):
        assert client.get(base.format(later.pk) + path, headers=headers).status_code == 404, path
        assert client.get(base.format(earlier.pk) + path, headers=headers).status_code == 404, path
    current = client.get(f"/api/v1/cycles/{later.pk}/results?publication=current", headers=headers)
    assert "424242" not in current.content.decode()
    hidden = _value(earlier, 1, "KEN", "D1.O1.K1")
    answer = client.get(f"/api/v1/cycles/{earlier.pk}/results?member=KEN", headers=headers).content.decode()
    assert repr(hidden) not in answer
    client.force_login(started.lead)
    assert client.get(f"/cycles/{later.pk}/assessments/KEN/").status_code == 404
    assert client.get(f"/cycles/{started.assessment.cycle_id}/assessments/KEN/").status_code == 200


def test_a_reviewers_access_ends_some_days_after_sign_off(started, bearer, client):
    from pmm.reviews.models import Review, ReviewStatus

    url = f"/api/v1/cycles/{started.assessment.cycle_id}/assessments/KEN"
    Review.objects.filter(pk=started.review.pk).update(
        status=ReviewStatus.SIGNED_OFF, signed_off_at=timezone.now() - timedelta(days=10)
    )
    with override_settings(PMM_REVIEW_ACCESS_DAYS=30):
        assert client.get(url, headers=bearer(started.lead)).status_code == 200
    with override_settings(PMM_REVIEW_ACCESS_DAYS=5):
        assert client.get(url, headers=bearer(started.lead)).status_code == 404


def test_the_list_of_reviews_is_scoped_to_each_reader(started, make_user, bearer, client):
    """The list of reviews goes through the row scope: the member's people, its assigned reviewers and
    the Secretariat see KEN's review; another member's NCP and a reviewer of another review do not."""
    other_reviewer = accredited_reviewer(make_user, "DEU")
    seen = {
        "ncp KEN": started.ncp,
        "lead": started.lead,
        "secretariat": started.admin,
        "ncp FRA": make_user(Role.NCP, "FRA"),
        "basic": make_user(Role.BASIC),
        "another reviewer": other_reviewer,
    }
    for name, user in seen.items():
        members = {r["member"] for r in client.get("/api/v1/reviews", headers=bearer(user)).json()}
        assert ("KEN" in members) is (name in ("ncp KEN", "lead", "secretariat")), (name, members)
