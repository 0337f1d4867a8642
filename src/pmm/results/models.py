"""KPI results: the current results of each submitted assessment, and published snapshots.

Current results (`ResultSet`, `KpiResult`) are recomputed in a background job whenever an assessment
is submitted; they are seen only by the member and the Secretariat. A `Publication` freezes a cycle's
results with everything needed to reproduce them: the framework version and fingerprint, the
computation version, and each member's inputs (`PublishedMember.inputs`). Published rows are never
changed: a correction is a new publication, with a change log against the previous one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pmm.assessments.models import AssessmentDataQuerySet
from pmm.authz.scope import RowScope
from pmm.core.append_only import AppendOnlyModel, AppendOnlyQuerySet
from pmm.core.fields import user_link
from pmm.disclosure.rows import DisclosedQuerySet


class ResultStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    NOT_COMPUTABLE = "not_computable", _("Not computable")
    MISSING = "missing", _("Missing")


class ResultSet(models.Model):
    """The current results of one assessment, as of one version of its data."""

    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.CASCADE, related_name="result_set"
    )
    assessment_version = models.PositiveIntegerField()
    inputs_fingerprint = models.CharField(max_length=64)
    computation_version = models.CharField(max_length=20)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"results of {self.assessment} v{self.assessment_version}"


class _ResultFields(models.Model):
    kpi = models.CharField(max_length=30)
    component = models.CharField(max_length=30, default="value")
    status = models.CharField(max_length=20, choices=ResultStatus.choices)
    value = models.FloatField(null=True)
    reason = models.CharField(max_length=40, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        abstract = True


class KpiResult(_ResultFields):
    row_scope = RowScope(member="result_set__assessment__member_id", assessment="result_set__assessment_id")
    result_set = models.ForeignKey(ResultSet, on_delete=models.CASCADE, related_name="results")
    missing = models.JSONField(default=list)
    objects = AssessmentDataQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["result_set", "kpi", "component"], name="one_current_result")
        ]

    def __str__(self) -> str:
        return f"{self.kpi}.{self.component}={self.value} ({self.status})"


class Publication(AppendOnlyModel):
    """A frozen snapshot of a cycle's results."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="publications")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = user_link()
    note = models.TextField(_("note"), blank=True)
    framework_code = models.CharField(max_length=60)
    framework_version = models.CharField(max_length=40)
    framework_fingerprint = models.CharField(max_length=64)
    computation_version = models.CharField(max_length=20)
    inputs_fingerprint = models.CharField(max_length=64, help_text="Over every member's inputs fingerprint")
    member_count = models.PositiveIntegerField()
    change_log = models.JSONField(default=list)

    class Meta:
        ordering = ["cycle", "-number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="one_publication_number")]

    def __str__(self) -> str:
        return f"{self.cycle} · publication {self.number}"


class PublishedMemberQuerySet(AssessmentDataQuerySet, AppendOnlyQuerySet):
    """A publication's recorded inputs: the member's data, never changed."""


class PublishedMember(AppendOnlyModel):
    """One member's recorded inputs in a publication: enough to recompute its results exactly."""

    # The recorded inputs are the member's data: read by those who may read its assessment of the cycle.
    row_scope = RowScope(member="member_id", cycle="publication__cycle_id")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="members")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    assessment_version = models.PositiveIntegerField()
    inputs = models.JSONField()
    inputs_fingerprint = models.CharField(max_length=64)
    objects = PublishedMemberQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "member"], name="one_published_member")]

    def __str__(self) -> str:
        return f"{self.publication} · {self.member_id}"


class PublishedResultQuerySet(DisclosedQuerySet, AppendOnlyQuerySet):
    """Published figures: read through `visible_to(reader)`, the disclosure rule; never changed."""


class PublishedResult(_ResultFields, AppendOnlyModel):
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="results")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    disclosure = models.CharField(max_length=10)
    reviewed = models.BooleanField(
        default=False,
        help_text="Peer reviewed when published: confirmed or adjusted in a signed-off peer review.",
    )
    objects = PublishedResultQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "member", "kpi", "component"], name="one_published_result"
            )
        ]
        indexes = [models.Index(fields=["publication", "kpi"], name="published_by_kpi")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kpi}.{self.component}={self.value}"
