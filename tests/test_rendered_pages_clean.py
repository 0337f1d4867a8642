"""No page shows people what is meant for the machine: template syntax, internal codes, Python values.

Every page route of the platform (tests/read_paths.py, the list the disclosure sweep walks) is asked
as each kind of reader (a visitor, a basic user, a member's NCP and contributor, a peer reviewer, the
Secretariat's analyst and administrator), in English and in French, in the rich world of the
disclosure sweep (tests/test_disclosure_sweep.py: submitted, corrected and published
self-assessments, one still in progress, a peer review with queries on data elements...). Each page
must not show:

- template syntax (`{#`, `{%`, `{{`): a comment over several lines, a tag misspelt, printed as text;
- a data element's code with its year (`DECL_TOTAL@T`, `DECL_TOTAL (T)`): people see its label;
- a Python value (`{'status': ...}`, `['a', 'b']`): something printed without being put in words;
- a workflow's stored value (`in_review`, `not_started`, `secretariat_admin`...): every value with an
  underscore of every model field with choices, found from the models, so a new one is watched too;
- a reference to the authors' working notes (`(see pmm-domain.md)`); a page may send administrators
  to the documentation shipped with the platform (`docs/framework-format.md`).

Only the visible text is searched: tags and attribute values (URLs, ids, form values) are not, nor
the text of `<code>`, `<pre>`, `<kbd>`, `<samp>`, `<script>`, `<style>`, `<template>` and
`<textarea>` elements, where codes are shown on purpose (a KPI's formula, the API's documentation, a
framework's element list, the roles typed in a form for administrators). Template syntax is searched
for in the whole page but scripts and styles.

To stay fast, each reader asks each route once, in English or in French by turns (the next reader
takes the other language): the first filling of its path in English, another one in French.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import translation

import read_paths
from pmm.authz.roles import Role
from test_disclosure_sweep import Builder, SweepWorld, world  # noqa: F401 (the fixture)

READERS = ["anonymous", "basic", "ncp_A", "contributor_A", "reviewer_now", "analyst", "admin"]
LANGUAGES = ["en", "fr"]

# Elements whose text is shown as it is, on purpose (codes, formulas, examples for technical users).
VERBATIM = {"code", "pre", "kbd", "samp", "script", "style", "template", "textarea"}
NOT_TEXT = {"script", "style", "template"}  # template syntax inside these is the browser's business
TEMPLATE_SYNTAX = re.compile(r"\{#|#\}|\{%|%\}|\{\{|\}\}")
ELEMENT_CODE = re.compile(r"\b[A-Z][A-Z0-9_]{3,}(?:@T(?:-1)?\b| \(T(?:-1)?\))")
PYTHON_VALUE = re.compile(r"\{'|\['|\{\"[a-z_]+\":")
NOTES = re.compile(r"(?<![\w/.-])[\w-]+\.md\b")  # not docs/…: the documentation is shipped


def stored_values() -> set[str]:
    """Every stored value with an underscore of every model field with choices (a status, a role, a
    kind...): what a page shows as a label, never as it is stored."""
    found = set()
    for model in apps.get_models():
        if not model.__module__.startswith("pmm."):
            continue
        for f in model._meta.get_fields():
            for value, _label in getattr(f, "flatchoices", None) or ():
                if isinstance(value, str) and "_" in value:
                    found.add(value)
    return found


class _Text(HTMLParser):
    """The visible text of a page (outside VERBATIM elements) and its text outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.visible: list[str] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VERBATIM:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VERBATIM and tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag)]

    def handle_data(self, data: str) -> None:
        if not NOT_TEXT & set(self.open):
            self.text.append(data)
        if not self.open:
            self.visible.append(data)


def page_problems(page: str, stored: set[str]) -> list[tuple[str, str, str]]:
    """What a page shows that is meant for the machine: (what, the text found, the text around it)."""
    parser = _Text()
    parser.feed(page)
    parser.close()
    text, visible = " ".join(parser.text), " ".join(parser.visible)
    status = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(stored))) + r")(?![\w-])")
    found: list[tuple[str, str, str]] = []
    for what, pattern, where in (
        ("template syntax", TEMPLATE_SYNTAX, text),
        ("an element code", ELEMENT_CODE, visible),
        ("a Python value", PYTHON_VALUE, visible),
        ("a stored value", status, visible),
        ("a reference to notes", NOTES, visible),
    ):
        for match in pattern.finditer(where):
            around = " ".join(where[max(0, match.start() - 50) : match.end() + 50].split())
            found.append((what, match.group(), around))
    return found


def test_the_check_finds_what_it_looks_for():
    """The check is not blind: a comment over several lines, as Django prints it, and each pattern."""
    rendered = Template("<p>{# one line #}Shown{# two\nlines #}</p>").render(Context())
    stored = {"in_review"}
    assert page_problems(rendered, stored) == [
        ("template syntax", "{#", "Shown{# two lines #}"),
        ("template syntax", "#}", "Shown{# two lines #}"),
    ]
    page = (
        "<p>DECL_TOTAL (T) must be a number; Query 1 on DECL_ELECTRONIC@T-1</p>"
        "<p>{'status': 'in_review'} ['a']</p><p>(see pmm-domain.md)</p>"
        '<a href="/x?status=in_review" title="DECL_TOTAL@T">in review</a><code>DECL_TOTAL@T in_review</code>'
    )
    assert [(what, found) for what, found, _around in page_problems(page, stored)] == [
        ("an element code", "DECL_TOTAL (T)"),
        ("an element code", "DECL_ELECTRONIC@T-1"),
        ("a Python value", "{'"),
        ("a Python value", "['"),
        ("a stored value", "in_review"),
        ("a reference to notes", "pmm-domain.md"),
    ]
    assert {"in_review", "not_started", "not_applicable", "secretariat_admin"} <= stored_values()


@pytest.fixture(scope="module")
def admin_user(world, django_db_blocker):  # noqa: F811 (the fixture imported above)
    """A Secretariat administrator, made in the world's transaction (rolled back with it)."""
    with django_db_blocker.unblock():
        return Builder().user("clean-admin", Role.SECRETARIAT_ADMIN)


def _urls_by_route(paths: read_paths.World) -> dict[str, list[str]]:
    """The page URLs of every swept route (the API answers JSON and files, not pages)."""
    found: dict[str, list[str]] = {}
    for swept in read_paths.urls(paths):
        if not swept.api:
            found.setdefault(swept.route, []).append(swept.url)
    return found


def _asked(urls: dict[str, list[str]], reader: str) -> Iterator[tuple[str, str]]:
    """(language, URL): one URL per route, the routes in English and French by turns (the next reader
    takes the other language), the first filling of the path in English, another one in French."""
    for index, (route, choices) in enumerate(sorted(urls.items())):
        language = LANGUAGES[(index + READERS.index(reader)) % len(LANGUAGES)]
        if language == "en" or len(choices) == 1:
            yield language, choices[0]
        else:
            yield language, choices[1 + zlib.crc32(f"{route} {reader}".encode()) % (len(choices) - 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("reader", READERS)
def test_no_page_shows_template_syntax_or_internal_codes(
    world: SweepWorld,  # noqa: F811
    admin_user,
    reader,
    reports_laid_out_as_html,
):
    """A report's PDF is not a page: it is \"laid out\" as its HTML (its print page is checked)."""
    user = admin_user if reader == "admin" else world.users[reader]
    clients = {}
    for language in LANGUAGES:
        clients[language] = Client(raise_request_exception=False)
        clients[language].cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if user is not None:
            clients[language].force_login(user)
    stored = stored_values()
    problems, pages = [], 0
    for language, url in _asked(_urls_by_route(world.paths), reader):
        translation.activate(language)
        response = clients[language].get(url)
        if not response.get("Content-Type", "").startswith("text/html") or response.streaming:
            continue
        pages += 1
        for what, found, around in page_problems(response.content.decode(), stored):
            problems.append(f"{url} ({language}): {what} {found!r} in “{around}”")
    assert pages > 20, f"only {pages} pages answered: is the sweep signed in?"
    assert not problems, f"{len(problems)} problems for {reader}:\n" + "\n".join(problems)
