"""Background jobs of results, run by the database-backed queue (`pmm worker`; docs/decisions/0009)."""

from __future__ import annotations

from django_tasks import task


@task()
def recompute_assessment_results(assessment_id: int) -> str:
    from pmm.results.services import results_recompute

    result_set = results_recompute(assessment_id)
    return f"{result_set.assessment_id} v{result_set.assessment_version}"
