"""The results API remembers a publication's rows per audience (`published_results_for`): a second
read is cheaper, audiences never share rows, member names stay current, current results are never
cached."""

from __future__ import annotations

import pytest

from conftest import publish_values
from pmm.authz.roles import Role
from pmm.members.models import Member
from pmm.results.models import KpiResult, PublishedResult

pytestmark = pytest.mark.django_db

KPI = "D1.O1.K1"
QUERIES = 7  # the token, the reader's audience, the cycle, the publication, and the rows or names


@pytest.fixture
def published_levels(open_cycle):
    """Kenya and Brazil at WCO level, France public: an NCP of Kenya sees all three, the public France."""
    values = {"KEN": {KPI: 5.0}, "BRA": {KPI: 6.0}, "FRA": {KPI: 7.0}}
    publish_values(open_cycle, values, levels={"KEN": "wco", "BRA": "wco", "FRA": "public"})
    return f"/api/v1/cycles/{open_cycle.pk}/results"


def _members(client, url: str, headers=None) -> list[str]:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, response.content[:300]
    return sorted({row["member"] for row in response.json()["results"]})


def _queries(client, url: str, headers) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers=headers).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_a_second_read_does_not_read_the_publication_rows(client, make_user, bearer, published_levels):
    from django.core.cache import cache

    table = PublishedResult._meta.db_table
    headers = bearer(make_user(Role.NCP, "KEN"))
    _queries(client, published_levels, headers)  # records when the token was last used
    cache.clear()
    first = _queries(client, published_levels, headers)
    second = _queries(client, published_levels, headers)
    # Token, user, cycle, latest publication, then: the visible rows joined with their members the
    # first time; later, only the names of the members in the cached rows.
    assert (len(first), len(second)) == (QUERIES, QUERIES)
    assert table in first[-1]
    assert not any(table in sql for sql in second)
    assert Member._meta.db_table in second[-1]
    assert _members(client, published_levels, headers) == ["BRA", "FRA", "KEN"]


@pytest.mark.parametrize("public_first", [True, False])
def test_audiences_never_share_rows(client, make_user, bearer, published_levels, public_first):
    headers = bearer(make_user(Role.NCP, "KEN"))
    reads = [("public", {}), ("ncp", headers)]
    seen = {who: _members(client, published_levels, h) for who, h in (reads if public_first else reads[::-1])}
    assert seen == {"public": ["FRA"], "ncp": ["BRA", "FRA", "KEN"]}
    # And again, now that both are cached.
    assert _members(client, published_levels) == ["FRA"]
    assert _members(client, published_levels, headers) == ["BRA", "FRA", "KEN"]


def test_a_member_rename_shows_at_once(client, published_levels):
    assert _members(client, published_levels) == ["FRA"]  # cached now
    Member.objects.filter(iso3="FRA").update(name={"en": "France renamed", "fr": "France renommée"})
    rows = client.get(published_levels).json()["results"]
    assert {row["member_name"] for row in rows} == {"France renamed"}


def test_the_filters_are_part_of_the_key(client, published_levels):
    assert _members(client, published_levels) == ["FRA"]
    assert _members(client, f"{published_levels}?member=KEN") == []
    assert _members(client, f"{published_levels}?member=FRA") == ["FRA"]
    assert client.get(f"{published_levels}?kpi=D1.O1.K2").json()["count"] == 0
    assert client.get(f"{published_levels}?kpi=D1.O1.K1").json()["count"] > 0


def test_current_results_are_not_cached(client, make_user, bearer, published_levels):
    headers = bearer(make_user(Role.NCP, "KEN"))
    url = f"{published_levels}?publication=current&member=KEN"
    before = client.get(url, headers=headers).json()["results"]
    assert {row["value"] for row in before} == {5.0}
    KpiResult.objects.unrestricted().filter(result_set__assessment__member__iso3="KEN").update(value=9.0)
    after = client.get(url, headers=headers).json()["results"]
    assert {row["value"] for row in after} == {9.0}


@pytest.mark.parametrize("query", ["", "?publication=current", "?member=FRA"])
def test_the_answer_is_what_its_declared_schema_renders(client, make_user, bearer, published_levels, query):
    """`results_list` renders its records without validating them: they must be exactly what
    validating against `ResultsOut` and rendering would give (same fields, order and types)."""
    from ninja.renderers import JSONRenderer

    from pmm.config.api import api
    from pmm.results.api import ResultsOut

    response = client.get(published_levels + query, headers=bearer(make_user(Role.NCP, "KEN")))
    assert response.status_code == 200
    assert response["Content-Type"] == api.get_content_type()
    validated = ResultsOut.model_validate(response.json()).model_dump()
    assert isinstance(api.renderer, JSONRenderer)
    assert api.renderer.render(None, validated, response_status=200) == response.content.decode()
    assert response.json()["count"] == len(response.json()["results"]) > 0


# The answers made from the rows (`pmm.results.answer_cache`): written once per selection and language.


@pytest.fixture
def answers_made(monkeypatch):
    """Counts how many times each kind of answer is written (the JSON records, the CSV, the workbook)."""
    from pmm.results import api as results_api

    made = {"json": 0, "csv": 0, "xlsx": 0}

    def counting(kind, write):
        def wrapper(*args, **kwargs):
            made[kind] += 1
            return write(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(results_api, "result_records", counting("json", results_api.result_records))
    monkeypatch.setattr(results_api, "results_csv", counting("csv", results_api.results_csv))
    monkeypatch.setattr(results_api, "results_xlsx", counting("xlsx", results_api.results_xlsx))
    return made


@pytest.mark.parametrize("suffix, kind", [("", "json"), (".csv", "csv"), (".xlsx", "xlsx")])
def test_a_publication_answer_is_written_once(
    client, make_user, bearer, published_levels, answers_made, suffix, kind
):
    headers = bearer(make_user(Role.NCP, "KEN"))
    first = client.get(published_levels + suffix, headers=headers)
    second = client.get(published_levels + suffix, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert answers_made[kind] == 1
    # Another audience gets its own answer, written for it.
    public = client.get(published_levels + suffix)
    assert public.status_code == 200 and public.content != first.content
    assert answers_made[kind] == 2


def test_the_answer_options_and_language_are_part_of_its_key(client, published_levels, answers_made):
    whole = client.get(published_levels).json()
    assert client.get(f"{published_levels}?limit=1").json()["limit"] == 1
    assert client.get(f"{published_levels}?offset=1").json()["offset"] == 1
    french = client.get(published_levels, headers={"Accept-Language": "fr"}).json()
    assert answers_made["json"] == 4
    assert whole["results"][0]["kpi_name"] != french["results"][0]["kpi_name"]


def test_current_results_answers_are_always_written_again(
    client, make_user, bearer, published_levels, answers_made
):
    headers = bearer(make_user(Role.NCP, "KEN"))
    for _ in range(2):
        assert client.get(f"{published_levels}?publication=current", headers=headers).status_code == 200
    assert answers_made["json"] == 2
