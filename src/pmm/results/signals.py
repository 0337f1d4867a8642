"""Results follow submissions (each queues a recomputation of the member's results), and cached group
statistics follow changes of groups and their members."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from pmm.assessments.signals import assessment_submitted
from pmm.members.models import Group, Member


@receiver(assessment_submitted, dispatch_uid="results-recompute-on-submit")
def _recompute_after_submission(sender: Any, assessment: Any, **kwargs: Any) -> None:
    from pmm.results.tasks import recompute_assessment_results

    recompute_assessment_results.enqueue(assessment.pk)


@receiver(post_save, sender=Group, dispatch_uid="results-groups-saved")
@receiver(post_delete, sender=Group, dispatch_uid="results-groups-deleted")
@receiver(m2m_changed, sender=Member.groups.through, dispatch_uid="results-group-members")
def _forget_group_statistics(sender: Any, **kwargs: Any) -> None:
    from pmm.results.group_stats import forget_cached_statistics

    if kwargs.get("action", "post").startswith("pre"):
        return  # membership changes signal before and after: once is enough

    forget_cached_statistics()
