"""Optional scoring (docs/framework-format.md, "Scoring (optional)"): the `scoring` section of a
framework file, its checks, its spec, and the pure functions of `pmm.results.scoring`.

The illustrative framework tests/data/illustrative-scored.yaml is made up; every malformed
variant below changes one thing of it and names the path (with its line) and the words of the
problem.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pmm.cli import app
from pmm.core.actors import SYSTEM
from pmm.framework.loader import FrameworkFileError, document_to_yaml, framework_parse
from pmm.framework.spec import (
    BandSpec,
    FrameworkSpec,
    KpiBandsSpec,
    KpiSpec,
    ScoringSpec,
    spec_from_document,
)
from pmm.results.scoring import RolledUp, Score, roll_up, score_value

DATA = Path(__file__).resolve().parent / "data"
ILLUSTRATIVE = DATA / "illustrative-scored.yaml"
SHIPPED = Path(__file__).resolve().parents[1] / "src" / "pmm" / "framework" / "data" / "pmm-v1.yaml"
LINE = re.compile(r"^(?P<path>.*) \(line (?P<line>\d+)\)$")

Doc = dict[str, Any]


def illustrative() -> Doc:
    """A fresh copy of the illustrative framework as a document."""
    document: Doc = yaml.safe_load(ILLUSTRATIVE.read_text(encoding="utf-8"))
    return document


def dump(document: Doc) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def spec_of(document: Doc) -> FrameworkSpec:
    checked = framework_parse(dump(document))
    return spec_from_document(checked.document, checked.fingerprint)


@functools.cache
def illustrative_spec() -> FrameworkSpec:
    return spec_of(illustrative())


@pytest.fixture
def spec() -> FrameworkSpec:
    return illustrative_spec()


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(FrameworkFileError) as caught:
        framework_parse(text)
    return [(p.field, p.message) for p in caught.value.problems]


# --------------------------------------------------------------------------------------------
# the file format


def test_illustrative_framework_loads_with_its_scoring() -> None:
    checked = framework_parse(ILLUSTRATIVE.read_text(encoding="utf-8"))
    dimensions = checked.document["dimensions"]
    assert len(dimensions) == 2
    scoring = checked.document["scoring"]
    assert [b["code"] for b in scoring["scale"]] == ["D", "C", "B", "A"]
    assert scoring["roll_up"] == "weakest_link"
    kinds = {k["code"]: k["kind"] for _, _, k in checked.kpis()}
    scored = set(scoring["kpis"])
    # KPIs of many kinds are scored; the context_only ones are not
    assert {kinds[c] for c in scored} >= {"percentage", "split_shares", "yes_no", "duration", "ordinal"}
    directions = {k["code"]: k["direction"] for _, _, k in checked.kpis()}
    assert {directions[c] for c in scored} == {"higher_is_better", "lower_is_better"}
    assert {c for c, d in directions.items() if d == "context_only"}.isdisjoint(scored)


def test_illustrative_framework_validates_on_the_command_line() -> None:
    result = CliRunner().invoke(app, ["framework", "validate", str(ILLUSTRATIVE)])
    assert result.exit_code == 0, result.output
    assert "is valid: illustrative-scored 0.1, 2 dimensions, 5 outcomes, 9 KPIs" in result.stdout


def test_shipped_framework_has_no_scoring() -> None:
    checked = framework_parse(SHIPPED.read_text(encoding="utf-8"))
    assert "scoring" not in checked.document
    spec = spec_from_document(checked.document, checked.fingerprint)
    assert spec.scoring is None
    assert roll_up(spec, {}) == RolledUp()


def test_spec_of_the_scoring_section(spec: FrameworkSpec) -> None:
    scoring = spec.scoring
    assert scoring is not None
    assert scoring.scale[0] == BandSpec("D", {"en": "Weak", "fr": "Faible"}, 0.0)
    assert [b.points for b in scoring.scale] == [0.0, 1.0, 2.0, 3.0]
    assert scoring.roll_up == "weakest_link"
    assert scoring.kpis["D1.O1.K1"] == KpiBandsSpec("D1.O1.K1", "value", (25.0, 50.0, 75.0))
    assert scoring.kpis["D1.O1.K2"].component == "combined"
    assert scoring.kpis["D1.O1.K3"] == KpiBandsSpec("D1.O1.K3", "value", (), "A", "D")
    assert "D1.O2.K2" not in scoring.kpis  # context_only
    assert dataclasses.fields(FrameworkSpec)[-1].name == "scoring"


def test_split_kpi_component_defaults_to_combined() -> None:
    document = illustrative()
    del document["scoring"]["kpis"]["D1.O1.K2"]["component"]
    scoring = spec_of(document).scoring
    assert scoring is not None
    assert scoring.kpis["D1.O1.K2"].component == "combined"


def test_split_kpi_may_score_a_named_component() -> None:
    document = illustrative()
    document["scoring"]["kpis"]["D1.O1.K2"]["component"] = "export"
    scoring = spec_of(document).scoring
    assert scoring is not None
    assert scoring.kpis["D1.O1.K2"].component == "export"


def test_band_codes_may_be_quoted_digits() -> None:
    document = illustrative()
    for points, band in enumerate(document["scoring"]["scale"]):
        band["code"] = str(points)
    document["scoring"]["kpis"]["D1.O1.K3"] = {"yes_band": "3", "no_band": "0"}
    scoring = spec_of(document).scoring
    assert scoring is not None
    assert [b.code for b in scoring.scale] == ["0", "1", "2", "3"]


def test_dump_and_reparse_keeps_the_scoring() -> None:
    checked = framework_parse(ILLUSTRATIVE.read_text(encoding="utf-8"))
    again = framework_parse(document_to_yaml(copy.deepcopy(checked.document)))
    assert again.fingerprint == checked.fingerprint
    assert again.document["scoring"] == checked.document["scoring"]


def test_scoring_is_part_of_the_fingerprint() -> None:
    document = illustrative()
    before = framework_parse(dump(document)).fingerprint
    document["scoring"]["roll_up"] = "average"
    assert framework_parse(dump(document)).fingerprint != before


@pytest.mark.django_db
def test_load_and_export_round_trip_keeps_the_scoring() -> None:
    from pmm.framework.selectors import framework_get
    from pmm.framework.services import framework_load

    text = ILLUSTRATIVE.read_text(encoding="utf-8")
    loaded = framework_load(actor=SYSTEM, text=text, reason="test")
    assert loaded.outcome == "created"
    framework = framework_get("illustrative-scored", "0.1")
    assert framework.document["scoring"] == framework_parse(text).document["scoring"]
    exported = document_to_yaml(framework.document)
    again = framework_parse(exported)
    assert again.fingerprint == framework.fingerprint
    assert spec_from_document(again.document, again.fingerprint).scoring == spec_of(illustrative()).scoring
    assert framework_load(actor=SYSTEM, text=exported).outcome == "unchanged"


# --------------------------------------------------------------------------------------------
# malformed scoring sections

Mutation = Callable[[Doc], Any]


def _scoring(document: Doc) -> Doc:
    scoring: Doc = document["scoring"]
    return scoring


def _kpis(document: Doc) -> Doc:
    kpis: Doc = document["scoring"]["kpis"]
    return kpis


def _set_kpi(code: str, entry: Any) -> Mutation:
    return lambda d: _kpis(d).__setitem__(code, entry)


def _set_band(index: int, key: str, value: Any) -> Mutation:
    return lambda d: _scoring(d)["scale"][index].__setitem__(key, value)


def _split_without_combined(document: Doc) -> None:
    formula = document["dimensions"][0]["outcomes"][0]["kpis"][1]["formula"]
    del formula["combined"]
    del _kpis(document)["D1.O1.K2"]["component"]


K1 = "scoring.kpis.D1.O1.K1"

CASES: list[tuple[str, Mutation, str, tuple[str, ...]]] = [
    ("scoring not a mapping", lambda d: d.__setitem__("scoring", None), "scoring", ("must be a mapping",)),
    (
        "unknown scoring key",
        lambda d: _scoring(d).__setitem__("method", "x"),
        "scoring.method",
        ("unknown key",),
    ),
    ("scale missing", lambda d: _scoring(d).pop("scale"), "scoring.scale", ("is required",)),
    ("roll_up missing", lambda d: _scoring(d).pop("roll_up"), "scoring.roll_up", ("is required",)),
    (
        "unknown roll_up",
        lambda d: _scoring(d).__setitem__("roll_up", "median"),
        "scoring.roll_up",
        ("'median'", "weakest_link", "average"),
    ),
    (
        "scale of one band",
        lambda d: _scoring(d).__setitem__("scale", _scoring(d)["scale"][:1]),
        "scoring.scale",
        ("at least two bands",),
    ),
    ("empty scale", lambda d: _scoring(d).__setitem__("scale", []), "scoring.scale", ("must not be empty",)),
    ("duplicate band code", _set_band(1, "code", "D"), "scoring.scale[1].code", ("duplicate code 'D'",)),
    ("unquoted digit band code", _set_band(0, "code", 0), "scoring.scale[0].code", ("in quotes",)),
    ("bad band code", _set_band(0, "code", "very weak"), "scoring.scale[0].code", ("not a valid code",)),
    (
        "missing label translation",
        _set_band(0, "label", {"en": "Weak"}),
        "scoring.scale[0].label.fr",
        ("'fr' translation",),
    ),
    ("points not a number", _set_band(2, "points", "two"), "scoring.scale[2].points", ("finite number",)),
    (
        "points missing",
        lambda d: _scoring(d)["scale"][2].pop("points"),
        "scoring.scale[2].points",
        ("required",),
    ),
    ("points not ascending", _set_band(2, "points", 0.5), "scoring.scale[2].points", ("worst to best",)),
    (
        "unknown band key",
        _set_band(0, "colour", "red"),
        "scoring.scale[0].colour",
        ("unknown key 'colour'",),
    ),
    (
        "kpis not a mapping",
        lambda d: _scoring(d).__setitem__("kpis", []),
        "scoring.kpis",
        ("mapping of KPI",),
    ),
    ("no kpis", lambda d: _scoring(d).__setitem__("kpis", {}), "scoring.kpis", ("at least one KPI",)),
    (
        "unknown KPI code",
        _set_kpi("D9.O1.K1", {"thresholds": [1, 2, 3]}),
        "scoring.kpis.D9.O1.K1",
        ("unknown KPI 'D9.O1.K1'",),
    ),
    (
        "context_only KPI",
        _set_kpi("D1.O2.K2", {"thresholds": [1, 2, 3]}),
        "scoring.kpis.D1.O2.K2",
        ("context_only", "cannot be scored"),
    ),
    ("KPI entry not a mapping", _set_kpi("D1.O1.K1", [25, 50, 75]), K1, ("must be a mapping",)),
    (
        "unknown KPI entry key",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 50, 75], "weight": 2}),
        f"{K1}.weight",
        ("unknown key 'weight'",),
    ),
    ("thresholds missing", _set_kpi("D1.O1.K1", {}), f"{K1}.thresholds", ("is required",)),
    (
        "thresholds not a list",
        _set_kpi("D1.O1.K1", {"thresholds": 50}),
        f"{K1}.thresholds",
        ("must be a list of numbers",),
    ),
    (
        "too few thresholds",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 50]}),
        f"{K1}.thresholds",
        ("needs 3 cut points", "4 bands", "not 2"),
    ),
    (
        "too many thresholds",
        _set_kpi("D1.O1.K1", {"thresholds": [10, 25, 50, 75]}),
        f"{K1}.thresholds",
        ("needs 3 cut points", "not 4"),
    ),
    (
        "thresholds not ascending",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 75, 50]}),
        f"{K1}.thresholds[2]",
        ("strictly ascending", "50 is not above 75"),
    ),
    (
        "equal thresholds",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 25, 75]}),
        f"{K1}.thresholds[1]",
        ("strictly ascending",),
    ),
    (
        "descending thresholds for a lower_is_better KPI",
        _set_kpi("D1.O2.K1", {"thresholds": [48, 24, 6]}),
        "scoring.kpis.D1.O2.K1.thresholds[1]",
        ("strictly ascending",),
    ),
    (
        "threshold not a number",
        _set_kpi("D1.O1.K1", {"thresholds": [25, "fifty", 75]}),
        f"{K1}.thresholds[1]",
        ("finite number", "text"),
    ),
    (
        "threshold not finite",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 50, float("inf")]}),
        f"{K1}.thresholds[2]",
        ("finite number",),
    ),
    (
        "threshold true/false",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 50, True]}),
        f"{K1}.thresholds[2]",
        ("finite number", "true/false"),
    ),
    (
        "threshold outside the KPI range",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 50, 175]}),
        f"{K1}.thresholds[2]",
        ("outside the KPI's range", "0 to 100"),
    ),
    (
        "thresholds on a yes_no KPI",
        _set_kpi("D1.O1.K3", {"thresholds": [0.5], "yes_band": "A", "no_band": "D"}),
        "scoring.kpis.D1.O1.K3.thresholds",
        ("yes_band and no_band",),
    ),
    (
        "yes_no KPI without no_band",
        _set_kpi("D1.O1.K3", {"yes_band": "A"}),
        "scoring.kpis.D1.O1.K3.no_band",
        ("is required",),
    ),
    (
        "unknown yes band",
        _set_kpi("D1.O1.K3", {"yes_band": "E", "no_band": "D"}),
        "scoring.kpis.D1.O1.K3.yes_band",
        ("unknown band 'E'", "D, C, B, A"),
    ),
    (
        "yes_no bands against the direction",
        _set_kpi("D1.O1.K3", {"yes_band": "D", "no_band": "A"}),
        "scoring.kpis.D1.O1.K3.yes_band",
        ("higher_is_better", "must not score worse"),
    ),
    (
        "yes band on a percentage KPI",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 50, 75], "yes_band": "A"}),
        f"{K1}.yes_band",
        ("only yes_no KPIs",),
    ),
    (
        "component on a single-formula KPI",
        _set_kpi("D1.O1.K1", {"thresholds": [25, 50, 75], "component": "combined"}),
        f"{K1}.component",
        ("only split_shares",),
    ),
    (
        "unknown component",
        _set_kpi("D1.O1.K2", {"thresholds": [25, 50, 75], "component": "transit"}),
        "scoring.kpis.D1.O1.K2.component",
        ("'transit' is not a component", "import, export, combined"),
    ),
    (
        "split KPI without combined needs a component",
        _split_without_combined,
        "scoring.kpis.D1.O1.K2.component",
        ("is required", "no 'combined'", "import, export"),
    ),
]


@pytest.mark.parametrize(("mutate", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_scoring_is_rejected(mutate: Mutation, path: str, words: tuple[str, ...]) -> None:
    document = illustrative()
    mutate(document)
    text = dump(document)
    problems = problems_of(text)
    for field, message in problems:
        match = LINE.match(field)
        if match and match["path"] == path and all(w.lower() in message.lower() for w in words):
            line = int(match["line"])
            assert 1 <= line <= len(text.splitlines())
            return
    listed = "\n".join(f"  {f}: {m}" for f, m in problems)
    pytest.fail(f"no problem at {path!r} (with its line) containing {words!r}; got:\n{listed}")


def test_cases_are_distinct() -> None:
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names))


def test_problem_points_at_the_line_of_the_offending_threshold() -> None:
    text = ILLUSTRATIVE.read_text(encoding="utf-8").replace(
        "D1.O2.K1: {thresholds: [6, 24, 48]}", "D1.O2.K1: {thresholds: [6, 48, 24]}"
    )
    (field, message), *others = problems_of(text)
    assert not others
    match = LINE.match(field)
    assert match and match["path"] == "scoring.kpis.D1.O2.K1.thresholds[2]"
    assert "D1.O2.K1: {thresholds: [6, 48, 24]}" in text.splitlines()[int(match["line"]) - 1]
    assert message == "thresholds must be strictly ascending: 24 is not above 48"


def test_unknown_kpi_points_at_its_key_line() -> None:
    text = ILLUSTRATIVE.read_text(encoding="utf-8").replace("    D2.O2.K2: {", "    D2.O2.K9: {")
    [(field, message)] = problems_of(text)
    match = LINE.match(field)
    assert match and match["path"] == "scoring.kpis.D2.O2.K9"
    assert "D2.O2.K9" in text.splitlines()[int(match["line"]) - 1]
    assert "unknown KPI" in message


def test_every_scoring_problem_is_reported_at_once() -> None:
    document = illustrative()
    _scoring(document)["roll_up"] = "median"
    _kpis(document)["D1.O1.K1"] = {"thresholds": [75, 50, 25]}
    _kpis(document)["D1.O2.K2"] = {"thresholds": [1, 2, 3]}
    fields = [f for f, _ in problems_of(dump(document))]
    for path in ("scoring.roll_up", f"{K1}.thresholds[1]", "scoring.kpis.D1.O2.K2"):
        assert any(f.startswith(f"{path} (line ") for f in fields), (path, fields)


# --------------------------------------------------------------------------------------------
# scoring a value


def band(spec: FrameworkSpec, code: str, value: float | bool) -> str | None:
    assert spec.scoring is not None
    score = score_value(spec.scoring, spec.kpis[code], value)
    return None if score is None else score.code


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "D"), (24.999, "D"), (25, "C"), (49.99, "C"), (50, "B"), (74.9, "B"), (75, "A"), (100, "A")],
)
def test_higher_is_better_bands_a_cut_point_belongs_to_the_upper_band(
    spec: FrameworkSpec, value: float, expected: str
) -> None:
    assert band(spec, "D1.O1.K1", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "A"), (6, "A"), (6.01, "B"), (24, "B"), (24.5, "C"), (48, "C"), (48.01, "D"), (500, "D")],
)
def test_lower_is_better_bands_a_cut_point_belongs_to_the_better_band(
    spec: FrameworkSpec, value: float, expected: str
) -> None:
    assert band(spec, "D1.O2.K1", value) == expected


@pytest.mark.parametrize(("value", "expected"), [(-10.5, "D"), (-10, "C"), (-0.1, "C"), (0, "B"), (10, "A")])
def test_negative_thresholds_of_a_variation_kpi(spec: FrameworkSpec, value: float, expected: str) -> None:
    assert band(spec, "D2.O2.K2", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(True, "A"), (False, "D"), (1.0, "A"), (0.0, "D"), (100, "A"), (0, "D")]
)
def test_yes_no_kpi(spec: FrameworkSpec, value: float | bool, expected: str) -> None:
    assert band(spec, "D1.O1.K3", value) == expected


@pytest.mark.parametrize(("option_score", "expected"), [(0, "D"), (1, "C"), (2, "B"), (3, "A")])
def test_ordinal_kpi(spec: FrameworkSpec, option_score: float, expected: str) -> None:
    assert band(spec, "D2.O1.K1", option_score) == expected


def test_score_carries_the_band_points_and_label(spec: FrameworkSpec) -> None:
    assert spec.scoring is not None
    assert score_value(spec.scoring, spec.kpis["D1.O1.K1"], 60) == Score(
        "B", 2.0, {"en": "Good", "fr": "Bon"}
    )


def test_unscored_kpis_and_not_a_number_have_no_score(spec: FrameworkSpec) -> None:
    assert band(spec, "D1.O2.K2", 10) is None  # context_only, not listed
    assert band(spec, "D2.O3.K1", 10) is None
    assert band(spec, "D1.O1.K1", float("nan")) is None
    assert band(spec, "D1.O1.K3", float("nan")) is None


def _kpi(direction: str) -> KpiSpec:
    return KpiSpec(
        code="X.O1.K1",
        name={"en": "x"},
        outcome="X.O1",
        dimension="X",
        elements=frozenset(),
        disclosure_default="public",
        formulas={},
        kind="ratio",
        unit="percent",
        direction=direction,
    )


SCALE = tuple(BandSpec(code, {"en": code}, float(points)) for points, code in enumerate("EDCBA"))
finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@given(
    thresholds=st.lists(finite, min_size=4, max_size=4, unique=True).map(sorted),
    direction=st.sampled_from(["higher_is_better", "lower_is_better"]),
    a=finite,
    b=finite,
)
def test_a_better_value_never_gets_a_worse_score(
    thresholds: list[float], direction: str, a: float, b: float
) -> None:
    kpi = _kpi(direction)
    scoring = ScoringSpec(
        SCALE, "weakest_link", {kpi.code: KpiBandsSpec(kpi.code, thresholds=tuple(thresholds))}
    )
    low, high = sorted((a, b))
    score_low, score_high = score_value(scoring, kpi, low), score_value(scoring, kpi, high)
    assert score_low is not None and score_high is not None
    if direction == "higher_is_better":
        assert score_high.points >= score_low.points
    else:
        assert score_low.points >= score_high.points
    # a value at a cut point gets the better of the two bands around it
    for index, cut in enumerate(thresholds):
        at = score_value(scoring, kpi, cut)
        assert at is not None
        assert (
            at.code == SCALE[index + 1 if direction == "higher_is_better" else len(thresholds) - index].code
        )


# --------------------------------------------------------------------------------------------
# roll-up


def scores(spec: FrameworkSpec, values: dict[str, float | bool]) -> dict[str, Score]:
    assert spec.scoring is not None
    found = {code: score_value(spec.scoring, spec.kpis[code], value) for code, value in values.items()}
    return {code: score for code, score in found.items() if score is not None}


VALUES: dict[str, float | bool] = {
    "D1.O1.K1": 90,  # A
    "D1.O1.K2": 60,  # B
    "D1.O1.K3": False,  # D
    "D1.O2.K1": 12,  # B
    "D1.O2.K2": 1000,  # context_only: no score
    "D2.O1.K1": 3,  # A
    "D2.O2.K1": 20,  # C
    # D2.O2.K2 not computable: no score; D2.O3 has only a context_only KPI
}


def codes(rolled: RolledUp) -> tuple[dict[str, str], dict[str, str]]:
    return (
        {code: s.code for code, s in rolled.outcomes.items()},
        {code: s.code for code, s in rolled.dimensions.items()},
    )


def with_roll_up(spec: FrameworkSpec, method: str) -> FrameworkSpec:
    assert spec.scoring is not None
    return dataclasses.replace(spec, scoring=dataclasses.replace(spec.scoring, roll_up=method))


def test_weakest_link_roll_up(spec: FrameworkSpec) -> None:
    rolled = roll_up(spec, scores(spec, VALUES))
    assert codes(rolled) == (
        {"D1.O1": "D", "D1.O2": "B", "D2.O1": "A", "D2.O2": "C"},
        {"D1": "D", "D2": "C"},
    )
    assert rolled.dimensions["D2"] == Score("C", 1.0, {"en": "Developing", "fr": "En développement"})


def test_average_roll_up_rounds_down(spec: FrameworkSpec) -> None:
    average = with_roll_up(spec, "average")
    rolled = roll_up(average, scores(average, VALUES))
    # D1.O1: (3 + 2 + 0) / 3 = 1.67 -> C; D1: (1 + 2) / 2 = 1.5 -> C; D2: (3 + 1) / 2 = 2 -> B
    assert codes(rolled) == (
        {"D1.O1": "C", "D1.O2": "B", "D2.O1": "A", "D2.O2": "C"},
        {"D1": "C", "D2": "B"},
    )


def test_average_of_decimal_points_is_exact() -> None:
    document = illustrative()
    for band_entry, points in zip(document["scoring"]["scale"], (0, 0.1, 0.2, 0.3), strict=True):
        band_entry["points"] = points
    document["scoring"]["roll_up"] = "average"
    spec = spec_of(document)
    # 0.1 + 0.2 + 0.3 is not 0.6 in binary floating point; the mean must still be the 0.2 band (B)
    rolled = roll_up(spec, scores(spec, {"D1.O1.K1": 30, "D1.O1.K2": 60, "D1.O1.K3": True}))
    assert rolled.outcomes["D1.O1"].code == "B"


@pytest.mark.parametrize("method", ["weakest_link", "average"])
def test_no_scored_kpi_means_no_score(spec: FrameworkSpec, method: str) -> None:
    rolled = roll_up(with_roll_up(spec, method), {})
    assert rolled == RolledUp()
    only_d1 = roll_up(with_roll_up(spec, method), scores(spec, {"D1.O2.K1": 1}))
    assert codes(only_d1) == ({"D1.O2": "A"}, {"D1": "A"})


def test_scores_of_unknown_codes_are_ignored(spec: FrameworkSpec) -> None:
    stray = Score("A", 3.0, {"en": "Strong"})
    assert roll_up(spec, {"Z9.O9.K9": stray}) == RolledUp()


@given(
    points=st.lists(st.sampled_from([0, 1, 2, 3]), min_size=1, max_size=3),
    method=st.sampled_from(["weakest_link", "average"]),
)
def test_rolled_up_score_lies_between_the_worst_and_the_best(points: list[int], method: str) -> None:
    spec = with_roll_up(illustrative_spec(), method)
    assert spec.scoring is not None
    kpis = ["D1.O1.K1", "D1.O1.K2", "D1.O1.K3"]
    given_scores = {
        code: Score(spec.scoring.scale[p].code, spec.scoring.scale[p].points, spec.scoring.scale[p].label)
        for code, p in zip(kpis, points, strict=False)
    }
    outcome = roll_up(spec, given_scores).outcomes["D1.O1"]
    assert min(points) <= outcome.points <= max(points)
    if method == "weakest_link":
        assert outcome.points == min(points)
