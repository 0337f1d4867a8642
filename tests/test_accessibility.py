"""Structural accessibility checks on every page: language, one h1, skip link to <main>, labelled
form controls, table headers with scope, no images without alternative text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

PUBLIC = [
    "/",
    "/frameworks/",
    "/frameworks/pmm-v1/",
    "/frameworks/pmm-v1/kpis/D1.O2.K2/",
    "/frameworks/pmm-v1/elements/",
    "/members/",
    "/members/KEN/",
    "/groups/",
    "/groups/union-eu/",
    "/accounts/login/",
]
SECRETARIAT = ["/", "/account/", "/users/", "/audit/", "/groups/new/", "/frameworks/upload/"]


class PageStructure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html_lang = None
        self.h1 = 0
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.th_without_scope = 0
        self.images_without_alt = 0
        self._in_thead = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit"}:
            self.controls.append(a)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        elif tag == "thead":
            self._in_thead = True
        elif tag == "th" and self._in_thead and not a.get("scope"):
            self.th_without_scope += 1
        elif tag == "img" and a.get("alt") is None:
            self.images_without_alt += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_thead = False


def check(html: str) -> list[str]:
    page = PageStructure()
    page.feed(html)
    problems = []
    if page.html_lang not in {"en", "fr"}:
        problems.append(f"html lang is {page.html_lang!r}")
    if page.h1 != 1:
        problems.append(f"{page.h1} h1 headings")
    if "#main" not in page.links or "main" not in page.ids:
        problems.append("no skip link to <main id=main>")
    for control in page.controls:
        if not (control.get("id") in page.label_for or control.get("aria-label")):
            problems.append(f"unlabelled control {control.get('name')!r}")
    if page.th_without_scope:
        problems.append(f"{page.th_without_scope} column headers without scope")
    if page.images_without_alt:
        problems.append("images without alt")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_are_structurally_accessible(client, path):
    assert check(client.get(path).content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", SECRETARIAT)
def test_secretariat_pages_are_structurally_accessible(client, make_user, path):
    client.force_login(make_user("secretariat_admin"))
    assert check(client.get(path).content.decode()) == []


@pytest.mark.django_db
def test_form_errors_are_shown_next_to_their_fields(client, make_user):
    client.force_login(make_user("secretariat_admin"))
    html = client.post(
        "/groups/new/", {"code": "Bad Code!", "name_en": "", "name_fr": "x", "members": ""}
    ).content
    page = html.decode()
    assert 'class="field field-invalid"' in page and 'id="id_code_error"' in page
