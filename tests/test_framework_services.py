"""Loading and status changes of frameworks (`pmm.framework.services`), against the test database.

The session database already holds the shipped `pmm-v1`; the frameworks made here use the code
`test-fw`, built from the small valid document of test_framework_loader.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from pmm.accounts.models import User
from pmm.audit.models import AuditEvent
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError, PermissionDenied
from pmm.framework import formula as fx
from pmm.framework.loader import FrameworkFileError, document_to_yaml, framework_parse
from pmm.framework.models import DataElement, Framework, FrameworkStatus, Kpi
from pmm.framework.selectors import framework_get, framework_tree
from pmm.framework.services import (
    FrameworkLoadResult,
    framework_change_status,
    framework_load,
)
from pmm.framework.workflow import STATUS_TRANSITIONS
from test_framework_loader import dump, valid_document

pytestmark = pytest.mark.django_db

CODE = "test-fw"


def document(version: str = "1.0", status: str = "draft") -> dict[str, Any]:
    doc = valid_document()
    doc["framework"].update(code=CODE, version=version, status=status)
    return doc


def load(doc: dict[str, Any], actor: Any = SYSTEM) -> FrameworkLoadResult:
    return framework_load(actor=actor, text=dump(doc), reason="test")


def counts() -> tuple[int, int, int, int]:
    return (
        Framework.objects.count(),
        Kpi.objects.count(),
        DataElement.objects.count(),
        AuditEvent.objects.unrestricted().count(),
    )


def events(verb: str, framework: Framework) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.unrestricted().filter(
            verb=verb, target_type="framework.framework", target_id=str(framework.pk)
        )
    )


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("secretariat_admin")


# --------------------------------------------------------------------------------------------
# loading


def test_malformed_file_stores_nothing(admin: User) -> None:
    doc = document()
    doc["dimensions"][0]["outcomes"][0]["kpis"][0]["formula"] = "pct(DECL_ELECTRONIC, DECL_TOTL)"
    before = counts()
    with pytest.raises(FrameworkFileError) as caught:
        load(doc, admin)
    assert any("DECL_TOTL" in p.message for p in caught.value.problems)
    assert counts() == before
    assert not Framework.objects.filter(code=CODE).exists()


def test_malformed_replacement_of_a_draft_leaves_the_draft_intact() -> None:
    original = load(document()).framework
    doc = document()
    doc["units"][0]["code"] = "pct"  # every KPI's unit becomes unknown
    before = counts()
    with pytest.raises(FrameworkFileError):
        load(doc)
    assert counts() == before
    original.refresh_from_db()
    assert original.fingerprint == framework_parse(dump(document())).fingerprint


def test_loading_the_shipped_file_again_is_unchanged() -> None:
    text = settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text(encoding="utf-8")
    shipped = Framework.objects.get(code="pmm-v1")
    before = counts()
    result = framework_load(actor=SYSTEM, text=text)
    assert result.outcome == "unchanged"
    assert result.framework.pk == shipped.pk
    assert result.framework.status == FrameworkStatus.ACTIVE
    assert counts() == before


def test_new_draft_version_is_created_and_audited(admin: User) -> None:
    before_frameworks = Framework.objects.count()
    result = load(document(), admin)
    framework = result.framework
    assert result.outcome == "created"
    assert (framework.code, framework.version, framework.status) == (CODE, "1.0", "draft")
    assert framework.loaded_by == admin
    assert framework.fingerprint == framework_parse(dump(document())).fingerprint
    assert Framework.objects.count() == before_frameworks + 1
    assert Kpi.objects.filter(outcome__dimension__framework=framework).count() == 6
    assert framework.data_elements.count() == 10
    (event,) = events("framework.loaded", framework)
    assert event.actor == admin
    assert event.before is None
    assert event.after == {"fingerprint": framework.fingerprint, "status": "draft"}
    assert "6 KPIs" in result.summary()
    # the shipped framework is untouched by a different code
    assert Framework.objects.get(code="pmm-v1").status == FrameworkStatus.ACTIVE


def test_same_draft_again_is_unchanged() -> None:
    load(document())
    before = counts()
    assert load(document()).outcome == "unchanged"
    assert counts() == before


def test_changed_draft_of_the_same_version_is_replaced() -> None:
    first = load(document()).framework
    old_fingerprint = first.fingerprint
    changed = document()
    changed["dimensions"][0]["outcomes"][0]["kpis"].pop()  # drop the ordinal KPI
    changed["dimensions"][0]["name"]["en"] = "Trade facilitation (revised)"
    result = load(changed)
    framework = result.framework
    assert result.outcome == "replaced"
    assert framework.pk == first.pk
    assert Framework.objects.filter(code=CODE).count() == 1
    assert framework.fingerprint != old_fingerprint
    assert framework.fingerprint == framework_parse(dump(changed)).fingerprint
    kpis = Kpi.objects.filter(outcome__dimension__framework=framework)
    assert sorted(kpis.values_list("code", flat=True)) == [f"D1.O1.K{n}" for n in range(1, 6)]
    assert framework.dimensions.get().name["en"] == "Trade facilitation (revised)"
    (event,) = events("framework.replaced", framework)
    assert event.before == {"fingerprint": old_fingerprint, "status": "draft"}
    assert event.after == {"fingerprint": framework.fingerprint, "status": "draft"}


def test_changed_file_for_an_active_version_is_refused() -> None:
    active = load(document(status="active")).framework
    assert active.status == FrameworkStatus.ACTIVE
    changed = document(status="active")
    changed["dimensions"][0]["name"]["en"] = "Something else"
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        load(changed)
    assert caught.value.code == "framework_locked"
    assert any(p.field == "framework.version" for p in caught.value.problems)
    assert counts() == before
    active.refresh_from_db()
    assert active.fingerprint == framework_parse(dump(document())).fingerprint
    assert active.dimensions.get().name["en"] != "Something else"


def test_changed_file_for_a_retired_version_is_refused() -> None:
    old = load(document("1.0", status="active")).framework
    load(document("2.0", status="active"))
    old.refresh_from_db()
    assert old.status == FrameworkStatus.RETIRED
    changed = document("1.0", status="retired")
    changed["framework"]["title"]["en"] = "Changed"
    with pytest.raises(ApplicationError) as caught:
        load(changed)
    assert caught.value.code == "framework_locked"


# --------------------------------------------------------------------------------------------
# status changes


def test_activating_a_draft_retires_the_previous_active_version(admin: User) -> None:
    v1 = load(document("1.0", status="active"), admin).framework
    v2 = load(document("2.0"), admin).framework
    assert v2.status == FrameworkStatus.DRAFT
    v1.refresh_from_db()
    assert v1.status == FrameworkStatus.ACTIVE  # loading a draft retires nothing

    framework_change_status(actor=admin, framework=v2, action="activate", reason="new cycle")

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v2.status == FrameworkStatus.ACTIVE
    assert v2.document["framework"]["status"] == "active"
    assert v1.status == FrameworkStatus.RETIRED
    (activated,) = events("framework.activated", v2)
    assert activated.before == {"status": "draft"}
    assert activated.after == {"status": "active"}
    assert activated.reason == "new cycle"
    (retired,) = events("framework.retired", v1)
    assert retired.before == {"status": "active"}
    assert retired.after == {"status": "retired"}
    assert "2.0" in retired.reason
    assert framework_get(CODE).pk == v2.pk
    # other codes are not touched
    assert Framework.objects.get(code="pmm-v1").status == FrameworkStatus.ACTIVE


def test_loading_an_active_version_retires_the_previous_active_version() -> None:
    v1 = load(document("1.0", status="active")).framework
    v2 = load(document("2.0", status="active")).framework
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (FrameworkStatus.RETIRED, FrameworkStatus.ACTIVE)
    assert len(events("framework.retired", v1)) == 1


def test_status_change_keeps_the_fingerprint_and_reload_is_unchanged() -> None:
    framework = load(document()).framework
    fingerprint = framework.fingerprint
    framework_change_status(actor=SYSTEM, framework=framework, action="activate")
    framework.refresh_from_db()
    assert framework.fingerprint == fingerprint
    # the draft file again: same content, so nothing to do, even though the version is now active
    before = counts()
    assert load(document()).outcome == "unchanged"
    assert counts() == before


def test_retired_version_can_be_reactivated() -> None:
    v1 = load(document("1.0", status="active")).framework
    v2 = load(document("2.0", status="active")).framework
    v1.refresh_from_db()
    framework_change_status(actor=SYSTEM, framework=v1, action="activate")
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (FrameworkStatus.ACTIVE, FrameworkStatus.RETIRED)


@pytest.mark.parametrize(
    ("status", "action"),
    [("draft", "retire"), ("active", "activate"), ("retired", "retire"), ("draft", "publish")],
)
def test_illegal_transition_is_refused(status: str, action: str) -> None:
    framework = load(document(status="active" if status == "retired" else status)).framework
    if status == "retired":
        framework_change_status(actor=SYSTEM, framework=framework, action="retire")
    assert (FrameworkStatus(status), action) not in STATUS_TRANSITIONS
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        framework_change_status(actor=SYSTEM, framework=framework, action=action)
    assert caught.value.code == "illegal_transition"
    assert counts() == before
    framework.refresh_from_db()
    assert framework.status == status


# --------------------------------------------------------------------------------------------
# permissions


def test_ncp_cannot_load_a_framework(make_user: Callable[..., User]) -> None:
    ncp = make_user("ncp", "KEN")
    before = counts()
    with pytest.raises(PermissionDenied):
        load(document(), ncp)
    assert counts() == before


@pytest.mark.parametrize("role", [None, "secretariat_analyst"])
def test_other_users_cannot_load_a_framework(make_user: Callable[..., User], role: str | None) -> None:
    with pytest.raises(PermissionDenied):
        load(document(), make_user(role))


def test_permission_is_checked_before_the_file(make_user: Callable[..., User]) -> None:
    with pytest.raises(PermissionDenied):
        framework_load(actor=make_user("ncp", "KEN"), text="not: [valid")


def test_ncp_cannot_change_a_status(make_user: Callable[..., User]) -> None:
    framework = load(document()).framework
    with pytest.raises(PermissionDenied):
        framework_change_status(actor=make_user("ncp", "KEN"), framework=framework, action="activate")
    framework.refresh_from_db()
    assert framework.status == FrameworkStatus.DRAFT


# --------------------------------------------------------------------------------------------
# export and stored catalogue


def test_export_of_the_shipped_framework_reparses_to_the_same_fingerprint() -> None:
    framework = Framework.objects.get(code="pmm-v1")
    again = framework_parse(document_to_yaml(framework.document))
    assert again.fingerprint == framework.fingerprint
    assert again.code == "pmm-v1"


def test_export_after_activation_reparses_to_the_same_fingerprint() -> None:
    framework = load(document()).framework
    framework_change_status(actor=SYSTEM, framework=framework, action="activate")
    framework.refresh_from_db()
    exported = document_to_yaml(framework.document)
    again = framework_parse(exported)
    assert again.fingerprint == framework.fingerprint
    assert again.document["framework"]["status"] == "active"
    # export -> load gives the same stored framework
    before = counts()
    assert framework_load(actor=SYSTEM, text=exported).outcome == "unchanged"
    assert counts() == before


def _referenced_elements(formula: dict[str, str]) -> set[str]:
    return {ref.element for text in formula.values() for ref in fx.references(fx.parse(text))}


@pytest.mark.parametrize("code", ["pmm-v1", CODE])
def test_kpi_data_elements_are_the_elements_of_its_formulas(code: str) -> None:
    framework = framework_get("pmm-v1") if code == "pmm-v1" else load(document()).framework
    kpis = [
        kpi
        for dimension in framework_tree(framework)
        for o in dimension.outcomes.all()
        for kpi in o.kpis.all()
    ]
    assert len(kpis) == (51 if code == "pmm-v1" else 6)
    for kpi in kpis:
        linked = {element.code for element in kpi.data_elements.all()}
        assert linked, kpi.code
        assert linked == _referenced_elements(kpi.formula), kpi.code
        assert all(e.framework_id == framework.pk for e in kpi.data_elements.all())


def test_stored_test_framework_matches_the_file() -> None:
    framework = load(document()).framework
    split = Kpi.objects.get(outcome__dimension__framework=framework, code="D1.O1.K3")
    assert split.formula == {
        "import": "pct(DECL_IMPORT, DECL_TOTAL)",
        "export": "pct(DECL_EXPORT, DECL_TOTAL)",
    }
    variation = Kpi.objects.get(outcome__dimension__framework=framework, code="D1.O1.K2")
    assert variation.formula == {"value": "var(AEO_COUNT)"}
    # provenance is inherited from the framework when a KPI has none
    assert variation.provenance == framework.provenance
    assert Kpi.objects.get(outcome__dimension__framework=framework, code="D1.O1.K1").is_official
    aeo = framework.data_elements.get(code="AEO_COUNT")
    assert aeo.periods == ["T", "T-1"]
    assert (aeo.min_value, aeo.max_value) == (0, 100000)
    assert framework.data_elements.get(code="REVENUE").currency == "USD"
    assert framework.data_elements.get(code="DECL_PAPER").is_derived
    assert framework.consistency_rules.get().expression == "DECL_ELECTRONIC <= DECL_TOTAL"
    outcome = framework.dimensions.get().outcomes.get()
    assert list(outcome.instruments.values_list("code", flat=True)) == ["RKC-GA-7"]
    assert list(outcome.sdg_targets.values_list("code", flat=True)) == ["17.8"]


def test_unquoted_sdg_reference_is_a_file_error_not_a_crash() -> None:
    doc = document()
    doc["dimensions"][0]["outcomes"][0]["sdg_targets"] = [17.8]
    before = counts()
    with pytest.raises(FrameworkFileError):
        load(doc)
    assert counts() == before
