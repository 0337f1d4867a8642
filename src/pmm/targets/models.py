"""A member's KPI targets: the value it plans to reach for a KPI (component) in a reporting year.

Targets belong to the member and to a framework by its code, not to a framework version: KPI codes
carry over between versions, and so do the targets set on them. Removing a target deletes its row;
the audit log keeps what it was.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pmm.authz.scope import RoleScopedQuerySet, RowScope
from pmm.core.fields import user_link


class TargetQuerySet(RoleScopedQuerySet):
    read_action = "target.view"


class Target(models.Model):
    row_scope = RowScope(member="member_id")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="targets")
    framework_code = models.CharField(_("framework"), max_length=60)
    kpi = models.CharField(_("KPI"), max_length=30)
    component = models.CharField(_("component"), max_length=30, default="value")
    year = models.PositiveSmallIntegerField(_("year"), help_text="The reporting year the target is for")
    value = models.FloatField(_("target value"))
    note = models.TextField(_("note"), blank=True)
    set_by = user_link()
    set_at = models.DateTimeField()
    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["member", "framework_code", "kpi", "component", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "framework_code", "kpi", "component", "year"],
                name="one_target_per_kpi_component_year",
            )
        ]

    def __str__(self) -> str:
        component = "" if self.component == "value" else f" {self.component}"
        return f"target of {self.member_id} for {self.kpi}{component} in {self.year}: {self.value}"

    @property
    def label(self) -> str:
        """How the audit log names the target: member, KPI (component) and year."""
        component = "" if self.component == "value" else f" ({self.component})"
        iso3 = self.member.iso3 if self.member_id else "?"
        return f"{iso3} · {self.kpi}{component} · {self.year}"
