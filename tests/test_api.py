from __future__ import annotations

import json

import pytest

from pmm.accounts.models import ApiToken
from pmm.audit.models import AuditEvent


@pytest.mark.django_db
def test_framework_tree_has_the_whole_pmm_v1(client):
    response = client.get("/api/v1/frameworks/pmm-v1")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"dimensions": 4, "outcomes": 23, "kpis": 51, "data_elements": 77}
    kpis = [k for d in body["dimensions"] for o in d["outcomes"] for k in o["kpis"]]
    assert len(kpis) == 51
    assert {k["provenance"]["status"] for k in kpis} == {"official", "reconstructed"}
    assert all(k["provenance"]["source"] for k in kpis)
    assert all(k["provenance"]["official"] == (k["provenance"]["status"] == "official") for k in kpis)
    rate = next(k for k in kpis if k["code"] == "D1.O1.K1")
    assert rate["name"]["fr"] == "Taux de déclarations électroniques"
    assert rate["formula"] == {"value": "pct(DECL_ELECTRONIC, DECL_TOTAL)"}
    assert rate["data_elements"] == ["DECL_TOTAL", "DECL_ELECTRONIC"]
    assert rate["provenance"]["official"] is True
    assert rate["instruments"] and rate["sdg_targets"]
    split = next(k for k in kpis if k["kind"] == "split_shares")
    assert len(split["formula"]) >= 2
    variation = next(k for k in kpis if k["kind"] == "variation")
    assert "var(" in variation["formula"]["value"] or "@T-1" in variation["formula"]["value"]
    assert body["consistency_rules"]


@pytest.mark.django_db
def test_members_list_has_all_187_members_with_their_groups(client):
    response = client.get("/api/v1/members")
    members = response.json()
    assert len(members) == 187
    kenya = next(m for m in members if m["iso3"] == "KEN")
    kinds = {g["kind"]: g["code"] for g in kenya["groups"]}
    assert kinds["wco_region"] == "region-east-southern-africa"
    assert kinds["income_group"] == "income-lower-middle"
    assert kinds["geography"] == "geo-coastal"
    assert "union-eac" in {g["code"] for g in kenya["groups"]}
    assert all(any(g["kind"] == "wco_region" for g in m["groups"]) for m in members)
    assert all(any(g["kind"] == "income_group" for g in m["groups"]) for m in members)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query,expected",
    [
        ("union=union-eu", 27),
        ("region=region-west-central-africa", 24),
        ("geography=geo-landlocked", 42),
        ("union=union-eu&geography=geo-landlocked", 5),
        ("search=kenya", 1),
    ],
)
def test_members_filters(client, query, expected):
    assert len(client.get(f"/api/v1/members?{query}").json()) == expected


@pytest.mark.django_db
def test_groups_list_by_kind(client):
    regions = client.get("/api/v1/groups?kind=wco_region").json()
    assert len(regions) == 6
    assert sum(len(g["members"]) for g in regions) == 187


@pytest.mark.django_db
def test_unknown_things_answer_404_in_the_error_shape(client):
    for path in ("/api/v1/frameworks/nope", "/api/v1/members/XXX", "/api/v1/groups/nope"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_validation_errors_name_each_bad_field(client, make_user, bearer):
    headers = bearer(make_user("secretariat_admin"))
    response = client.post(
        "/api/v1/users",
        data={"username": "x y", "email": "nope", "roles": [{"role": "king"}]},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert {"username", "email", "roles"} <= fields
    missing = client.post(
        "/api/v1/users", data={"email": "a@example.org"}, content_type="application/json", headers=headers
    )
    assert missing.status_code == 422
    body = missing.json()["error"]
    assert body["code"] == "invalid"
    assert {"username", "roles"} <= {f["field"] for f in body["fields"]}


@pytest.mark.django_db
def test_malformed_json_gets_a_clear_error(client, make_user, bearer):
    headers = bearer(make_user("secretariat_admin"))
    response = client.post(
        "/api/v1/users", data="{not json", content_type="application/json", headers=headers
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json()


@pytest.mark.django_db
def test_bad_token_is_rejected(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer pmm_nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_tokens_are_hashed_shown_once_revocable_and_record_last_use(client, make_user, bearer):
    user = make_user("basic")
    headers = bearer(user)
    created = client.post(
        "/api/v1/me/tokens", data={"name": "laptop"}, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    stored = ApiToken.objects.get(pk=created.json()["id"])
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert stored.key_hash != secret and len(stored.key_hash) == 64
    listed = client.get("/api/v1/me/tokens", headers=headers).json()
    assert all("token" not in t for t in listed)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["username"] == user.username
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    revoked = client.delete(f"/api/v1/me/tokens/{stored.pk}", headers=headers)
    assert revoked.json()["revoked_at"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    verbs = set(AuditEvent.objects.unrestricted().values_list("verb", flat=True))
    assert {"token.created", "token.revoked"} <= verbs


@pytest.mark.django_db
def test_a_user_cannot_revoke_someone_elses_token(client, make_user, bearer):
    owner, other = make_user("basic"), make_user("basic")
    bearer(owner)
    token = ApiToken.objects.get(user=owner)
    response = client.delete(f"/api/v1/me/tokens/{token.pk}", headers=bearer(other))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_session_reads_work_but_session_writes_need_a_token(client, make_user):
    client.force_login(make_user("basic"))
    assert client.get("/api/v1/me").status_code == 200
    assert (
        client.post("/api/v1/me/tokens", data={"name": "x"}, content_type="application/json").status_code
        == 401
    )


@pytest.mark.django_db
def test_me_lists_the_actions_of_the_users_roles(client, make_user, bearer):
    body = client.get("/api/v1/me", headers=bearer(make_user("ncp", "KEN"))).json()
    assert body["roles"] == [{"role": "ncp", "member": "KEN"}]
    assert "user.invite_contributor" in body["actions"]
    assert "audit.view" not in body["actions"]


def test_openapi_schema_lists_every_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/me",
        "/api/v1/frameworks",
        "/api/v1/frameworks/{code}",
        "/api/v1/members",
        "/api/v1/groups",
        "/api/v1/audit",
        "/api/v1/users",
        "/api/v1/me/tokens",
    ):
        assert path in schema["paths"], path


def test_interactive_docs_load_no_external_assets(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui" in page
    assert "cdn" not in page.lower() and "https://" not in page


def _models_used_by_operations() -> dict[str, set[str]]:
    """Every pydantic model (ninja Schema or plain BaseModel) an operation takes or answers, nested
    ones included, by the component name ninja gives it (the class name)."""
    import typing
    from collections import defaultdict

    from pydantic import BaseModel

    from pmm.config.api import api

    api.get_openapi_schema()  # imports every router
    by_name: dict[str, set[str]] = defaultdict(set)
    seen: set[object] = set()

    def walk(annotation: object) -> None:
        if annotation in seen:
            return
        seen.add(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation.__module__.startswith("pmm."):
                by_name[annotation.__name__].add(f"{annotation.__module__}.{annotation.__qualname__}")
            for field in annotation.model_fields.values():
                walk(field.annotation)
            return
        for argument in typing.get_args(annotation):
            walk(argument)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in (operation.response_models or {}).values():
                    walk(model)
                for model in operation.models:
                    walk(model)
    return by_name


def test_schema_names_are_unique_in_the_openapi_document():
    """ninja names a component after its schema class: two classes of one name would share one
    component, and the document would describe one of the answers wrongly."""
    by_name = _models_used_by_operations()
    assert len(by_name) > 50  # the walk reaches the nested models, not only the top ones
    assert {"DashboardGroupOut", "GroupOut", "AnalyticsMemberOut", "MemberOut"} <= set(by_name)
    assert not {name: found for name, found in by_name.items() if len(found) > 1}


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/api/v1/frameworks/{code}/export", "application/yaml"),
        ("/api/v1/cycles/{cycle}/results.csv", "text/csv"),
        (
            "/api/v1/cycles/{cycle}/results.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("/api/v1/cycles/{cycle}/assessments/{iso3}/evidence/{evidence_id}", "application/pdf"),
        (
            "/api/v1/cycles/{cycle}/assessments/{iso3}/workbook.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_file_downloads_declare_their_real_media_type(path, media_type):
    """A download is declared as the file it is, not as JSON, so a generated client can read it."""
    from pmm.config.api import api

    answer = api.get_openapi_schema()["paths"][path]["get"]["responses"][200]
    assert media_type in answer["content"]
    assert "application/json" not in answer["content"]
