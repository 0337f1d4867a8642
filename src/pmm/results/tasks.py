"""Background jobs of results, run by the database-backed queue (`pmm worker`; docs/decisions/0009)."""

from __future__ import annotations

from django_tasks import task


@task()
def recompute_assessment_results(assessment_id: int) -> str:
    from pmm.results.services import results_recompute

    result_set = results_recompute(assessment_id)
    return f"{result_set.assessment_id} v{result_set.assessment_version}"


@task()
def warm_group_statistics(publication_id: int) -> str:
    """Compute and cache the group statistics of a new publication for the audiences that will read
    them: the public, the Secretariat, and the own people of each published member. The groups and
    values are read once; an audience already cached (a reader asked first) is skipped."""
    from pmm.disclosure.audience import member_audience
    from pmm.disclosure.policy import EVERYTHING, PUBLIC_AUDIENCE
    from pmm.results.group_stats import warm_aggregates
    from pmm.results.models import Publication

    publication = Publication.objects.select_related("cycle__framework").get(pk=publication_id)
    members = publication.members.unrestricted().values_list("member_id", flat=True)
    # The public first: every signed-in audience's release starts from the public one (shared).
    audiences = [PUBLIC_AUDIENCE, EVERYTHING, *(member_audience(m) for m in members)]
    computed = warm_aggregates(publication, audiences)
    cached = len(audiences)
    return f"publication {publication_id}: statistics of {cached} audiences cached ({computed} computed)"
