"""Input hygiene (issue 13, findings 1, 2, 3, 6, 8, 9): text with characters the platform refuses
(`pmm.core.text`) is refused where it enters, with the field named; text already stored never breaks
an export; the API answers every malformed request in its JSON error shape, never with a 500."""

from __future__ import annotations

import copy
import io
import logging
import socket
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings
from ninja.params.models import BodyModel, FormModel
from pydantic import BaseModel
from typer.testing import CliRunner

from pmm.assessments.models import DataValue
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, values_save
from pmm.authz.roles import Role
from pmm.cli import app
from pmm.core.actors import SYSTEM
from pmm.core.api import Input
from pmm.core.api_parser import CheckedParser
from pmm.core.errors import ApplicationError
from pmm.core.text import REPLACEMENT, neutralised, text_problem
from pmm.members.models import Member

MEMBER = "KEN"
# Every character the rule refuses, one of each kind, and what the message calls it.
REFUSED = [
    ("\x00", "a null character (U+0000)"),
    ("\x01", "a control character (U+0001)"),
    ("\x08", "a control character (U+0008)"),
    ("\x0b", "a control character (U+000B)"),
    ("\x1f", "a control character (U+001F)"),
    ("\ud800", "a lone surrogate (U+D800)"),
    ("\udfff", "a lone surrogate (U+DFFF)"),
    ("\uffff", "a non-character (U+FFFF)"),
]


def _values_url(cycle: Any, iso3: str = MEMBER) -> str:
    return f"/api/v1/cycles/{cycle.pk}/assessments/{iso3}/values"


def _version(cycle: Any) -> int:
    return int(assessment_access(SYSTEM, cycle, MEMBER).version)


def _stored_texts(cycle: Any) -> list[tuple[str, str]]:
    rows = DataValue.objects.unrestricted().filter(assessment__cycle=cycle, assessment__member__iso3=MEMBER)
    return sorted((r.element.code, r.comment or "") for r in rows.select_related("element"))


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
    return dict(body["error"])


def _fields(response: Any) -> dict[str, str]:
    return {f["field"]: f["message"] for f in _error(response)["fields"]}


@pytest.fixture
def ncp(make_user, bearer) -> dict[str, str]:
    return bearer(make_user(Role.NCP, MEMBER))


@pytest.fixture
def admin(make_user, bearer) -> dict[str, str]:
    return bearer(make_user(Role.SECRETARIAT_ADMIN))


# --------------------------------------------------------------------------------------------
# The rule


@pytest.mark.parametrize("char,kind", REFUSED)
def test_each_refused_character_is_named_with_its_position(char, kind):
    assert text_problem(f"ab{char}c") == f"contains {kind} at position 3"
    assert neutralised(f"ab{char}c") == f"ab{REPLACEMENT}c"


def test_the_message_of_the_issue():
    assert text_problem("a\u0001b") == "contains a control character (U+0001) at position 2"


@pytest.mark.parametrize(
    "text", ["", "plain", "tab\there", "two\nlines", "windows\r\nline", "é ü 中 🙂 \ufffd"]
)
def test_tab_newlines_and_real_characters_are_allowed(text):
    assert text_problem(text) is None and neutralised(text) == text


# --------------------------------------------------------------------------------------------
# Findings 1 and 9: API bodies (unknown fields, control characters), exports of stored text


@pytest.mark.django_db
def test_a_control_character_in_a_comment_is_refused_naming_the_field(client, open_cycle, ncp):
    """The issue's reproduction: PUT a comment "a\\u0001b", then GET the workbook."""
    response = client.put(
        _values_url(open_cycle),
        data={
            "version": _version(open_cycle),
            "values": [{"element": "DECL_TOTAL", "period": "T", "value": 5, "comment": "a\u0001b"}],
        },
        content_type="application/json",
        headers=ncp,
    )
    assert response.status_code == 422
    assert _fields(response) == {"values[0].comment": "contains a control character (U+0001) at position 2"}
    assert _stored_texts(open_cycle) == []
    workbook = client.get(f"/api/v1/cycles/{open_cycle.pk}/assessments/{MEMBER}/workbook.xlsx", headers=ncp)
    assert workbook.status_code == 200


@pytest.mark.django_db
def test_a_control_character_stored_before_does_not_break_the_workbook(client, open_cycle, ncp):
    """Old data (written before the rule, by a service) is neutralised by the export."""
    assessment = assessment_access(SYSTEM, open_cycle, MEMBER)
    values_save(
        actor=SYSTEM,
        assessment=assessment,
        version=assessment.version,
        items=[ValueInput("DECL_TOTAL", "T", 5, comment="a\u0001b")],
        path="api",
    )
    response = client.get(f"/api/v1/cycles/{open_cycle.pk}/assessments/{MEMBER}/workbook.xlsx", headers=ncp)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    texts = {c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
    assert f"a{REPLACEMENT}b" in texts


@pytest.mark.django_db
def test_an_unknown_field_is_refused_naming_it_and_nothing_is_saved(client, open_cycle, ncp):
    response = client.put(
        _values_url(open_cycle),
        data={
            "version": _version(open_cycle),
            "values": [{"element": "DECL_TOTAL", "period": "T", "value": 5, "coment": "typo"}],
        },
        content_type="application/json",
        headers=ncp,
    )
    assert response.status_code == 422
    assert list(_fields(response)) == ["values[0].coment"]
    assert _stored_texts(open_cycle) == []


@pytest.mark.django_db
def test_an_unknown_top_level_field_is_refused(client, admin):
    response = client.post(
        "/api/v1/me/tokens",
        data={"name": "ci", "expires": "never"},
        content_type="application/json",
        headers=admin,
    )
    assert response.status_code == 422 and list(_fields(response)) == ["expires"]


@pytest.mark.django_db
def test_a_list_of_texts_names_the_item(client, admin, open_cycle):
    response = client.post(
        "/api/v1/users",
        data={"username": "ok", "email": "ok@example.org", "roles": [{"role": "basic", "member": "K\x02N"}]},
        content_type="application/json",
        headers=admin,
    )
    assert response.status_code == 422
    assert _fields(response) == {"roles[0].member": "contains a control character (U+0002) at position 2"}


def _schemas_in(annotation: Any) -> set[type[BaseModel]]:
    """Every pydantic model an annotation names, however deeply (list[X], X | None, dict[str, X])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found = {annotation}
        for field in annotation.model_fields.values():
            found |= _schemas_in(field.annotation)
        return found
    return {model for arg in typing.get_args(annotation) for model in _schemas_in(arg)}


# Request bodies that are not schemas, and why their text is safe.
BODIES_WITHOUT_SCHEMA = {
    ("PUT", "/notifications/preferences"): "a map of kinds to true/false: unknown kinds are refused by "
    "the service; lone surrogates by the parser",
}


def test_every_request_body_of_the_api_refuses_unknown_fields_and_bad_text():
    """Walks every operation of the API: a new endpoint cannot forget the rule."""
    from pmm.config.api import api

    assert isinstance(api.parser, CheckedParser)  # form fields and file names; JSON's lone surrogates
    problems, bodies = [], 0
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.models:
                    if issubclass(model, FormModel):
                        continue  # checked by CheckedParser.parse_querydict
                    if not issubclass(model, BodyModel):
                        continue
                    for name, field in model.model_fields.items():
                        bodies += 1
                        where = f"{'/'.join(operation.methods)} {path} {name}"
                        schemas = _schemas_in(field.annotation)
                        if not schemas:
                            if (operation.methods[0], path) not in BODIES_WITHOUT_SCHEMA:
                                problems.append(f"{where}: not a schema")
                            continue
                        for schema in schemas:
                            if not issubclass(schema, Input):
                                problems.append(f"{where}: {schema.__name__} does not derive from Input")
                            elif schema.model_config.get("extra") != "forbid":
                                problems.append(f"{where}: {schema.__name__} accepts unknown fields")
    assert bodies > 20 and problems == []


def test_the_schema_check_covers_every_text_field():
    """Input's validator runs on each field of each subclass, nested schemas included."""

    class Inner(Input):
        note: str

    class Outer(Input):
        title: str
        tags: list[str] = []
        inner: list[Inner] = []

    with pytest.raises(Exception) as caught:
        Outer.model_validate({"title": "ok", "tags": ["a", "b\x03"], "inner": [{"note": "x\x00"}]})
    errors = {tuple(e["loc"]): e["msg"] for e in caught.value.errors()}  # type: ignore[attr-defined]
    assert errors == {
        ("tags",): "[1]: contains a control character (U+0003) at position 2",
        ("inner", 0, "note"): "contains a null character (U+0000) at position 2",
    }


# --------------------------------------------------------------------------------------------
# Finding 3: lone surrogates in JSON


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field",
    [
        ('"comment": "x\\ud800"', "values[0].comment"),
        ('"\\udc00": 1', "values[0].\ufffd"),
    ],
)
def test_a_lone_surrogate_in_json_is_refused_naming_the_field(client, open_cycle, ncp, body, field):
    raw = (
        f'{{"version": {_version(open_cycle)}, '
        f'"values": [{{"element": "DECL_TOTAL", "period": "T", "value": 5, {body}}}]}}'
    )
    response = client.put(_values_url(open_cycle), data=raw, content_type="application/json", headers=ncp)
    assert response.status_code == 422
    assert list(_fields(response)) == [field]
    assert "surrogate" in _fields(response)[field]
    assert _stored_texts(open_cycle) == []


@pytest.mark.django_db
def test_a_lone_surrogate_in_a_body_without_schema_is_refused(client, make_user, bearer):
    headers = bearer(make_user(Role.NCP, MEMBER))
    response = client.put(
        "/api/v1/notifications/preferences",
        data='{"review.assigned": true, "\\ud83d": false}',
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422 and list(_fields(response)) == ["\ufffd"]


# --------------------------------------------------------------------------------------------
# Finding 2: NUL and control characters in paths and query strings


@pytest.fixture
def refused_log(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


ANONYMOUS_URLS = [
    "/api/v1/members/K%00N",
    "/api/v1/frameworks/pmm%00",
    "/api/v1/members?search=%00",
    "/api/v1/members?search=a%01b",
    "/api/v1/members?sea%00rch=a",
]
SIGNED_IN_URLS = [
    "/api/v1/groups/x%00",
    "/api/v1/audit?actor=a%00",
    "/api/v1/cycles/{cycle}/board?group=%00",
    "/api/v1/users?search=%00",
    "/api/v1/cycles/{cycle}/assessments/KEN/history?subject=a%00",
]


def _assert_one_warning(caplog: Any) -> None:
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1 and records[0].name == "pmm.web"
    assert records[0].exc_info is None and "Traceback" not in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("url", ANONYMOUS_URLS)
def test_refused_characters_in_api_addresses_answer_400_without_a_token(client, refused_log, url):
    response = client.get(url)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_text" and _error(response)["fields"]
    _assert_one_warning(refused_log)


@pytest.mark.django_db
@pytest.mark.parametrize("url", SIGNED_IN_URLS)
def test_refused_characters_in_api_addresses_answer_400_with_a_token(
    client, admin, open_cycle, refused_log, url
):
    response = client.get(url.format(cycle=open_cycle.pk), headers=admin)
    assert response.status_code == 400 and _error(response)["code"] == "invalid_text"
    _assert_one_warning(refused_log)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/members/K%00N/", "/members/?q=%00", "/frameworks/pmm-v1%01/"])
def test_refused_characters_in_page_addresses_answer_a_plain_400_page(client, refused_log, url):
    response = client.get(url)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert b"not allowed" in response.content
    assert "Content-Security-Policy" in response  # the page keeps the site's headers
    _assert_one_warning(refused_log)


def test_the_query_fields_are_named(client):
    response = client.get("/api/v1/members?search=a%01b")
    assert _fields(response) == {"search": "contains a control character (U+0001) at position 2"}
    assert _fields(client.get("/api/v1/members/K%00N")) == {
        "path": "contains a null character (U+0000) at position 18"
    }


# --------------------------------------------------------------------------------------------
# Web forms, multipart text fields, command-line arguments, CSV lines, workbook cells


@pytest.mark.django_db
def test_a_web_form_with_a_control_character_is_refused(client, make_user, open_cycle, refused_log):
    """A form of the project shows the error next to its field (tests/test_form_hygiene.py); a view
    that reads the post itself answers the plain 400 page."""
    login = client.post("/accounts/login/", {"username": "a\x01b", "password": "x"})
    assert login.status_code == 200 and login.context["form"].errors["username"]
    client.force_login(make_user(Role.SECRETARIAT_ADMIN))
    response = client.post(f"/cycles/{open_cycle.pk}/publications/publish/", {"note": "a\x01b"})
    assert response.status_code == 400 and b"note" in response.content
    _assert_one_warning(refused_log)


@pytest.mark.django_db
def test_a_multipart_text_field_is_checked(client, open_cycle, ncp):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/api/v1/cycles/{open_cycle.pk}/assessments/{MEMBER}/evidence",
        {
            "file": SimpleUploadedFile("note.txt", b"words", content_type="text/plain"),
            "description": "a\x07b",
        },
        headers=ncp,
    )
    assert response.status_code == 422
    assert _fields(response) == {"description": "contains a control character (U+0007) at position 2"}


@pytest.mark.django_db
def test_command_line_text_arguments_are_checked():
    result = CliRunner().invoke(
        app, ["user", "create", "--username", "a\x01b", "--email", "a@example.org", "--role", "basic"]
    )
    assert result.exit_code == 1
    assert "username contains a control character (U+0001) at position 2" in result.output


def _members_csv(transform: Any = None) -> str:
    text = settings.PMM_DEFAULT_MEMBERS_FILE.read_text()
    return transform(text) if transform else text


@pytest.mark.django_db
def test_a_members_csv_with_bare_carriage_returns_loads_by_api_and_command_line_alike(
    client, admin, tmp_path
):
    """Finding 6: the API answered 500 where the command line read the file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = _members_csv(lambda t: t.replace("\n", "\r"))
    upload = SimpleUploadedFile("members.csv", text.encode(), content_type="text/csv")
    response = client.post("/api/v1/members/load", {"file": upload}, headers=admin)
    assert response.status_code == 200
    assert response.json()["unchanged"] == Member.objects.count()
    path = tmp_path / "members.csv"
    path.write_bytes(text.encode())
    result = CliRunner().invoke(app, ["members", "load", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.django_db
@pytest.mark.parametrize("char", ["\x00", "\x01"])
def test_a_members_csv_with_a_control_character_names_the_line_and_column(client, admin, char):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = _members_csv(lambda t: t.replace("ALB,AL,Albania,", f"ALB,AL,Alb{char}ania,"))
    upload = SimpleUploadedFile("members.csv", text.encode(), content_type="text/csv")
    response = client.post("/api/v1/members/load", {"file": upload}, headers=admin)
    assert response.status_code == 400
    assert _fields(response) == {"line 3, name": text_problem(f"Alb{char}ania")}
    assert "position 4" in text_problem(f"Alb{char}ania")  # type: ignore[operator]
    assert Member.objects.get(iso3="ALB").sort_name == "Albania"


@pytest.mark.django_db
def test_a_workbook_cell_with_a_control_character_names_the_sheet_and_cell(open_cycle, monkeypatch):
    """No XML file can hold such a character today; should a reader ever let one through, the import
    names the cell instead of storing it."""
    from pmm.assessments.workbook import importer, workbook_export, workbook_import
    from pmm.assessments.workbook import layout as L
    from pmm.cycles.selectors import cycle_spec

    data = workbook_export(assessment_access(SYSTEM, open_cycle, MEMBER), "en", SYSTEM)
    sheet, row = L.layout_of(cycle_spec(open_cycle)).home["DECL_ELECTRONIC"]
    ref = f"{L.TEXT['T']}{row}"
    real_load = importer.load_workbook

    def load_with_a_control_character(*args: Any, **kwargs: Any) -> Any:
        book = real_load(*args, **kwargs)
        book[sheet][ref]._value = "from the\x01system"  # openpyxl refuses it through .value
        return book

    monkeypatch.setattr(importer, "load_workbook", load_with_a_control_character)
    with pytest.raises(ApplicationError) as caught:
        workbook_import(
            assessment=assessment_access(SYSTEM, open_cycle, MEMBER),
            data=data,
            filename="ken.xlsx",
            actor=SYSTEM,
        )
    problems = {p.field: p.message for p in caught.value.problems}
    assert problems == {f"Sheet {sheet}, cell {ref}": "contains a control character (U+0001) at position 9"}


# --------------------------------------------------------------------------------------------
# Finding 8: malformed requests answer in the API's JSON shape


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_multipart_without_boundary_answers_json(client, admin, debug):
    with override_settings(DEBUG=debug):
        response = client.generic(
            "POST", "/api/v1/members/load", b"--x\r\n", content_type="multipart/form-data", headers=admin
        )
    assert response.status_code == 400 and _error(response)["code"] == "bad_multipart"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_body_over_the_limit_answers_413_json(client, open_cycle, ncp, debug):
    body = {"version": 1, "values": [{"element": "DECL_TOTAL", "period": "T", "comment": "x" * 500}]}
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=200, DEBUG=debug):
        response = client.put(
            _values_url(open_cycle), data=body, content_type="application/json", headers=ncp
        )
    assert response.status_code == 413 and _error(response)["code"] == "too_large"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_json_sent_as_another_type_answers_415_json(client, open_cycle, ncp, content_type):
    raw = f'{{"version": {_version(open_cycle)}, "values": []}}'
    response = client.put(_values_url(open_cycle), data=raw, content_type=content_type, headers=ncp)
    assert response.status_code == 415 and _error(response)["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_json_with_a_charset_and_vendor_json_types_are_read(client, open_cycle, ncp):
    for content_type in ["application/json; charset=utf-8", "application/merge-patch+json"]:
        raw = f'{{"version": {_version(open_cycle)}, "values": []}}'
        response = client.put(_values_url(open_cycle), data=raw, content_type=content_type, headers=ncp)
        assert response.status_code == 200, response.content


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _database_down(tmp_path: Any) -> Iterator[Any]:
    """The default connection swapped, for a while, for one whose database cannot be reached: a
    closed port for PostgreSQL, a file in a missing directory for SQLite."""
    real = connections["default"]
    broken_settings = copy.deepcopy(real.settings_dict)
    if real.vendor == "sqlite":
        broken_settings["NAME"] = str(tmp_path / "missing" / "pmm.sqlite3")
    else:
        broken_settings.update(HOST="127.0.0.1", PORT=str(_closed_port()))
        broken_settings["OPTIONS"] = {**broken_settings.get("OPTIONS", {}), "connect_timeout": 2}
    broken = type(real)(broken_settings, alias="default")
    connections["default"] = broken
    try:
        yield broken
    finally:
        connections["default"] = real


def _assert_outage(response: Any, json: bool, caplog: Any) -> None:
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    if json:
        assert _error(response)["code"] == "unavailable"
    else:
        assert response["Content-Type"].startswith("text/html") and b"database" in response.content
    _assert_one_warning(caplog)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url,json", [("/api/v1/members", True), ("/api/v1/members/KEN", True), ("/members/", False)]
)
def test_a_database_outage_answers_503_with_retry_after(client, tmp_path, refused_log, url, json):
    with _database_down(tmp_path) as broken:
        response = client.get(url)
        assert broken.connection is None  # a real failure to connect
    _assert_outage(response, json, refused_log)


@pytest.mark.django_db
@pytest.mark.parametrize("url,json", [("/members/", False), ("/api/v1/me", True)])
def test_a_database_outage_answers_503_to_a_signed_in_browser(
    client, make_user, tmp_path, refused_log, url, json
):
    """The session is read before any view: the middleware opens the connection first."""
    client.force_login(make_user(Role.NCP, MEMBER))
    with _database_down(tmp_path):
        response = client.get(url)
    _assert_outage(response, json, refused_log)
