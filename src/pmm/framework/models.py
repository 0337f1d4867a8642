"""The versioned framework catalogue: dimension → outcome → KPI, data elements shared between KPIs.

Rows are written only by `services.framework_load` from a checked framework file; the file's
normalised document is kept on `Framework.document`, so an export gives back the same file.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pmm.core.fields import user_link
from pmm.core.translated import pick
from pmm.framework.kinds import ELEMENT_TYPE_LABELS


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Framework(models.Model):
    code = models.CharField(_("code"), max_length=60)
    version = models.CharField(_("version"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=FrameworkStatus.choices)
    title = models.JSONField(_("title"))
    description = models.JSONField(_("description"), default=dict)
    languages = models.JSONField(default=list)
    provenance = models.JSONField(_("provenance"))
    document = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)
    loaded_by = user_link()

    class Meta:
        ordering = ["code", "-loaded_at"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_framework_version")]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"

    @property
    def display_title(self) -> str:
        return pick(self.title)

    @property
    def is_locked(self) -> bool:
        """Active and retired frameworks never change: a change makes a new version."""
        return self.status != FrameworkStatus.DRAFT


class Unit(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(max_length=40)
    symbol = models.CharField(max_length=20, blank=True)
    name = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_unit")]

    def __str__(self) -> str:
        return pick(self.name)


class Instrument(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="instruments")
    code = models.CharField(max_length=40)
    name = models.JSONField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_instrument")]

    def __str__(self) -> str:
        return pick(self.name)


class SdgTarget(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="sdg_targets")
    code = models.CharField(max_length=10)
    name = models.JSONField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_sdg_target")]

    def __str__(self) -> str:
        return f"{self.code} {pick(self.name)}"


class DataElement(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="data_elements")
    code = models.CharField(max_length=60)
    name = models.JSONField()
    description = models.JSONField(default=dict)
    value_type = models.CharField(max_length=20)
    currency = models.CharField(max_length=10, blank=True)
    options = models.JSONField(default=list)
    periods = models.JSONField(default=list)
    min_value = models.FloatField(null=True)
    max_value = models.FloatField(null=True)
    required = models.BooleanField(default=True)
    formula = models.TextField(blank=True)
    provenance = models.JSONField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_data_element")]

    def __str__(self) -> str:
        return self.code

    @property
    def type_label(self) -> str:
        label = ELEMENT_TYPE_LABELS.get(self.value_type, self.value_type)
        currency = _("national currency") if self.currency == "national" else self.currency
        return f"{label} ({currency})" if currency else str(label)

    @property
    def is_derived(self) -> bool:
        return bool(self.formula)


class ConsistencyRule(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="consistency_rules")
    code = models.CharField(max_length=80)
    expression = models.TextField()
    severity = models.CharField(max_length=10)
    message = models.JSONField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_rule")]

    def __str__(self) -> str:
        return self.code


class Dimension(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField(max_length=30)
    name = models.JSONField()
    description = models.JSONField(default=dict)
    provenance = models.JSONField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_dimension")]

    def __str__(self) -> str:
        return f"{self.code} {pick(self.name)}"


class Outcome(models.Model):
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField(max_length=30)
    name = models.JSONField()
    description = models.JSONField(default=dict)
    provenance = models.JSONField()
    position = models.PositiveIntegerField()
    instruments = models.ManyToManyField(Instrument, related_name="outcomes", blank=True)
    sdg_targets = models.ManyToManyField(SdgTarget, related_name="outcomes", blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code} {pick(self.name)}"


class Kpi(models.Model):
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="kpis")
    code = models.CharField(max_length=30)
    name = models.JSONField()
    description = models.JSONField(default=dict)
    kind = models.CharField(max_length=30)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="kpis")
    direction = models.CharField(max_length=20)
    formula = models.JSONField(
        help_text="component → formula text; single formulas use the component 'value'"
    )
    min_value = models.FloatField(null=True)
    max_value = models.FloatField(null=True)
    disclosure_default = models.CharField(max_length=10)
    provenance = models.JSONField()
    position = models.PositiveIntegerField()
    instruments = models.ManyToManyField(Instrument, related_name="kpis", blank=True)
    sdg_targets = models.ManyToManyField(SdgTarget, related_name="kpis", blank=True)
    data_elements = models.ManyToManyField(DataElement, related_name="kpis", blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code} {pick(self.name)}"

    @property
    def is_official(self) -> bool:
        return bool(self.provenance.get("status") == "official")
