"""Every element type has a documented range and refuses what its storage cannot hold exactly, with a
422 naming the field (issue 13, finding 7; the table is in docs/self-assessment.md)."""

from __future__ import annotations

import pytest

from pmm.assessments.models import DataValue
from pmm.assessments.validation import coerce
from pmm.cycles.selectors import cycle_spec
from pmm.framework.kinds import ELEMENT_TYPES, MAX_EXACT_INTEGER, VALUE_LIMITS
from pmm.framework.spec import ElementSpec

COUNT, AMOUNT, HOURS, DAYS = (
    "DECL_TOTAL",
    "PAYMENTS_TOTAL_VALUE",
    "TRAINING_HOURS_TOTAL",
    "ADVANCE_RULINGS_AVG_DAYS",
)


@pytest.fixture
def ncp(make_user, bearer):
    return bearer(make_user("ncp", "KEN"))


def put_value(client, cycle, headers, element, value):
    return client.put(
        f"/api/v1/cycles/{cycle.pk}/assessments/KEN/values",
        data={"version": 0, "values": [{"element": element, "period": "T", "value": value}]},
        content_type="application/json",
        headers=headers,
    )


def stored_value(cycle, element):
    return DataValue.objects.unrestricted().get(assessment__cycle=cycle, element__code=element).value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("element", "value"),
    [
        (COUNT, MAX_EXACT_INTEGER + 2),  # 9007199254740993: was stored as …992
        (COUNT, MAX_EXACT_INTEGER + 1),
        (COUNT, 10**30),
        (COUNT, "9007199254740993"),
        (COUNT, 1e300),
        (AMOUNT, 1e308),  # was accepted
        (AMOUNT, 10**18 + 1),
        (AMOUNT, "1e400"),  # beyond a double: was "must be a number" only by luck
        (AMOUNT, 12345678901234567),  # 17 digits: a double cannot hold it
        (AMOUNT, "0.12345678901234567"),
        (HOURS, 1e10),
        (DAYS, -1e10),
    ],
)
def test_a_value_beyond_what_its_type_holds_is_422_naming_the_field(client, open_cycle, ncp, element, value):
    response = put_value(client, open_cycle, ncp, element, value)
    assert response.status_code == 422, response.content
    fields = response.json()["error"]["fields"]
    assert [f["field"] for f in fields] == ["values[0].value"]
    assert cycle_spec(open_cycle).elements[element].name["en"] in fields[0]["message"]  # named by its label
    assert not DataValue.objects.unrestricted().filter(assessment__cycle=open_cycle).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("element", "value", "stored"),
    [
        (COUNT, MAX_EXACT_INTEGER, MAX_EXACT_INTEGER),
        (COUNT, "9007199254740991", MAX_EXACT_INTEGER),
        (COUNT, 12.0, 12),
        (AMOUNT, 10**18, 1e18),
        (AMOUNT, 123456789012345, 123456789012345.0),  # 15 digits
        (AMOUNT, 0.1, 0.1),
        (AMOUNT, 33.333333333333336, 33.333333333333336),  # a JSON decimal is already a double
        (AMOUNT, "1234,56", 1234.56),
        (HOURS, 48.5, 48.5),
        (DAYS, 10**9, 1e9),
    ],
)
def test_a_value_within_its_range_is_stored_exactly(client, open_cycle, ncp, element, value, stored):
    response = put_value(client, open_cycle, ncp, element, value)
    assert response.status_code == 200, response.content
    assert stored_value(open_cycle, element) == stored
    got = client.get(f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN", headers=ncp).json()
    assert next(v["value"] for v in got["values"] if v["element"] == element) == stored


def _element(value_type: str) -> ElementSpec:
    return ElementSpec("X", {"en": "x"}, value_type, ("T",), None, None, True)


@pytest.mark.parametrize("value_type", sorted(VALUE_LIMITS))
def test_every_numeric_type_takes_its_limit_and_refuses_one_beyond(value_type):
    limit = VALUE_LIMITS[value_type]
    assert coerce(_element(value_type), limit) == (limit, None)
    assert coerce(_element(value_type), -limit)[1] is None
    assert coerce(_element(value_type), limit + 1)[1] == "must be between -{limit} and {limit}"
    assert coerce(_element(value_type), float("inf"))[1] == "must be a number"


def test_every_numeric_type_has_a_limit_that_a_double_holds_exactly():
    numeric = {code for code, (is_number, *_rest) in ELEMENT_TYPES.items() if is_number}
    assert numeric - {"yes_no", "choice"} == set(VALUE_LIMITS)
    assert all(float(limit) == limit for limit in VALUE_LIMITS.values())
