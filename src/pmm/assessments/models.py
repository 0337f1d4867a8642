"""A member's self-assessment in a cycle: reported data values for T and T-1, KPI-level choices
(applicability and disclosure), warning justifications, and the history of every change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pmm.authz.scope import RoleScopedQuerySet, RowScope
from pmm.core.fields import user_link


class AssessmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class ValueState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    NOT_AVAILABLE = "not_available", _("Not available")


class Disclosure(models.TextChoices):
    PUBLIC = "public", _("Public")
    WCO = "wco", _("WCO")
    UNION = "union", _("Union")
    COUNTRY = "country", _("Country")


class EntryPath(models.TextChoices):
    FORM = "form", _("form")
    WORKBOOK = "workbook", _("workbook")
    API = "api", _("API")
    CLI = "cli", _("command line")
    SYSTEM = "system", _("system")


class AssessmentDataQuerySet(RoleScopedQuerySet):
    """Rows of a member's self-assessment (and what is computed or filed with it): read by those who
    may read the assessment (`assessment.view`)."""

    read_action = "assessment.view"


class Assessment(models.Model):
    row_scope = RowScope(member="member_id", assessment="id")

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="assessments")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.NOT_STARTED
    )
    version = models.PositiveIntegerField(default=1, help_text="Incremented by every write; writes carry it.")
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = user_link()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = user_link()
    reopened_reason = models.TextField(blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "member"], name="one_assessment_per_cycle")]

    def __str__(self) -> str:
        return f"{self.member.iso3} · {self.cycle}"


class DataValue(models.Model):
    """One data element for one year (T or T-1) of an assessment."""

    row_scope = RowScope(member="assessment__member_id", assessment="assessment_id")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="values")
    element = models.ForeignKey("framework.DataElement", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=3)  # "T" or "T-1"
    value = models.JSONField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=ValueState.choices, default=ValueState.REPORTED)
    reason = models.TextField(_("reason not available"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    carried_forward = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = user_link()
    objects = AssessmentDataQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "element", "period"], name="one_value")]

    def __str__(self) -> str:
        return f"{self.element_id}@{self.period}={self.value}"


class KpiResponse(models.Model):
    """The member's KPI-level choices: applicability (with justification) and disclosure level."""

    row_scope = RowScope(member="assessment__member_id", assessment="assessment_id")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="kpi_responses")
    kpi = models.ForeignKey("framework.Kpi", on_delete=models.PROTECT, related_name="+")
    applicable = models.BooleanField(default=True)
    justification = models.TextField(blank=True)
    disclosure = models.CharField(max_length=10, choices=Disclosure.choices)
    updated_at = models.DateTimeField(auto_now=True)
    objects = AssessmentDataQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "kpi"], name="one_response_per_kpi")]

    def __str__(self) -> str:
        return f"{self.kpi_id}: applicable={self.applicable}, disclosure={self.disclosure}"


class WarningJustification(models.Model):
    """Why a validation warning (a rule, a jump against T-1) is not a mistake."""

    row_scope = RowScope(member="assessment__member_id", assessment="assessment_id")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="justifications")
    issue_key = models.CharField(max_length=120)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = user_link(blank=False)
    objects = AssessmentDataQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "issue_key"], name="one_justification")]

    def __str__(self) -> str:
        return f"{self.issue_key}: {self.text[:40]}"


class Change(models.Model):
    """History: one field of a value or KPI response changed by someone, through some path, for a reason."""

    row_scope = RowScope(member="assessment__member_id", assessment="assessment_id")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="changes")
    subject = models.CharField(max_length=120, db_index=True)  # "DECL_TOTAL@T", "kpi:D1.O1.K1", "issue:…"
    field = models.CharField(max_length=30)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    path = models.CharField(max_length=10, choices=EntryPath.choices)
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = user_link(blank=False)
    objects = AssessmentDataQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject}.{self.field}: {self.old!r} -> {self.new!r}"
