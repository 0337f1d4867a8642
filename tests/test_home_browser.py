"""The home page of each role in Chromium, in English and French: its next actions are shown, axe-core
finds no violation, and the first action leads to its page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from browser_support import axe_violations, browser, session_context  # noqa: F401
from pmm.authz.roles import Role
from pmm.results.services import publication_create
from pmm.reviews.services import query_raise, review_move

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_roles_home_page_leads_to_its_work_without_accessibility_violations(
    browser,  # noqa: F811
    live_server,
    reference_data,  # transactional tests before this one emptied the database
    started,
    make_user,
):
    query_raise(actor=started.lead, review=started.review, kpi="D1.O1.K1", text="How are e-mails counted?")
    due = timezone.localdate() + timedelta(days=14)
    review_move(actor=started.lead, review=started.review, action="send_round", due_date=due)
    publication_create(actor=started.admin, cycle=started.assessment.cycle)
    readers = {
        "ncp": started.ncp,
        "reviewer": started.lead,
        "secretariat": started.admin,
        "basic": make_user(Role.BASIC),
        "anonymous": None,
    }
    problems: list[str] = []
    for name, user in readers.items():
        for language in ("en", "fr"):
            context = session_context(browser, live_server, user, language)
            page = context.new_page()
            page.goto(live_server.url + "/")
            actions = page.locator("#next-actions + ol .next-action h3 a")
            if actions.count() == 0:
                problems.append(f"{name} [{language}]: no next action")
            problems += [f"{name} [{language}]: {v['id']} {v['targets'][:3]}" for v in axe_violations(page)]
            if actions.count():
                actions.first.click()
                page.wait_for_load_state()
                if page.locator("h1").count() != 1:
                    problems.append(f"{name} [{language}]: the first action leads to no page")
            context.close()
    assert problems == []
