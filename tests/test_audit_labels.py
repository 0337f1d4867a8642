"""The audit log speaks the language of its readers: each action has a label, before and after read as
"Status: Submitted → In review" with the models' own labels, never a Python dict or a raw code; the
API keeps the raw before and after and adds the labels."""

from __future__ import annotations

import re

import pytest

from pmm.audit.labels import VERBS, changes, verb_label
from pmm.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def event(verb: str, target_type: str, before, after) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_label="ana",
        verb=verb,
        target_type=target_type,
        target_id="1",
        target_label="Kenya 2024",
        before=before,
        after=after,
    )


@pytest.fixture
def events():
    return [
        event(
            "assessment.submitted",
            "assessments.assessment",
            {"status": "in_progress"},
            {"status": "submitted", "version": 7},
        ),
        event("review.start", "reviews.review", {"status": "accepted"}, {"status": "in_review"}),
        # a query's status on an event about its review: labelled from the query's own choices
        event(
            "review.query_answered",
            "reviews.review",
            {"query": 3, "status": "open"},
            {"query": 3, "status": "answered"},
        ),
        event("user.activated", "accounts.user", {"is_active": False}, {"is_active": True}),
        event(
            "notifications.preferences_saved",
            "accounts.user",
            {"email": {"review.assigned": True}},
            {"email": {"review.assigned": False}},
        ),
    ]


def test_changes_are_labelled_from_the_models(events):
    submitted, started, answered, activated, _preferences = events
    assert [tuple(c) for c in changes(submitted)] == [
        ("status", "Status", "In progress", "Submitted"),
        ("version", "Version", None, "7"),
    ]
    assert [tuple(c) for c in changes(started)] == [("status", "Status", "Accepted", "In review")]
    assert [tuple(c) for c in changes(answered)] == [
        ("query", "Query", None, "3"),  # unchanged: shown once
        ("status", "Status", "Open", "Answered"),
    ]
    assert [tuple(c) for c in changes(activated)] == [("is_active", "Active", "No", "Yes")]
    renamed = event(
        "member.updated", "members.member", {"name": {"en": "Turkey"}}, {"name": {"en": "Türkiye"}}
    )
    assert [tuple(c) for c in changes(renamed)] == [("name", "Name", "English: Turkey", "English: Türkiye")]


def test_the_page_shows_labels_and_no_dict_or_raw_code(client, make_user, events):
    client.force_login(make_user("secretariat_analyst"))
    page = text(client.get("/audit/"))
    assert "Self-assessment submitted" in page and "Peer review started" in page
    assert "Status: Accepted → In review" in page.replace(
        '<span aria-hidden="true">→</span><span class="visually-hidden">changed to</span>', "→"
    )
    table = page[page.index("<table") : page.index("</table>")]
    assert "{'" not in table and "{&#x27;" not in table
    assert "in_review" not in table and "in_progress" not in table and "review.start" not in table


def test_the_page_in_french(client, make_user, events, settings):
    client.force_login(make_user("secretariat_analyst"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = text(client.get("/audit/"))
    table = page[page.index("<table") : page.index("</table>")]
    assert "Auto-évaluation soumise" in table
    assert "Statut" in table and "Acceptée" in table and "En cours d&#x27;évaluation" in table


def test_the_filter_offers_labels_and_keeps_the_codes(client, make_user, events):
    client.force_login(make_user("secretariat_analyst"))
    page = text(client.get("/audit/?verb=review.start"))
    assert '<option value="review.start" selected>Peer review started</option>' in page


def test_the_api_keeps_the_raw_values_and_adds_labels(client, make_user, events):
    client.force_login(make_user("secretariat_analyst"))
    body = client.get("/api/v1/audit?verb=review.start").json()
    (started,) = body["events"]
    assert started["verb"] == "review.start" and started["verb_label"] == "Peer review started"
    assert started["before"] == {"status": "accepted"} and started["after"] == {"status": "in_review"}
    assert started["changes"] == [
        {"field": "status", "label": "Status", "before": "Accepted", "after": "In review"}
    ]


def test_every_verb_written_by_the_code_has_a_label():
    """Each verb literal in the sources, and each workflow move audited as `<app>.<move>`, is listed."""
    from pathlib import Path

    import pmm
    from pmm.cycles.workflow import CYCLE_TRANSITIONS
    from pmm.framework.workflow import STATUS_TRANSITIONS
    from pmm.reviews.workflow import MOVES

    sources = (p.read_text() for p in Path(pmm.__file__).parent.rglob("*.py") if "tests" not in p.parts)
    calls = ("verb=", "_audit(", "_answered(", "_remove_devices(")
    lines = [line for source in sources for line in source.splitlines() if any(c in line for c in calls)]
    written = {verb for line in lines for verb in re.findall(r'"([a-z_]+\.[a-z_]+)"', line)}
    written |= {f"cycle.{action}" for _status, action in CYCLE_TRANSITIONS}
    written |= {f"framework.{action}d" for _status, action in STATUS_TRANSITIONS}
    written |= {f"review.{action}" for action in MOVES}
    assert len(written) > 50
    assert sorted(written - set(VERBS)) == []
    assert verb_label("nobody.knows") == "nobody.knows"


def test_roles_and_query_subjects_read_in_words(reference_data):
    roles = event("user.roles_changed", "accounts.user", {"roles": ["basic"]}, {"roles": ["ncp:KEN"]})
    [change] = changes(roles)
    assert (change.before, change.after) == ("Basic PMM user", "National Contact Point (KEN)")
    raised = event("review.query_raised", "reviews.query", {}, {"subject": "DECL_TOTAL@T", "text": "Why?"})
    subject = next(c for c in changes(raised) if c.field == "subject")
    assert "DECL_TOTAL" not in subject.after and "(year T)" in subject.after
    on_kpi = event("review.query_raised", "reviews.query", {}, {"subject": "D1.O1.K1"})
    assert next(c for c in changes(on_kpi) if c.field == "subject").after.startswith("D1.O1.K1 ")


def test_a_query_event_on_its_review_reads_the_query_status_words():
    from django.utils import translation

    from pmm.reviews.models import QueryStatus

    answered = event("review.query_answered", "reviews.review", {"status": "open"}, {"status": "answered"})
    with translation.override("fr"):
        [change] = changes(answered)
        assert (change.before, change.after) == (str(QueryStatus.OPEN.label), str(QueryStatus.ANSWERED.label))


def test_a_page_of_events_reads_the_subjects_names_once(reference_data, django_assert_num_queries):
    from pmm.audit.labels import changes_of

    raised = [
        event("review.query_raised", "reviews.review", {}, {"subject": code})
        for code in ("DECL_TOTAL@T", "DECL_ELECTRONIC@T-1", "D1.O1.K1", "D1.O1.K2")
    ]
    with django_assert_num_queries(2):  # the elements, the KPIs
        shown = changes_of(raised)
    assert all("@" not in c.after for found in shown for c in found if c.field == "subject")


def test_an_assessment_write_reads_its_subjects_in_words(reference_data):
    """A unit of work's one event keys its changes by subject: each is named in words, never a code."""
    saved = event(
        "assessment.saved",
        "assessments.assessment",
        {
            "version": 4,
            "DECL_TOTAL@T": {"value": 10},
            "kpi:D1.O1.K1": {"disclosure": "wco"},
            "issue:jump:AEO_COUNT": {"justification": ""},
        },
        {
            "version": 5,
            "path": "form",
            "DECL_TOTAL@T": {"value": 12},
            "kpi:D1.O1.K1": {"disclosure": "public"},
            "issue:jump:AEO_COUNT": {"justification": "a new programme"},
            "evidence:AEO_COUNT@T-1": {"file": {"name": "aeo.pdf"}},
        },
    )
    shown = {c.field: c for c in changes(saved)}
    assert verb_label("assessment.saved") == "Self-assessment saved"
    assert shown["version"].before == "4" and shown["version"].after == "5"
    value = shown["DECL_TOTAL@T"]
    assert "DECL_TOTAL" not in value.label and "(year T)" in value.label
    assert (value.before, value.after) == ("Value: 10", "Value: 12")
    assert shown["kpi:D1.O1.K1"].label.startswith("KPI D1.O1.K1: ")
    assert shown["issue:jump:AEO_COUNT"].label == "Explanation of a warning (jump:AEO_COUNT)"
    evidence = shown["evidence:AEO_COUNT@T-1"]
    assert evidence.label.startswith("Evidence for “") and "AEO_COUNT" not in evidence.label
