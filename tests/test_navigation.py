"""The menu: the links each role may follow, which one is the current section (from the URL's namespace
and name, not its path), and the "More" disclosure that keeps the menu on one line."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from pmm.web.context_processors import NAV_LINKS, current_link

pytestmark = pytest.mark.django_db


def _current(path: str, labels: list[str]) -> str | None:
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    shown = [link for link in NAV_LINKS if str(link.label) in labels]
    link = current_link(request, shown)
    return None if link is None else str(link.label)


SECRETARIAT = [
    "Home",
    "Published results",
    "Dashboard",
    "Cycles",
    "Peer reviews",
    "Frameworks",
    "Members",
    "Groups",
    "Users",
    "Audit log",
]
MEMBER = ["Home", "Published results", "What is due", "Dashboard", "Cycles", "Peer reviews", "Members"]


@pytest.mark.parametrize(
    ("path", "labels", "expected"),
    [
        ("/", SECRETARIAT, "Home"),
        ("/dashboard/", SECRETARIAT, "Dashboard"),
        # A member's dashboard lives under /cycles/…/ but is the Dashboard section.
        ("/cycles/3/members/KEN/dashboard/", SECRETARIAT, "Dashboard"),
        ("/cycles/3/members/KEN/dashboard/", MEMBER, "Dashboard"),
        ("/members/KEN/targets/", MEMBER, "Dashboard"),
        ("/cycles/3/", SECRETARIAT, "Cycles"),
        ("/cycles/3/board/", SECRETARIAT, "Cycles"),
        ("/cycles/3/results/", SECRETARIAT, "Cycles"),
        ("/cycles/3/analytics/", SECRETARIAT, "Cycles"),
        # An assessment: the member's own people find it under "What is due", the Secretariat under Cycles.
        ("/cycles/3/assessments/KEN/", MEMBER, "What is due"),
        ("/cycles/3/assessments/KEN/D1/", SECRETARIAT, "Cycles"),
        ("/due/", MEMBER, "What is due"),
        ("/reviews/", SECRETARIAT, "Peer reviews"),
        ("/reviews/reviewers/", SECRETARIAT, "Peer reviews"),
        ("/members/", SECRETARIAT, "Members"),
        ("/members/KEN/", SECRETARIAT, "Members"),
        ("/groups/", SECRETARIAT, "Groups"),
        ("/groups/region-esa/", SECRETARIAT, "Groups"),
        ("/users/someone/", SECRETARIAT, "Users"),
        ("/audit/", SECRETARIAT, "Audit log"),
        ("/frameworks/pmm-v1/", SECRETARIAT, "Frameworks"),
        ("/public/cycles/3/kpis/", MEMBER, "Published results"),
        ("/account/", SECRETARIAT, None),  # the account page is in the header, not in the menu
        ("/notifications/", SECRETARIAT, None),  # its own link (with the unread count)
    ],
)
def test_the_current_section_comes_from_the_url_name(
    path: str, labels: list[str], expected: str | None
) -> None:
    assert _current(path, labels) == expected


def test_every_link_stands_for_its_own_page() -> None:
    for link in NAV_LINKS:
        url = reverse(link.url_name)
        assert current_link(_request(url, resolve(url)), NAV_LINKS) is link, link.url_name


def _request(path: str, match: object) -> object:
    request = RequestFactory().get(path)
    request.resolver_match = match
    return request


def _menu(html: str) -> str:
    return html[html.index('<nav class="main-nav"') : html.index("</nav>")]


def test_the_dashboard_page_highlights_dashboard(client: Client, make_user, open_cycle) -> None:
    client.force_login(make_user("ncp", "FRA"))
    response = client.get("/dashboard/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("/members/FRA/dashboard/")
    menu = _menu(response.content.decode())
    assert re.findall(r'aria-current="page">([^<]+)<', menu) == ["Dashboard"]


def test_secretariat_menu_groups_the_less_used_links_under_more(client: Client, make_user) -> None:
    client.force_login(make_user("secretariat_admin"))
    menu = _menu(client.get("/groups/").content.decode())
    top, more = menu.split('<li class="nav-more">')
    assert re.findall(r">([^<>]+)</a>", top) == [
        "Home",
        "Published results",
        "Dashboard",
        "Cycles",
        "Peer reviews",
    ]
    assert re.findall(r">([^<>]+)</a>", more.split("</details>")[0]) == [
        "Frameworks",
        "Members",
        "Groups",
        "Users",
        "Audit log",
    ]
    assert '<summary class="is-current">More</summary>' in more  # the current page is under "More"
    assert re.findall(r'aria-current="page">([^<]+)<', menu) == ["Groups"]
    home = _menu(client.get("/").content.decode())
    assert "<summary>More</summary>" in home and re.findall(r'aria-current="page">([^<]+)<', home) == ["Home"]


def test_a_short_menu_has_no_more(client: Client) -> None:
    menu = _menu(client.get("/public/").content.decode())  # a visitor's few links are all in sight
    assert "nav-more" not in menu
    assert re.findall(r'aria-current="page">([^<]+)<', menu) == ["Published results"]
