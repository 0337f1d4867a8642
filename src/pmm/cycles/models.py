"""Assessment cycles: the Secretariat opens one every two years for a framework version and a
reporting year T (T-1 follows); members join voluntarily."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from pmm.core.fields import user_link


class CycleStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class Cycle(models.Model):
    framework = models.ForeignKey("framework.Framework", on_delete=models.PROTECT, related_name="cycles")
    reporting_year = models.PositiveIntegerField(_("reporting year (T)"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(_("status"), max_length=10, choices=CycleStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = user_link()

    class Meta:
        ordering = ["-reporting_year", "-opens_on"]

    def __str__(self) -> str:
        return str(
            _("Cycle %(year)s (reporting year %(t)s)")
            % {"year": self.opens_on.year, "t": self.reporting_year}
        )

    @property
    def previous_year(self) -> int:
        return self.reporting_year - 1


class DeadlineExtension(models.Model):
    """A member may keep editing until `extended_to` although the cycle's closing date has passed."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="extensions")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    extended_to = models.DateField(_("extended to"))
    reason = models.TextField(_("reason"))
    granted_by = user_link(blank=False)
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "member"], name="one_extension_per_member")]

    def __str__(self) -> str:
        return f"{self.member_id} until {self.extended_to}"


def deadline_for(cycle: Cycle, extension: DeadlineExtension | None) -> date:
    if extension is not None and extension.extended_to > cycle.closes_on:
        return extension.extended_to
    return cycle.closes_on
