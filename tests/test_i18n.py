"""French pages are French throughout: interface text from the catalogue and data from the framework."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.html import strip_tags

PO_FILE = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"
PAGES = [
    "/",
    "/frameworks/",
    "/frameworks/pmm-v1/",
    "/frameworks/pmm-v1/kpis/D1.O1.K1/",
    "/frameworks/pmm-v1/elements/",
    "/members/",
    "/members/DEU/",
    "/groups/",
    "/accounts/login/",
]
SIGNED_IN_PAGES = ["/", "/account/", "/users/", "/audit/", "/groups/new/", "/frameworks/upload/"]


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_FILE))


def test_the_french_catalogue_is_complete():
    po = _catalogue()
    assert po.percent_translated() == 100
    assert not po.fuzzy_entries()
    assert not po.obsolete_entries()
    mo = polib.mofile(str(PO_FILE.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in po.translated_entries():
        assert (entry.msgctxt, entry.msgid) in compiled, f"django.mo is out of date: {entry.msgid!r}"


def _english_leftovers(text: str) -> list[str]:
    """Catalogue phrases still shown in English: phrases of two words or more (single words such as
    "active" or "Code" can be French too) whose French differs and that have no placeholder."""
    leftovers = []
    for entry in _catalogue().translated_entries():
        english = entry.msgid
        if "%" in english or "{" in english or english == entry.msgstr or " " not in english.strip():
            continue
        if re.search(rf"(?<![\w-]){re.escape(english)}(?![\w-])", text):
            leftovers.append(english)
    return leftovers


def _visible_text(html: str) -> str:
    """The page's text, less raw data (<pre>, <code>) and the language names, shown in their own language."""
    html = re.sub(r"<(script|style|pre|code|select)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", strip_tags(html))


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_public_pages_are_french_throughout(client, path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(path)
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert _english_leftovers(_visible_text(html)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_secretariat_pages_are_french_throughout(client, make_user, path):
    client.force_login(make_user("secretariat_admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(path).content.decode()
    assert _english_leftovers(_visible_text(html)) == []


@pytest.mark.django_db
def test_french_pages_show_french_data(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    kpi = client.get("/frameworks/pmm-v1/kpis/D1.O1.K1/").content.decode()
    assert "Taux de déclarations électroniques" in kpi
    assert "Rate of electronic declarations" not in kpi
    members = client.get("/members/").content.decode()
    assert "Allemagne" in members and "Germany" not in members
    assert "Union européenne" in members


@pytest.mark.django_db
def test_english_pages_are_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/frameworks/pmm-v1/kpis/D1.O1.K1/").content.decode()
    assert '<html lang="en"' in html
    assert "Rate of electronic declarations" in html


@pytest.mark.django_db
def test_language_switcher_sets_french(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/members/"})
    assert response.status_code == 302
    assert '<html lang="fr"' in client.get("/members/").content.decode()


@pytest.mark.django_db
def test_self_assessment_pages_are_french_throughout(client, make_user, open_cycle):
    client.force_login(make_user("ncp", "KEN"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    base = f"/cycles/{open_cycle.pk}/assessments/KEN/"
    client.post(base + "start/")
    client.post(
        base + "D1/rows/DECL_TOTAL/",
        {"version": "1", "DECL_TOTAL__T__value": "beaucoup"},
        headers={"HX-Request": "true"},
    )
    for path in [
        "/due/",
        "/cycles/",
        base,
        base + "D1/",
        base + "D4/",
        base + "history/",
        base + "evidence/",
    ]:
        html = client.get(path).content.decode()
        assert '<html lang="fr"' in html, path
        assert _english_leftovers(_visible_text(html)) == [], path


@pytest.mark.django_db
def test_status_board_is_french_throughout(client, make_user, open_cycle):
    client.force_login(make_user("secretariat_admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    for path in [f"/cycles/{open_cycle.pk}/", f"/cycles/{open_cycle.pk}/board/"]:
        assert _english_leftovers(_visible_text(client.get(path).content.decode())) == [], path
