"""The disclosure levels a member's latest publication recorded, asked by assessments
(`pmm.assessments.services.disclosure.published_levels`, provided in ResultsConfig.ready())."""

from __future__ import annotations

from pmm.assessments.models import Assessment
from pmm.assessments.services.disclosure import NOT_PUBLISHED, PublishedLevels
from pmm.results.models import PublishedResult


def latest_published_levels(assessment: Assessment) -> PublishedLevels:
    """The levels the member's latest publication in the assessment's cycle recorded, per KPI.

    Two queries at most, whatever the number of KPIs and publications."""
    if not assessment.pk:
        return NOT_PUBLISHED
    # Only levels are read, never a value: for the rule of `kpi_update`, and for pages and API answers
    # that readers of the assessment (who see its current levels anyway) have already passed.
    mine = PublishedResult.objects.unrestricted().filter(
        publication__cycle_id=assessment.cycle_id, member_id=assessment.member_id
    )
    latest = (
        mine.order_by("-publication__number").values_list("publication_id", "publication__number").first()
    )
    if latest is None:
        return NOT_PUBLISHED
    publication_id, number = latest
    levels: dict[str, str] = {}
    for kpi, level in mine.filter(publication_id=publication_id).values_list("kpi", "disclosure"):
        levels.setdefault(kpi, level)
    return PublishedLevels(number, levels)
