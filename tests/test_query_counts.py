"""List pages and tree endpoints run a fixed number of queries, however many KPIs or members exist."""

from __future__ import annotations

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmm.core.actors import SYSTEM
from pmm.framework.services import framework_load
from pmm.members.models import Group, Member


def synthetic_framework(code: str, outcomes: int, kpis_per_outcome: int) -> str:
    text = {"en": "x", "fr": "x"}
    elements = [{"code": f"E{i}", "name": text, "type": "count", "periods": ["T", "T-1"]} for i in range(4)]
    dimensions = [
        {
            "code": "D1",
            "name": text,
            "outcomes": [
                {
                    "code": f"D1.O{o}",
                    "name": text,
                    "instruments": ["I1"],
                    "sdg_targets": ["17.1"],
                    "kpis": [
                        {
                            "code": f"D1.O{o}.K{k}",
                            "name": text,
                            "kind": "percentage",
                            "unit": "percent",
                            "direction": "higher_is_better",
                            "formula": f"pct(E{k % 4}, E{(k + 1) % 4})",
                            "disclosure_default": "wco",
                            "instruments": ["I1"],
                            "sdg_targets": ["17.1"],
                        }
                        for k in range(kpis_per_outcome)
                    ],
                }
                for o in range(outcomes)
            ],
        }
    ]
    return yaml.safe_dump(
        {
            "format": "pmm-framework/1",
            "framework": {
                "code": code,
                "version": "1",
                "status": "active",
                "title": text,
                "languages": ["en", "fr"],
                "provenance": {"status": "reconstructed", "source": "test"},
            },
            "units": [{"code": "percent", "name": text}],
            "instruments": [{"code": "I1", "name": text}],
            "sdg_targets": [{"code": "17.1", "name": text}],
            "data_elements": elements,
            "dimensions": dimensions,
        }
    )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


FRAMEWORK_URLS = [
    "/api/v1/frameworks/{code}",
    "/frameworks/{code}/",
    "/frameworks/{code}/elements/",
    "/frameworks/{code}/kpis/D1.O1.K1/",
    "/frameworks/",
    "/api/v1/frameworks",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", FRAMEWORK_URLS)
def test_framework_endpoints_do_not_grow_with_kpis(client, url):
    framework_load(actor=SYSTEM, text=synthetic_framework("small", outcomes=2, kpis_per_outcome=2))
    small = queries_for(client, url.format(code="small"))
    framework_load(actor=SYSTEM, text=synthetic_framework("large", outcomes=6, kpis_per_outcome=9))
    large = queries_for(client, url.format(code="large"))
    assert small == large


def _add_members(n: int) -> None:
    groups = list(Group.objects.filter(code__in=["region-europe", "income-high", "geo-coastal", "union-eu"]))
    for i in range(n):
        member = Member.objects.create(
            iso3=f"Q{i:02d}",
            iso2=f"{i:02d}",
            name={"en": f"Test {i}", "fr": f"Essai {i}"},
            sort_name=f"Test {i}",
        )
        member.groups.set(groups)


MEMBER_URLS = [
    "/api/v1/members",
    "/members/",
    "/members/?region=region-europe",
    "/api/v1/groups",
    "/groups/",
    "/groups/union-eu/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", MEMBER_URLS)
def test_member_endpoints_do_not_grow_with_members(client, url):
    before = queries_for(client, url)
    _add_members(20)
    after = queries_for(client, url)
    assert before == after


@pytest.mark.django_db
def test_assessment_endpoints_do_not_grow_with_members_values_or_history(
    client, make_user, bearer, open_cycle, complete_assessment
):
    from pmm.assessments.selectors import assessment_access
    from pmm.assessments.services import ValueInput, values_save

    client.force_login(make_user("secretariat_admin"))  # a session: token use stamps would add queries
    complete_assessment(open_cycle, "KEN")
    urls = [
        f"/api/v1/cycles/{open_cycle.pk}/board",
        f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN",
        f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN/history",
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result.append(len(captured.captured_queries))
        return result

    before = counts()
    for iso3 in ("FRA", "UGA", "BRA", "JPN"):
        complete_assessment(open_cycle, iso3)
    kenya = assessment_access(SYSTEM, open_cycle, "KEN")
    for value in range(1, 6):
        kenya = values_save(
            actor=SYSTEM,
            assessment=kenya,
            version=kenya.version,
            path="api",
            items=[ValueInput("DECL_TOTAL", "T", value * 1000), ValueInput("STAFF_TOTAL", "T", value)],
        )
    assert counts() == before
