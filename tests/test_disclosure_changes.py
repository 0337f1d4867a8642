"""Disclosure levels change after submission and after publication (docs/disclosure.md, "Changing a
level"): the NCP may change a level at any time, a publication keeps the level it froze with each
figure, the next publication uses the new one; after publication a change needs a reason, is kept in
the history and the audit log, is shown to the member next to the published level, and the
Secretariat is notified. A submitted assessment stays submitted and keeps its data; the workbook is
no back door."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import set_cells
from pmm.assessments.workbook import layout as L
from pmm.cycles.selectors import cycle_spec
from pmm.notifications.selectors import notifications_of
from pmm.results.services import publication_create

pytestmark = pytest.mark.django_db

KIND = "assessment.disclosure_changed"
NOTE = "Published as: Country · From the next publication: Public"


def url(cycle, tail: str = "", iso3: str = "KEN") -> str:
    return f"/api/v1/cycles/{cycle.pk}/assessments/{iso3}{tail}"


def page_url(cycle, tail: str = "", iso3: str = "KEN") -> str:
    return f"/cycles/{cycle.pk}/assessments/{iso3}/{tail}"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def ncp(make_user, bearer):
    """KEN's NCP and the API headers of its token."""
    user = make_user("ncp", "KEN")
    return user, bearer(user)


def put_kpi(client, cycle, headers, kpi: str, **data):
    """A KPI write carrying the version read just before (unless the test gives one)."""
    data.setdefault("version", state(client, cycle, headers)["version"])
    return client.put(url(cycle, f"/kpis/{kpi}"), data=data, content_type="application/json", headers=headers)


def state(client, cycle, headers) -> dict:
    return client.get(url(cycle), headers=headers).json()


def kpi_state(client, cycle, headers, kpi: str) -> dict:
    return next(k for k in state(client, cycle, headers)["kpis"] if k["kpi"] == kpi)


def results(client, cycle, publication: int | None = None, headers=None) -> dict:
    """The results API's answer, read from the database (nothing cached from an earlier answer)."""
    cache.clear()
    query = {"publication": str(publication)} if publication else {}
    response = client.get(f"/api/v1/cycles/{cycle.pk}/results", query, headers=headers or {})
    assert response.status_code == 200, response.content
    return response.json()


def keys(answer: dict) -> set[tuple[str, str]]:
    return {(r["member"], r["kpi"]) for r in answer["results"]}


# --- publications keep what they froze; the next one uses the new level ---------------------------


def test_a_change_after_publication_leaves_every_publication_as_it_was(
    client, open_cycle, published, ncp, make_user, bearer
):
    _user, headers = ncp
    wco = bearer(make_user("basic"))  # a basic PMM user: sees WCO and Public levels
    before = {
        (reader, number): results(client, open_cycle, number, headers=h)
        for reader, h in (("public", None), ("wco", wco))
        for number in (None, 1)
    }
    assert ("KEN", "D1.O1.K1") in keys(before["public", 1])  # public when published
    assert ("KEN", "D1.O1.K3") not in keys(before["wco", 1])  # country when published

    lowered = put_kpi(
        client, open_cycle, headers, "D1.O1.K1", disclosure="country", reason="ministerial order"
    )
    raised = put_kpi(client, open_cycle, headers, "D1.O1.K3", disclosure="public", reason="now in our report")
    assert lowered.status_code == raised.status_code == 200, (lowered.content, raised.content)

    for (reader, number), answer in before.items():
        h = wco if reader == "wco" else None
        assert results(client, open_cycle, number, headers=h) == answer, (reader, number)

    second = publication_create(actor=make_user("secretariat_admin"), cycle=open_cycle)
    assert second.number == 2
    for reader, h in (("public", None), ("wco", wco)):
        now = keys(results(client, open_cycle, headers=h))
        assert ("KEN", "D1.O1.K1") not in now and ("KEN", "D1.O1.K3") in now, reader
        assert results(client, open_cycle, 1, headers=h) == before[reader, 1], reader
    shown = {r["disclosure"] for r in results(client, open_cycle)["results"] if r["member"] == "KEN"}
    assert shown == {"public"}


# --- the reason, the history and the audit log -----------------------------------------------------


def test_after_publication_a_change_needs_a_reason(client, open_cycle, published, ncp):
    _user, headers = ncp
    version = state(client, open_cycle, headers)["version"]
    for reason in ("", "   "):
        refused = put_kpi(client, open_cycle, headers, "D1.O1.K3", disclosure="public", reason=reason)
        assert refused.status_code == 422
        assert [f["field"] for f in refused.json()["error"]["fields"]] == ["reason"]
        assert "published" in refused.json()["error"]["fields"][0]["message"]
    refused = put_kpi(client, open_cycle, headers, "D1.O1.K3", disclosure="public")
    assert refused.status_code == 422
    after = state(client, open_cycle, headers)
    assert after["version"] == version
    assert next(k for k in after["kpis"] if k["kpi"] == "D1.O1.K3")["disclosure"] == "country"
    history = client.get(url(open_cycle, "/history?subject=kpi:D1.O1.K3"), headers=headers).json()
    assert [h for h in history if h["path"] == "api"] == []


def test_the_change_is_in_the_history_and_the_audit_log_with_its_reason(
    client, open_cycle, published, ncp, make_user, bearer
):
    user, headers = ncp
    before = state(client, open_cycle, headers)
    answer = put_kpi(
        client, open_cycle, headers, "D1.O1.K3", disclosure="public", reason="published in our annual report"
    )
    assert answer.status_code == 200
    history = client.get(url(open_cycle, "/history?subject=kpi:D1.O1.K3"), headers=headers).json()
    latest = history[0]
    assert (latest["field"], latest["old"], latest["new"]) == ("disclosure", "country", "public")
    assert (latest["path"], latest["reason"], latest["changed_by"]) == (
        "api",
        "published in our annual report",
        user.username,
    )
    audit = client.get(
        "/api/v1/audit",
        {"verb": "assessment.kpi_changed"},
        headers=bearer(make_user("secretariat_admin")),
    ).json()["events"]
    event = next(e for e in audit if e["target"].endswith("D1.O1.K3"))
    assert (event["before"], event["after"], event["reason"]) == (
        {"version": before["version"], "kpi:D1.O1.K3": {"disclosure": "country"}},
        {"version": before["version"] + 1, "path": "api", "kpi:D1.O1.K3": {"disclosure": "public"}},
        "published in our annual report",
    )
    # The one write a submitted assessment accepts: it stays submitted, its data as they were, and the
    # version moves by one, as after every write.
    after = state(client, open_cycle, headers)
    assert after["status"] == "submitted" and after["version"] == before["version"] + 1
    assert after["values"] == before["values"]
    assert [k for k in after["kpis"] if k["kpi"] != "D1.O1.K3"] == [
        k for k in before["kpis"] if k["kpi"] != "D1.O1.K3"
    ]


def test_before_publication_no_reason_is_needed_and_nobody_is_notified(
    client, open_cycle, submitted_assessment, ncp, make_user
):
    _user, headers = ncp
    admin = make_user("secretariat_admin")
    submitted_assessment(open_cycle, "KEN", disclosure={"D1.O1.K3": "country"})
    answer = put_kpi(client, open_cycle, headers, "D1.O1.K3", disclosure="public")
    assert answer.status_code == 200 and answer.json()["disclosure"] == "public"
    body = state(client, open_cycle, headers)
    assert body["status"] == "submitted"
    kpi = next(k for k in body["kpis"] if k["kpi"] == "D1.O1.K3")
    assert (kpi["published_disclosure"], kpi["disclosure_note"]) == (None, "")
    assert notifications_of(admin) == []


def test_a_submitted_assessment_changes_only_its_levels_and_versions_are_swapped(
    client, open_cycle, published, ncp
):
    _user, headers = ncp
    data = put_kpi(client, open_cycle, headers, "D1.O1.K3", applicable=False, justification="not ours")
    assert data.status_code == 409 and "submitted" in data.json()["error"]["message"]
    # Applicability sent back as it is stored is no change: the level alone changes.
    current = kpi_state(client, open_cycle, headers, "D1.O1.K3")
    version = state(client, open_cycle, headers)["version"]
    stale = put_kpi(
        client, open_cycle, headers, "D1.O1.K3", disclosure="wco", reason="x", version=version - 1
    )
    assert stale.status_code == 409
    assert [f["field"] for f in stale.json()["error"]["fields"]] == ["version"]
    ok = put_kpi(
        client,
        open_cycle,
        headers,
        "D1.O1.K3",
        applicable=current["applicable"],
        justification=current["justification"],
        disclosure="wco",
        reason="agreed with the union",
        version=version,
    )
    assert ok.status_code == 200, ok.content
    assert state(client, open_cycle, headers)["version"] == version + 1


# --- what the member sees -------------------------------------------------------------------------


def test_the_members_api_and_page_show_both_levels(client, open_cycle, published, ncp, make_user):
    user, headers = ncp
    assert kpi_state(client, open_cycle, headers, "D1.O1.K3")["disclosure_note"] == ""
    put_kpi(client, open_cycle, headers, "D1.O1.K3", disclosure="public", reason="annual report")
    kpi = kpi_state(client, open_cycle, headers, "D1.O1.K3")
    assert (kpi["disclosure"], kpi["published_disclosure"], kpi["disclosure_note"]) == (
        "public",
        "country",
        NOTE,
    )
    assert kpi_state(client, open_cycle, headers, "D1.O1.K1")["disclosure_note"] == ""
    client.force_login(user)
    page = text(client.get(page_url(open_cycle, "D1/")))
    assert page.count(NOTE) == 1
    contributor = make_user("contributor", "KEN")
    client.force_login(contributor)
    assert NOTE in text(client.get(page_url(open_cycle, "D1/")))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = text(client.get(page_url(open_cycle, "D1/")))
    assert (
        NOTE not in french
        and "Niveau publié : Pays · À partir de la prochaine publication : Public" in french
    )
    # Once published again, the levels agree and the note is gone.
    publication_create(actor=make_user("secretariat_admin"), cycle=open_cycle)
    assert kpi_state(client, open_cycle, headers, "D1.O1.K3")["disclosure_note"] == ""


def test_the_page_asks_for_the_reason_after_publication(client, open_cycle, published, ncp):
    user, headers = ncp
    client.force_login(user)
    page = client.get(page_url(open_cycle, "D1/"))
    assert 'name="kpi__D1.O1.K3__reason"' in page.content.decode()
    version = state(client, open_cycle, headers)["version"]
    form = {"version": version, "kpi__D1.O1.K3__disclosure": "public", "kpi__D1.O1.K3__justification": ""}
    refused = client.post(page_url(open_cycle, "D1/"), form)
    assert refused.status_code == 200
    html = text(refused)
    assert "Say why you change who may see this KPI" in html
    assert 'href="#kpi-D1.O1.K3-reason"' in html
    assert re.search(r'id="kpi-D1.O1.K3-reason"[^>]*aria-invalid="true"', html)
    assert kpi_state(client, open_cycle, headers, "D1.O1.K3")["disclosure"] == "country"
    # The autosave says the same, and saves once the reason is there.
    autosave = client.post(page_url(open_cycle, "D1/kpis/D1.O1.K3/"), form, headers={"HX-Request": "true"})
    assert "Not saved" in text(autosave) and "Say why you change who may see this KPI" in text(autosave)
    saved = client.post(
        page_url(open_cycle, "D1/kpis/D1.O1.K3/"),
        {**form, "kpi__D1.O1.K3__reason": "published in our annual report"},
        headers={"HX-Request": "true"},
    )
    assert "Saved" in text(saved) and NOTE in text(saved)
    kpi = kpi_state(client, open_cycle, headers, "D1.O1.K3")
    assert (kpi["disclosure"], kpi["published_disclosure"]) == ("public", "country")
    history = client.get(url(open_cycle, "/history?subject=kpi:D1.O1.K3"), headers=headers).json()
    assert (history[0]["path"], history[0]["reason"]) == ("form", "published in our annual report")


# --- the Secretariat hears of it ------------------------------------------------------------------


def test_the_secretariat_is_notified_of_a_change_after_publication(
    client, open_cycle, published, ncp, make_user
):
    user, headers = ncp
    admin, analyst = make_user("secretariat_admin"), make_user("secretariat_analyst")
    put_kpi(client, open_cycle, headers, "D1.O1.K3", disclosure="public", reason="annual report")
    (notice,) = notifications_of(admin)
    assert notice.kind == KIND
    assert "Kenya" in notice.subject and "D1.O1.K3" in notice.subject
    assert "from Country to Public" in notice.body and "annual report" in notice.body
    assert "Publication 1 still shows" in notice.body
    assert notice.url == f"/cycles/{open_cycle.pk}/publications/"
    assert notifications_of(analyst) == [] and notifications_of(user) == []


# --- the workbook follows the same rule -----------------------------------------------------------


def _workbook(client, cycle, headers) -> bytes:
    response = client.get(url(cycle, "/workbook.xlsx"), headers=headers)
    assert response.status_code == 200
    return response.content


def _upload(client, cycle, data: bytes, headers):
    upload = SimpleUploadedFile("ken.xlsx", data, content_type=L.CONTENT_TYPE)
    return client.post(url(cycle, "/workbook"), {"file": upload}, headers=headers)


def _disclosure_cell(cycle, kpi: str) -> tuple[str, str]:
    return L.KPIS, f"{L.KPI_DISCLOSURE}{L.layout_of(cycle_spec(cycle)).kpi_row(kpi)}"


def _value_cell(cycle, element: str, period: str = "T") -> tuple[str, str]:
    sheet, row = L.layout_of(cycle_spec(cycle)).home[element]
    return sheet, f"{L.VALUE[period]}{row}"


def test_a_workbook_changes_only_levels_of_a_submitted_assessment(
    client, open_cycle, submitted_assessment, ncp
):
    _user, headers = ncp
    submitted_assessment(open_cycle, "KEN", disclosure={"D1.O1.K3": "country"})
    exported = _workbook(client, open_cycle, headers)
    before = state(client, open_cycle, headers)
    level = _disclosure_cell(open_cycle, "D1.O1.K3")
    value = _value_cell(open_cycle, "DECL_TOTAL")
    both = _upload(client, open_cycle, set_cells(exported, {level: "Public", value: 1}), headers)
    assert both.status_code == 409 and "submitted" in both.json()["error"]["message"]
    assert state(client, open_cycle, headers) == before
    only_level = _upload(client, open_cycle, set_cells(exported, {level: "Public"}), headers)
    assert only_level.status_code == 200, only_level.content
    assert only_level.json()["kpis"] == [
        {"cell": f"Sheet {level[0]}, cell {level[1]}", "subject": "kpi:D1.O1.K3"}
    ]
    after = state(client, open_cycle, headers)
    assert after["status"] == "submitted" and after["values"] == before["values"]
    assert next(k for k in after["kpis"] if k["kpi"] == "D1.O1.K3")["disclosure"] == "public"


def test_after_publication_a_workbook_cannot_change_a_level(client, open_cycle, published, ncp):
    _user, headers = ncp
    exported = _workbook(client, open_cycle, headers)
    before = state(client, open_cycle, headers)
    sheet, ref = _disclosure_cell(open_cycle, "D1.O1.K3")
    refused = _upload(client, open_cycle, set_cells(exported, {(sheet, ref): "Public"}), headers)
    assert refused.status_code == 422
    fields = {f["field"]: f["message"] for f in refused.json()["error"]["fields"]}
    assert "say why" in fields[f"Sheet {sheet}, cell {ref}"]
    assert state(client, open_cycle, headers) == before
    assert _upload(client, open_cycle, exported, headers).json()["changed"] == 0
