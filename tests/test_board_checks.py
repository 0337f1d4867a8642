"""The status board's checks are remembered by assessment version: never out of date, never shared
with a reader who may see less."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmm.assessments.board_checks import brief_checks
from pmm.assessments.selectors import assessment_access, status_board
from pmm.assessments.services import ValueInput, values_save
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec

pytestmark = pytest.mark.django_db


def _row(rows, iso3: str):
    return next(r for r in rows if r.member.iso3 == iso3)


def _reads_values(captured) -> bool:
    return any("assessments_datavalue" in q["sql"] for q in captured.captured_queries)


def test_a_board_read_again_does_not_validate_unchanged_assessments(
    open_cycle, complete_assessment, make_user
):
    admin = make_user("secretariat_admin")
    complete_assessment(open_cycle, "KEN")
    first = status_board(admin, open_cycle)
    with CaptureQueriesContext(connection) as captured:
        again = status_board(admin, open_cycle)
    assert not _reads_values(captured)
    assert again == first


def test_a_change_shows_on_the_board_at_once(open_cycle, complete_assessment, make_user):
    admin = make_user("secretariat_admin")
    complete_assessment(open_cycle, "KEN")
    before = _row(status_board(admin, open_cycle), "KEN")
    assert before.errors == 0
    kenya = assessment_access(SYSTEM, open_cycle, "KEN")
    values_save(
        actor=SYSTEM,
        assessment=kenya,
        version=kenya.version,
        path="api",
        items=[ValueInput("DECL_TOTAL", "T", 100), ValueInput("DECL_ELECTRONIC", "T", 500)],
    )
    with CaptureQueriesContext(connection) as captured:
        after = _row(status_board(admin, open_cycle), "KEN")
    assert _reads_values(captured)  # the new version was validated
    assert after.errors > before.errors  # more electronic declarations than declarations in all


def test_checks_remembered_for_the_secretariat_are_not_given_to_a_reader_who_sees_less(
    open_cycle, complete_assessment, make_user
):
    admin, kenya_ncp = make_user("secretariat_admin"), make_user("ncp", "KEN")
    complete_assessment(open_cycle, "KEN")
    complete_assessment(open_cycle, "FRA")
    spec = cycle_spec(open_cycle)
    both = [assessment_access(SYSTEM, open_cycle, iso3) for iso3 in ("KEN", "FRA")]
    whole = brief_checks(spec, admin, both)
    assert whole[both[1].pk].completeness == 100
    seen_by_kenya = brief_checks(spec, kenya_ncp, both)
    assert seen_by_kenya[both[0].pk] == whole[both[0].pk]  # its own: the same data
    assert seen_by_kenya[both[1].pk].completeness == 0  # France's data is not Kenya's to read
