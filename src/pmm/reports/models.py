"""A report file being made in the background (docs/reports.md, "When a report is not ready yet").

One row per file: its cache key is unique, so two readers asking for the same missing file share one
job. The row holds what the job needs to make the file again from scratch (the report asked, for
whom: the reader's edition and the key of the audience they were granted) and how far it has got.
It holds no figure: the file itself is kept in the cache, under `file_key`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pmm.core.fields import user_link


class ReportJob(models.Model):
    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country report")
        GLOBAL = "global", _("Global report")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RENDERING = "rendering", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        ACCESS = "access", _("Access changed")
        MISSING = "missing", _("Figures not found")
        LAYOUT = "layout", _("Layout failed")
        STOPPED = "stopped", _("Job stopped")

    file_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    cycle_id = models.PositiveIntegerField()
    iso3 = models.CharField(max_length=3, blank=True)  # the member of a country report
    edition = models.CharField(max_length=10)
    publication = models.PositiveIntegerField()  # its number in the cycle
    language = models.CharField(max_length=8)
    audience = models.TextField()  # the key of the audience the reader was granted (`Audience.key`)
    requested_by = user_link()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    failure = models.CharField(max_length=10, choices=Failure.choices, blank=True)
    task_id = models.CharField(max_length=64, blank=True)  # the queue's id of the latest run
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        what = f"{self.kind} report of cycle {self.cycle_id}" + (f" ({self.iso3})" if self.iso3 else "")
        return (
            f"{what}, publication {self.publication}, {self.edition} edition, {self.language}: {self.state}"
        )
