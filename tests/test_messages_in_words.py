"""Messages name things as people know them: a data element by its label and the year in words, in the
reader's language; the codes stay in the machine keys (issue keys, API fields). Issue 14, item 6."""

from __future__ import annotations

import pytest
from django.utils import translation

from pmm.assessments.messages import issue_text
from pmm.assessments.validation import Entry, check_assessment, check_entry
from pmm.cycles.selectors import cycle_spec
from pmm.framework.names import element_text
from pmm.framework.views import source_shown


@pytest.fixture
def spec(open_cycle):
    return cycle_spec(open_cycle)


def _named(spec, code: str, language: str) -> str:
    return spec.elements[code].name[language]


@pytest.mark.django_db
def test_a_refused_value_is_named_by_its_label_and_year(spec):
    _entry, [issue] = check_entry(spec, "DECL_TOTAL", "T", "lots", "reported", "")
    assert (issue.key, issue.element, issue.period) == ("type:DECL_TOTAL@T", "DECL_TOTAL", "T")  # machines
    assert issue.text() == f"“{_named(spec, 'DECL_TOTAL', 'en')}” (year T) must be a number"
    with translation.override("fr"):
        shown = issue_text(issue)
    assert _named(spec, "DECL_TOTAL", "fr") in shown and "année T" in shown
    assert "DECL_TOTAL" not in shown and "(T)" not in shown


@pytest.mark.django_db
def test_missing_values_and_jumps_are_named_by_their_labels(spec):
    values = {("AEO_COUNT", "T"): Entry(300), ("AEO_COUNT", "T-1"): Entry(100)}
    issues = {i.key: i for i in check_assessment(spec, values, [], 50)}
    jump, missing = issues["jump:AEO_COUNT"], issues["missing:DECL_TOTAL@T"]
    assert jump.text().startswith(f"“{_named(spec, 'AEO_COUNT', 'en')}” changed from 100 in year T-1 to 300")
    label = _named(spec, "DECL_TOTAL", "en")
    assert missing.text() == f"“{label}” (year T) is missing: report it or say why it is not available"
    with translation.override("fr"):
        assert _named(spec, "AEO_COUNT", "fr") in issue_text(jump)
        assert "année T" in issue_text(missing) and "DECL_TOTAL" not in issue_text(missing)


@pytest.mark.django_db
def test_an_unknown_element_keeps_the_code_it_was_given(spec):
    _entry, [issue] = check_entry(spec, "NOPE", "T", 1, "reported", "")
    assert issue.text() == "unknown data element NOPE"
    assert element_text(spec, "NOPE", "T") == "“NOPE” (year T)"


@pytest.mark.django_db
def test_element_text_reads_in_the_active_language(spec):
    assert element_text(spec, "DECL_ELECTRONIC") == f"“{_named(spec, 'DECL_ELECTRONIC', 'en')}”"
    label = _named(spec, "DECL_ELECTRONIC", "en")
    assert element_text(spec, "DECL_ELECTRONIC", "T-1") == f"“{label}” (year T-1)"
    with translation.override("fr"):
        shown = element_text(spec, "DECL_ELECTRONIC", "T")
    assert _named(spec, "DECL_ELECTRONIC", "fr") in shown and "(année T)" in shown


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("Reconstruction from public sources (see pmm-domain.md)", "Reconstruction from public sources"),
        ("pmm-domain.md (WCO PMM v.1 domain research notes)", "(WCO PMM v.1 domain research notes)"),
        ("https://www.wcoomd.org/pmm.md", "https://www.wcoomd.org/pmm.md"),  # a link is a link
        ("WCO Annual Report 2023, p. 12", "WCO Annual Report 2023, p. 12"),
        ("", ""),
    ],
)
def test_a_kpi_page_shows_the_source_without_the_authors_notes(source, shown):
    assert source_shown(source) == shown


@pytest.mark.django_db
def test_the_kpi_page_of_a_reconstructed_kpi_names_no_notes(client):
    page = client.get("/frameworks/pmm-v1/kpis/D1.O1.K3/").content.decode()
    assert "Reconstruction from public sources" in page and ".md" not in page
