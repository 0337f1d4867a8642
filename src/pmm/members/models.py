from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pmm.core.translated import pick


class GroupKind(models.TextChoices):
    WCO_REGION = "wco_region", _("WCO region")
    INCOME_GROUP = "income_group", _("Income group")
    GEOGRAPHY = "geography", _("Geography")
    UNION = "union", _("Union")
    CUSTOM = "custom", _("Custom group")


class Member(models.Model):
    """A WCO member administration."""

    iso3 = models.CharField(_("ISO 3166 alpha-3 code"), max_length=3, unique=True)
    iso2 = models.CharField(_("ISO 3166 alpha-2 code"), max_length=2, unique=True)
    name = models.JSONField(_("name"), help_text=_("Translated names: {language: name}"))
    sort_name = models.CharField(max_length=200, db_index=True)
    landlocked = models.BooleanField(_("landlocked"), default=False)
    small_island_developing_state = models.BooleanField(_("small island developing state"), default=False)
    groups = models.ManyToManyField("Group", related_name="members", blank=True)

    class Meta:
        ordering = ["sort_name"]

    def __str__(self) -> str:
        return f"{pick(self.name)} ({self.iso3})"

    @property
    def display_name(self) -> str:
        return pick(self.name)


class Group(models.Model):
    """A set of members: WCO region, income group, geography, union, or a custom group."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind.choices, db_index=True)
    name = models.JSONField(_("name"))
    description = models.JSONField(_("description"), default=dict, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "sort_order", "code"]

    def __str__(self) -> str:
        return pick(self.name)

    @property
    def display_name(self) -> str:
        return pick(self.name)
