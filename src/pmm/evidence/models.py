"""Evidence files a member attaches to a KPI or to one value (element and period) of its assessment.

The bytes live under settings.PMM_EVIDENCE_DIR (outside the web root) under a random name; the
original name is kept only for the download's Content-Disposition. Removal is soft: the row and
the file stay for the history and the audit log, but the file is no longer listed or served.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pmm.assessments.models import AssessmentDataQuerySet
from pmm.authz.scope import RowScope
from pmm.core.fields import user_link


class Evidence(models.Model):
    row_scope = RowScope(member="assessment__member_id", assessment="assessment_id")
    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.CASCADE, related_name="evidence_files"
    )
    # Either a KPI, or a data element and period (one value).
    kpi = models.ForeignKey(
        "framework.Kpi", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    element = models.ForeignKey(
        "framework.DataElement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(max_length=3, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120, help_text="Sniffed from the bytes, never the client's.")
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=80, unique=True, help_text="Relative to PMM_EVIDENCE_DIR.")
    description = models.TextField(_("description"), blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = user_link()
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = user_link()
    deleted_reason = models.TextField(blank=True)
    objects = AssessmentDataQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kpi__isnull=False) & Q(element__isnull=True) & Q(period=""))
                | (Q(kpi__isnull=True) & Q(element__isnull=False) & Q(period__in=["T", "T-1"])),
                name="evidence_for_a_kpi_or_a_value",
            )
        ]
        indexes = [models.Index(fields=["assessment", "deleted_at"], name="evidence_listing")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.subject})"

    @property
    def subject(self) -> str:
        """What the file supports, as the assessment history names it: "D1.O1.K1" or "DECL_TOTAL@T"."""
        if self.kpi is not None:
            return self.kpi.code
        return f"{self.element.code if self.element else '?'}@{self.period}"
