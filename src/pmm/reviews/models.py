"""Peer review: a member's request for a review of its submitted self-assessment, the pool of peer
reviewers, and the reviewers assigned to each review. The workflow is the table in `workflow.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmm.authz.scope import RoleScopedQuerySet, RowScope
from pmm.core.fields import user_link


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


class ReviewDataQuerySet(RoleScopedQuerySet):
    """A review's queries, messages and verdicts: read by those who may see the review."""

    read_action = "review.view"


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
    row_scope = RowScope(member="assessment__member_id", assessment="assessment_id")

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices)
    request_note = models.TextField(_("what the member wants from the review"), blank=True)
    requested_at = models.DateTimeField()
    requested_by = user_link(blank=False)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = user_link()
    version = models.PositiveIntegerField(default=1)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = user_link()
    certificate = models.JSONField(
        null=True, blank=True, help_text="The certificate computed at sign-off (see reviews/certificate.py)"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"review of {self.assessment}"  # no status: an audit entry keeps this label (it goes stale)

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED_STATUSES


class ReviewAssignment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(_("lead reviewer"), default=False)
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = user_link(blank=False)
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


# --- the review itself: rounds of queries, the member's answers, verdicts -----------------------------


class ReviewRound(models.Model):
    """A batch of queries sent to the member with a due date; over when the member hands it back."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(_("due date"))
    sent_at = models.DateTimeField()
    sent_by = user_link(blank=False)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = user_link()

    class Meta:
        ordering = ["review", "number"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="one_round_number")]

    def __str__(self) -> str:
        return f"round {self.number} of review {self.review_id}"

    @property
    def on_time(self) -> bool | None:
        """Handed back by its due date (None while it is still with the member)."""
        if self.returned_at is None:
            return None
        return timezone.localdate(self.returned_at) <= self.due_date


class QueryStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("query status", "Open")
    ANSWERED = "answered", pgettext_lazy("query status", "Answered")
    CLOSED = "closed", pgettext_lazy("query status", "Closed")


class ReviewQuery(models.Model):
    """A reviewer's question about one KPI, or about one value (a data element, optionally one year)."""

    row_scope = RowScope(member="review__assessment__member_id", assessment="review__assessment_id")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="queries")
    number = models.PositiveIntegerField()
    kpi = models.CharField(_("KPI"), max_length=40)
    element = models.CharField(_("data element"), max_length=60, blank=True)
    period = models.CharField(_("year"), max_length=3, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QueryStatus.choices, default=QueryStatus.OPEN
    )
    raised_at = models.DateTimeField()
    raised_by = user_link(blank=False)
    round = models.ForeignKey(
        ReviewRound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queries",
        help_text="The round the query was last sent in; empty until it is sent to the member.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    objects = ReviewDataQuerySet.as_manager()

    class Meta:
        ordering = ["review", "number"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="one_query_number")]

    def __str__(self) -> str:
        return f"query {self.number} on {self.subject} ({self.status})"

    @property
    def subject(self) -> str:
        """What the query is about: "D1.O1.K1", "DECL_TOTAL" or "DECL_TOTAL@T-1"."""
        if not self.element:
            return self.kpi
        return f"{self.element}@{self.period}" if self.period else self.element


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question")
    ANSWER = "answer", _("Answer")
    CORRECTION = "correction", _("Correction")
    EVIDENCE = "evidence", _("Evidence")
    CLOSE = "close", pgettext_lazy("query step", "Closed")
    REOPEN = "reopen", pgettext_lazy("query step", "Re-opened")


# What the reviewers ask; the member sees it once it is sent in a round. (A note closing a query is
# seen at once.)
REVIEWER_KINDS = frozenset({MessageKind.QUESTION, MessageKind.REOPEN})


class QueryMessage(models.Model):
    """One step of a query's thread. Corrections record each value before and after."""

    row_scope = RowScope(
        member="query__review__assessment__member_id", assessment="query__review__assessment_id"
    )

    query = models.ForeignKey(ReviewQuery, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    text = models.TextField(blank=True)
    author = user_link(blank=False)
    at = models.DateTimeField()
    round = models.ForeignKey(
        ReviewRound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
        help_text="Empty for a reviewer's message not sent to the member yet.",
    )
    changes = models.JSONField(
        default=list, blank=True, help_text="Corrections: [{element, period, before, after}]"
    )
    evidence = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = ReviewDataQuerySet.as_manager()

    class Meta:
        ordering = ["query", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on query {self.query_id}"

    @property
    def sent(self) -> bool:
        return self.round_id is not None or self.kind not in REVIEWER_KINDS


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    ADJUSTED = "adjusted", _("Adjusted")
    NOT_VALIDATED = "not_validated", _("Not validated")


class KpiVerdict(models.Model):
    """The reviewers' conclusion on one KPI of the reviewed self-assessment."""

    row_scope = RowScope(member="review__assessment__member_id", assessment="review__assessment_id")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="verdicts")
    kpi = models.CharField(_("KPI"), max_length=40)
    verdict = models.CharField(_("verdict"), max_length=14, choices=Verdict.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField()
    decided_by = user_link(blank=False)
    objects = ReviewDataQuerySet.as_manager()

    class Meta:
        ordering = ["review", "kpi"]
        constraints = [models.UniqueConstraint(fields=["review", "kpi"], name="one_verdict_per_kpi")]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.verdict}"
