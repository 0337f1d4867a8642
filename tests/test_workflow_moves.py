"""The four workflows as their readers meet them: the API answers list the moves `available` to the
caller (`moves`), and the pages offer the same moves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.cycles.services import cycle_change_status
from pmm.reviews.services import query_raise

pytestmark = pytest.mark.django_db


def _moves(client, path: str, headers: dict[str, str] | None = None) -> list[str]:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, response.content
    return response.json()["moves"]


def test_a_framework_version_lists_the_status_changes_of_the_secretariat(client, make_user, bearer):
    def listed(headers: dict[str, str]) -> list[str]:
        answer = client.get("/api/v1/frameworks", headers=headers).json()
        return next(f["moves"] for f in answer if f["code"] == "pmm-v1")

    assert listed(bearer(make_user(Role.SECRETARIAT_ADMIN))) == ["retire"]
    assert listed(bearer(make_user(Role.NCP, "KEN"))) == []
    assert listed({}) == []


def test_a_cycle_lists_its_moves_for_the_secretariat_only(client, open_cycle, make_user, bearer):
    admin = bearer(make_user(Role.SECRETARIAT_ADMIN))
    path = f"/api/v1/cycles/{open_cycle.pk}"
    assert _moves(client, path, admin) == ["close"]
    assert _moves(client, path, bearer(make_user(Role.NCP, "KEN"))) == []
    closed = client.post(
        path + "/status", data={"action": "close"}, content_type="application/json", headers=admin
    )
    assert closed.json()["moves"] == ["open", "archive"]


def test_the_cycle_page_offers_the_moves_of_the_workflow(client, open_cycle, make_user):
    client.force_login(make_user(Role.SECRETARIAT_ADMIN))
    cycle_change_status(actor=SYSTEM, cycle=open_cycle, action="close")
    page = client.get(f"/cycles/{open_cycle.pk}/").content.decode()
    assert 'value="open"' in page and 'value="archive"' in page and 'value="close"' not in page


def test_an_assessment_lists_the_moves_of_its_reader(
    client, open_cycle, submitted_assessment, make_user, bearer
):
    path = f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN"
    ncp = bearer(make_user(Role.NCP, "KEN"))
    assert _moves(client, path, ncp) == ["start"]
    assert _moves(client, path, bearer(make_user(Role.SECRETARIAT_ADMIN))) == []
    submitted_assessment(open_cycle, "KEN")
    assert _moves(client, path, ncp) == []
    assert _moves(client, path, bearer(make_user(Role.SECRETARIAT_ADMIN))) == ["reopen"]


def test_a_closed_cycle_offers_no_start(client, open_cycle, make_user, bearer):
    cycle_change_status(actor=SYSTEM, cycle=open_cycle, action="close")
    assert (
        _moves(client, f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN", bearer(make_user(Role.NCP, "KEN")))
        == []
    )


def test_a_review_lists_each_persons_moves(client, started, bearer):
    path = f"/api/v1/cycles/{started.assessment.cycle_id}/assessments/KEN/review"
    assert _moves(client, path, bearer(started.lead)) == ["send_round", "sign_off"]
    assert _moves(client, path, bearer(started.second)) == []  # assigned, but not the lead
    assert _moves(client, path, bearer(started.ncp)) == ["withdraw"]
    assert _moves(client, path, bearer(started.admin)) == []
    query_raise(actor=started.lead, review=started.review, kpi="D1.O1.K1", text="Where is this from?")
    sent = client.post(
        path + "/moves",
        data={"action": "send_round", "due_date": "2099-01-01"},
        content_type="application/json",
        headers=bearer(started.lead),
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["moves"] == []
    assert _moves(client, path, bearer(started.ncp)) == ["hand_back", "withdraw"]


def test_the_review_page_offers_sign_off_to_the_lead_only(client, started):
    cycle = started.assessment.cycle_id
    path = reverse("reviews:review_detail", args=[cycle, "KEN"])
    sign_off = reverse("reviews:review_step", args=[cycle, "KEN", "sign_off"])
    client.force_login(started.lead)
    lead_page = client.get(path).content.decode()
    client.force_login(started.second)
    second_page = client.get(path).content.decode()
    assert sign_off in lead_page and sign_off not in second_page
