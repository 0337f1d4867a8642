"""Every kind of chart spec is valid Vega-Lite: the builders write plain dicts (pmm.charts.specs) and
nothing validates them per request, so this test does, against the schema that Altair ships."""

from __future__ import annotations

import copy
from typing import Any

import altair as alt
import jsonschema
import pytest
from altair.vegalite.v6.schema import core

from chart_test_urls import DIMENSIONS, GROUPS, POINTS
from pmm.charts import specs
from pmm.charts.downloads import image_spec
from pmm.charts.render import static_spec


def every_kind() -> dict[str, dict[str, Any]]:
    """One spec of each builder, in each of its variants."""
    return {
        "peers, with the member": specs.peer_comparison(
            GROUPS, value_label="Time", group_label="Group", member_label="Kenya", unit="h", member_value=2
        ),
        "peers, without the member": specs.peer_comparison(
            GROUPS, value_label="Time", group_label="Group", member_label="Kenya"
        ),
        "peers, no group": specs.peer_comparison([], value_label="T", group_label="G", member_label="K"),
        "trend, reviewed and target": specs.trend(
            POINTS, year_label="Year", value_label="Declarations", target=(2026, 2500)
        ),
        "trend, plain": specs.trend(
            [{"year": 2020, "value": 3}], year_label="Year", value_label="V", unit="%"
        ),
        "trend, no point": specs.trend([], year_label="Year", value_label="V"),
        "overview": specs.dimension_overview(DIMENSIONS, dimension_label="Dimension", count_label="KPIs"),
        "distribution": specs.distribution(GROUPS, value_label="V", group_label="G", unit="u"),
        "answer shares": specs.answer_shares(
            [
                {"group": "All members", "answer": "Yes", "members": 3, "percent": 60.0},
                {"group": "All members", "answer": "No", "members": 2, "percent": 40.0},
                {"group": "Europe", "answer": "", "members": None, "percent": None},
            ],
            answers=["Yes", "No"],
            group_label="Group",
            share_label="Share of the members (%)",
        ),
    }


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(core.load_schema())


def test_the_specs_name_the_schema_they_are_validated_against():
    assert specs.SCHEMA == alt.SCHEMA_URL, "update specs.SCHEMA and check the specs against the new schema"


@pytest.mark.parametrize("kind", list(every_kind()))
def test_every_kind_of_spec_is_valid_vega_lite(kind, validator):
    spec = every_kind()[kind]
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(spec)]
    assert not errors, errors


@pytest.mark.parametrize("kind", list(every_kind()))
def test_the_specs_of_downloaded_images_are_valid_vega_lite(kind, validator):
    from pmm.charts import Chart

    chart = Chart(
        id="c",
        title="A title",
        description="Words",
        spec=every_kind()[kind],
        columns=[],
        rows=[],
        filename="c",
    )
    spec = static_spec(image_spec(chart))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(spec)]
    assert not errors, errors


def test_an_invalid_spec_is_caught(validator):
    """The check can fail: a misspelt property is reported."""
    spec = copy.deepcopy(every_kind()["overview"])
    spec["mark"]["heigth"] = 3
    assert list(validator.iter_errors(spec))


def test_a_spec_is_independent_of_the_next():
    """Each spec has its own copy of the shared look, so changing one changes no other."""
    first, second = every_kind()["overview"], every_kind()["overview"]
    first["config"]["axis"]["labelColor"] = "red"
    assert second["config"]["axis"]["labelColor"] == specs.INK
