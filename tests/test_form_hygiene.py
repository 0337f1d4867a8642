"""Input hygiene on web pages (issue 13): a posted text holding a character the platform refuses
(`pmm.core.text`) gets an error next to its field and the page shows again with what was typed,
like any other validation error; nothing is stored. Every form class of the project keeps the rule
(`pmm.core.forms.TextRuleMixin`); the few views that read request.POST themselves refuse such a
post with the plain 400 page (`pmm.web.middleware.refuse_bad_posted_text`)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import textwrap
from typing import Any

import pytest
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver

import pmm
from conftest import PASSWORD
from pmm.accounts.models import Invitation, LoginFailure
from pmm.assessments.models import Assessment, DataValue, KpiResponse, WarningJustification
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, assessment_start, values_save
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.core.forms import CheckedForm, TextRuleMixin
from pmm.core.text import text_problem
from pmm.results.models import Publication
from pmm.reviews.models import ReviewQuery

BAD = {
    "a\x01b": "contains a control character (U+0001) at position 2",
    "a\x00b": "contains a null character (U+0000) at position 2",
}
HX = {"HX-Request": "true"}


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --------------------------------------------------------------------------------------------
# The mechanism


def _url_patterns() -> list[URLPattern]:
    found, pending = [], list(get_resolver().url_patterns)
    while pending:
        entry = pending.pop()
        if isinstance(entry, URLResolver):
            pending += entry.url_patterns
        elif isinstance(entry, URLPattern):
            found.append(entry)
    return found


def _project_form_classes() -> set[type[forms.BaseForm]]:
    """Every form class defined in pmm, after importing every module that may define one."""
    get_resolver().url_patterns  # noqa: B018 - imports every view module (and the forms they use)
    for module in pkgutil.walk_packages(pmm.__path__, "pmm."):
        if re.search(r"forms?\b|views?\b", module.name) and ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: set[type[forms.BaseForm]] = set()
    pending: list[type[forms.BaseForm]] = [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("pmm."):
                found.add(subclass)
    return found


def test_every_form_class_of_the_project_keeps_the_character_rule():
    """A new form cannot forget it: derive from pmm.core.forms.CheckedForm (or mix TextRuleMixin in)."""
    classes = _project_form_classes()
    assert len(classes) > 20  # the walk reaches the forms
    forgotten = sorted(
        f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, TextRuleMixin)
    )
    assert forgotten == []


def test_the_class_based_views_use_forms_that_keep_the_rule():
    """Django's own views (sign-in, password) take the project's forms, not Django's."""
    classes = {
        pattern.callback.view_class
        for pattern in _url_patterns()
        if hasattr(pattern.callback, "view_class") and pattern.callback.__module__.startswith("pmm.")
    }
    forms_of = {cls.__name__: getattr(cls, "form_class", None) for cls in classes}
    assert {name for name, form in forms_of.items() if form is not None} >= {
        "LoginView",
        "PasswordSetView",
        "PasswordChangeView",
    }
    assert [name for name, form in forms_of.items() if form and not issubclass(form, TextRuleMixin)] == []


class _Sample(CheckedForm):
    title = forms.CharField()
    note = forms.CharField(required=False)
    tags = forms.MultipleChoiceField(choices=[("a", "a"), ("b\x02", "b")], required=False)
    fixed = forms.CharField(disabled=True, required=False)

    def clean_title(self) -> str:
        raise AssertionError("a refused text must not reach clean_<field>()")

    def clean(self) -> dict[str, Any]:
        assert "title" not in self.cleaned_data  # nor clean()
        return super().clean()


@pytest.mark.parametrize("bad", BAD)
def test_a_refused_text_is_an_error_on_its_field_and_goes_no_further(bad):
    form = _Sample({"title": bad, "note": "fine\ttext\r\n", "tags": ["b\x02"]}, initial={"fixed": "x\x03"})
    assert not form.is_valid()
    assert form.errors == {
        "title": [f"This text {BAD[bad]}."],
        "tags": ["This text contains a control character (U+0002) at position 2."],
    }
    assert form.cleaned_data == {"note": "fine\ttext", "fixed": "x\x03"}  # disabled: the initial value
    assert f'value="{bad}"' in str(form["title"])  # shown again as typed


# --------------------------------------------------------------------------------------------
# The data entry page (not a Django form): full post and htmx autosaves


def _url(cycle: Any, rest: str = "") -> str:
    return f"/cycles/{cycle.pk}/assessments/KEN/{rest}"


def _version(cycle: Any) -> int:
    return int(Assessment.objects.get(cycle=cycle, member__iso3="KEN").version)


@pytest.fixture
def entry(client, make_user, open_cycle):
    assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, open_cycle, "KEN"))
    client.force_login(make_user(Role.NCP, "KEN"))
    return open_cycle


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_the_entry_page_shows_the_error_next_to_the_value_and_keeps_the_rest(client, entry, bad):
    version = _version(entry)
    response = client.post(
        _url(entry, "D1/"),
        {
            "version": version,
            "DECL_TOTAL__T__value": "5",
            "DECL_TOTAL__T__comment": bad,
            "DECL_ELECTRONIC__T__value": "4",
        },
    )
    assert response.status_code == 200
    body = _text(response)
    assert 'id="f-DECL_TOTAL-T-error"' in body and f"Comment: This text {BAD[bad]}." in body
    assert "1 entry could not be saved; your other changes were saved:" in body
    stored = {v.element.code: v for v in DataValue.objects.unrestricted().select_related("element")}
    assert "DECL_TOTAL" not in stored and stored["DECL_ELECTRONIC"].value == 4  # the rest is saved
    assert f"{bad}</textarea>" in response.content.decode()  # the comment shown as typed


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_the_row_autosave_shows_the_error_and_stores_nothing(client, entry, bad):
    version = _version(entry)
    response = client.post(
        _url(entry, "D1/rows/DECL_TOTAL/"),
        {"version": version, "DECL_TOTAL__T__value": "5", "DECL_TOTAL__T__comment": bad},
        headers=HX,
    )
    assert response.status_code == 200
    body = _text(response)
    assert "Not saved" in body and 'id="f-DECL_TOTAL-T-error"' in body and BAD[bad] in body
    assert not DataValue.objects.unrestricted().exists()
    assert _version(entry) == version


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_a_kpi_justification_shows_the_error_and_stores_nothing(client, entry, bad):
    response = client.post(
        _url(entry, "D1/kpis/D1.O1.K1/"),
        {"version": _version(entry), "kpi__D1.O1.K1__na": "1", "kpi__D1.O1.K1__justification": bad},
        headers=HX,
    )
    assert response.status_code == 200
    assert f"Why does it not apply?: This text {BAD[bad]}." in _text(response)
    assert not KpiResponse.objects.unrestricted().exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_the_explanation_of_a_warning_shows_the_error_and_stores_nothing(client, entry, bad):
    assessment = assessment_access(SYSTEM, entry, "KEN")
    items = [ValueInput("AEO_COUNT", "T", 300), ValueInput("AEO_COUNT", "T-1", 100)]
    values_save(actor=SYSTEM, assessment=assessment, version=assessment.version, items=items, path="api")
    response = client.post(
        _url(entry, "D1/rows/AEO_COUNT/"),
        {"version": _version(entry), "just__jump:AEO_COUNT": bad},
        headers=HX,
    )
    assert response.status_code == 200
    assert f"Explain this warning: This text {BAD[bad]}." in _text(response)
    assert f">{bad}</textarea>" in response.content.decode()  # the explanation kept as typed
    assert not WarningJustification.objects.unrestricted().exists()


# --------------------------------------------------------------------------------------------
# Django forms: a review query, the invitation form, the sign-in form


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_a_review_query_with_a_refused_character_is_not_raised(client, started, bad):
    client.force_login(started.lead)
    url = f"/cycles/{started.assessment.cycle_id}/assessments/KEN/review/"
    response = client.post(
        url + "queries/", {"raise-kpi": "D1.O1.K1", "raise-text": f"Too low{bad}?"}, follow=True
    )
    assert response.status_code == 200
    assert "Nothing was saved." in _text(response)
    assert f"This text {text_problem(f'Too low{bad}?')}." in _text(response)
    assert not ReviewQuery.objects.unrestricted().exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_the_invitation_form_shows_the_error_next_to_the_field(client, make_user, bad):
    client.force_login(make_user(Role.NCP, "KEN"))
    response = client.post("/contributors/", {"email": "wanjiru@example.org", "first_name": bad})
    assert response.status_code == 200
    assert f"This text {BAD[bad]}." in _text(response)
    assert 'name="email" value="wanjiru@example.org"' in _text(response)  # what was typed stays
    assert not Invitation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_the_sign_in_form_shows_the_error_next_to_the_field(client, make_user, bad):
    make_user(Role.NCP, "KEN", username="wanjiru")
    response = client.post("/accounts/login/", {"username": f"wanj{bad}", "password": "x"})
    assert response.status_code == 200
    # The sign-in page's usual error display: one message that never says which field was wrong.
    assert "The username or password is not right." in _text(response)
    assert response.context["form"].errors["username"] == [f"This text {text_problem(f'wanj{bad}')}."]
    assert not LoginFailure.objects.exists()  # no lookup, no failure counted
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_a_new_password_with_a_refused_character_is_not_set(client, make_user, bad):
    user = make_user(Role.NCP, "KEN")
    client.force_login(user)
    new = f"a-much-longer-secret-{bad}"
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert f"This text {text_problem(new)}." in _text(response)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --------------------------------------------------------------------------------------------
# Views that read request.POST themselves


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
def test_a_view_reading_the_post_itself_answers_the_plain_400_page(client, make_user, open_cycle, bad):
    client.force_login(make_user(Role.SECRETARIAT_ADMIN))
    response = client.post(f"/cycles/{open_cycle.pk}/publications/publish/", {"note": f"first{bad}"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert b"not allowed" in response.content and b"note" in response.content
    assert not Publication.objects.exists()


# Views that read request.POST themselves without `refuse_bad_posted_text`, and why that is safe.
RAW_POST_READERS = {
    "pmm.accounts.views.two_factor_view": "compares `action` with fixed names; `next` is checked "
    "by url_has_allowed_host_and_scheme and quoted by the redirect",
    "pmm.accounts.views.user_detail": "only tests `active` against '1'; the text goes through RolesForm",
    "pmm.assessments.views.entry.dimension_edit": "checked field by field (assessments.views.text_rule)",
    "pmm.assessments.views.entry.row_save": "checked field by field (assessments.views.text_rule)",
    "pmm.assessments.views.entry.kpi_save": "checked field by field (assessments.views.text_rule)",
    "pmm.cycles.views.cycle_status": "compares `action` with fixed names; the text goes through StatusForm",
    "pmm.evidence.views.evidence_list_view": "`next` is checked by url_has_allowed_host_and_scheme "
    "and quoted by the redirect; the text goes through UploadForm",
    "pmm.notifications.views.notification_read": "only tests `unread` against '1'",
    "pmm.notifications.views.notification_read_all": "only tests `unread` against '1'",
    "pmm.reviews.views.review.review_decide": "compares `action` with fixed names; the text: MoveForm",
    "pmm.reviews.views.review.review_assign": "hands a copy of the post to AssignForm",
    "pmm.targets.views.member_targets": "`cycle` must be digits (_cycle_of) before any use",
}

# Reading request.POST other than by handing it whole to a form.
_RAW_READ = re.compile(
    r"request\.POST(?:\.get|\.getlist|\[|\.copy|\.items|\.lists|\.dict)|\w+\(request\.POST"
)
_FORM_CALL = re.compile(r"(?:Form|_form)\(request\.POST")


def _view_functions() -> dict[str, Any]:
    """The function views of the project, by dotted name (class-based views: see above)."""
    views: dict[str, Any] = {}
    for pattern in _url_patterns():
        view = pattern.callback
        if view.__module__.startswith("pmm.") and not hasattr(view, "view_class"):
            views[f"{inspect.unwrap(view).__module__}.{inspect.unwrap(view).__qualname__}"] = view
    return views


def _helpers_reading_post(module: Any) -> set[str]:
    """The module's functions that read request.POST themselves (views and helpers alike)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(module)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            source = ast.get_source_segment(inspect.getsource(module), node) or ""
            if _RAW_READ.search(_FORM_CALL.sub("", source)):
                names.add(node.name)
    return names


def _calls(function: Any, names: set[str]) -> bool:
    source = inspect.getsource(inspect.unwrap(function))
    return any(re.search(rf"\b{re.escape(name)}\(", source) for name in names)


def test_every_view_reading_the_post_itself_refuses_bad_text():
    """A view that reads request.POST (itself or through a helper of its module) rather than through
    a form of the project must refuse refused characters before it runs, or be reviewed above."""
    unchecked, reviewed = [], set()
    for name, view in _view_functions().items():
        module = importlib.import_module(inspect.unwrap(view).__module__)
        readers = _helpers_reading_post(module)
        if not _calls(view, readers) and inspect.unwrap(view).__name__ not in readers:
            continue
        if _marked(view):
            continue
        if name not in RAW_POST_READERS:
            unchecked.append(name)
        reviewed.add(name)
    assert unchecked == []
    assert set(RAW_POST_READERS) <= reviewed  # no entry outlives its view


def _marked(view: Any) -> bool:
    """Whether `refuse_bad_posted_text` is among the view's decorators."""
    while view is not None:
        if getattr(view, "refuses_bad_posted_text", False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False
