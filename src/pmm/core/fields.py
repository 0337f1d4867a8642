"""Model fields the apps declare alike."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def user_link(*, blank: bool = True) -> models.ForeignKey[Any, Any]:
    """The account that did something (loaded, submitted, decided...): none when the system did it,
    kept as none when the account goes, and no reverse accessor on the user (`related_name="+"`).
    `blank=False`: the forms ask for it (a field the code always sets)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=blank, on_delete=models.SET_NULL, related_name="+"
    )
