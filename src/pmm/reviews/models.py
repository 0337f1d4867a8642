"""Peer review: a member's request for a review of its submitted self-assessment, the pool of peer
reviewers, and the reviewers assigned to each review. The workflow is the table in `workflow.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    IN_REVIEW = "in_review", _("In review")
    MEMBER_RESPONDING = "member_responding", _("Member responding")
    SIGNED_OFF = "signed_off", _("Signed off")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Reviews that are over: nothing is open in them any more, and the member may request a new one.
FINISHED_STATUSES = frozenset({ReviewStatus.DECLINED, ReviewStatus.WITHDRAWN, ReviewStatus.SIGNED_OFF})
# Reviews whose assigned reviewers may read the member's self-assessment and country-level values.
READABLE_STATUSES = frozenset(
    {ReviewStatus.ACCEPTED, ReviewStatus.IN_REVIEW, ReviewStatus.MEMBER_RESPONDING, ReviewStatus.SIGNED_OFF}
)


class Accreditation(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    ACCREDITED = "accredited", _("Accredited")
    SUSPENDED = "suspended", _("Suspended")


class ReviewerProfile(models.Model):
    """A peer reviewer in the pool. Their own administration is the member of their role assignment."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer")
    accreditation = models.CharField(
        _("accreditation"), max_length=12, choices=Accreditation.choices, default=Accreditation.CANDIDATE
    )
    languages = models.JSONField(_("languages"), default=list, help_text="ISO 639-1 codes, e.g. ['en', 'fr']")
    expertise = models.JSONField(_("expertise"), default=list, help_text="Dimension codes, e.g. ['D1', 'D3']")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.accreditation})"


class Review(models.Model):
    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices)
    request_note = models.TextField(_("what the member wants from the review"), blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"review of {self.assessment} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED_STATUSES


class ReviewAssignment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(_("lead reviewer"), default=False)
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    warnings = models.JSONField(default=list, help_text="The warnings accepted when assigning")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "reviewer"], name="one_assignment_per_reviewer"),
            models.UniqueConstraint(
                fields=["review"], condition=models.Q(lead=True), name="one_lead_per_review"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.review_id}{' (lead)' if self.lead else ''}"
