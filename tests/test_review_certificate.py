"""The review certificate: each criterion on its own, the level, and the facts read from a review."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pmm.reviews.certificate import (
    CERTIFIED,
    NOT_CERTIFIED,
    WITH_RESERVATIONS,
    Certificate,
    Facts,
    certificate,
)

ALL_MET = Facts(
    signed_off=True,
    queries=4,
    queries_closed=4,
    kpis=10,
    kpis_with_verdict=10,
    kpis_reported=8,
    kpis_reported_with_evidence=6,
    rounds=2,
    rounds_returned_on_time=2,
)


def _unmet(facts: Facts, threshold: float = 0.75) -> set[str]:
    return {c.code for c in certificate(facts, threshold).reservations}


def test_everything_met_is_certified():
    result = certificate(ALL_MET, 0.75)
    assert result.level == CERTIFIED and result.reservations == []


def test_a_query_left_open_is_a_reservation():
    facts = replace(ALL_MET, queries_closed=3)
    assert _unmet(facts) == {"queries_closed"}
    assert certificate(facts, 0.75).level == WITH_RESERVATIONS


def test_a_kpi_without_verdict_is_a_reservation():
    assert _unmet(replace(ALL_MET, kpis_with_verdict=9)) == {"verdict_coverage"}


@pytest.mark.parametrize(
    ("with_evidence", "threshold", "met"),
    [(6, 0.75, True), (5, 0.75, False), (8, 1.0, True), (7, 1.0, False), (0, 0.0, True)],
)
def test_evidence_coverage_is_the_share_of_reported_kpis_with_a_file(with_evidence, threshold, met):
    facts = replace(ALL_MET, kpis_reported_with_evidence=with_evidence)
    assert ("evidence_coverage" not in _unmet(facts, threshold)) is met


def test_a_round_handed_back_late_is_a_reservation():
    assert _unmet(replace(ALL_MET, rounds_returned_on_time=1)) == {"rounds_on_time"}


def test_nothing_to_count_meets_a_criterion():
    facts = replace(ALL_MET, queries=0, queries_closed=0, rounds=0, rounds_returned_on_time=0)
    assert certificate(facts, 0.75).level == CERTIFIED


def test_before_sign_off_there_is_no_certificate_whatever_the_criteria():
    result = certificate(replace(ALL_MET, signed_off=False), 0.75)
    assert result.level == NOT_CERTIFIED and result.reservations == []


def test_the_certificate_is_recorded_and_read_back_identically():
    result = certificate(replace(ALL_MET, rounds_returned_on_time=0), 0.75)
    assert Certificate.from_json(result.to_json()) == result
