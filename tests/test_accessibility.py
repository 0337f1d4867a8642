"""Structural accessibility checks on every page: language, one h1, skip link to <main>, labelled
form controls, table headers with scope, no images without alternative text."""

from __future__ import annotations

import pytest

from conftest import PUBLIC_PAGES as PUBLIC

SECRETARIAT = ["/", "/account/", "/users/", "/audit/", "/groups/new/", "/frameworks/upload/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_are_structurally_accessible(client, page_problems, path):
    assert page_problems(client.get(path).content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", SECRETARIAT)
def test_secretariat_pages_are_structurally_accessible(client, make_user, page_problems, path):
    client.force_login(make_user("secretariat_admin"))
    assert page_problems(client.get(path).content.decode()) == []


@pytest.mark.django_db
def test_form_errors_are_shown_next_to_their_fields(client, make_user):
    client.force_login(make_user("secretariat_admin"))
    html = client.post(
        "/groups/new/", {"code": "Bad Code!", "name_en": "", "name_fr": "x", "members": ""}
    ).content
    page = html.decode()
    assert 'class="field field-invalid"' in page and 'id="id_code_error"' in page
