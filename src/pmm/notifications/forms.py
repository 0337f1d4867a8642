"""The preferences form: one checkbox per kind of notification, "also send me an e-mail"."""

from __future__ import annotations

from typing import Any

from django import forms

from pmm.core.forms import CheckedForm
from pmm.notifications.selectors import Preference


def field_name(kind: str) -> str:
    return "email_" + kind.replace(".", "_")


class PreferencesForm(CheckedForm):
    def __init__(self, *args: Any, preferences: list[Preference], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {field_name(p.kind): p.email for p in preferences})
        super().__init__(*args, **kwargs)
        self.kinds: dict[str, str] = {}
        for preference in preferences:
            name = field_name(preference.kind)
            self.kinds[name] = preference.kind
            self.fields[name] = forms.BooleanField(label=preference.label, required=False)

    def choices(self) -> dict[str, bool]:
        """{kind: by e-mail} from the cleaned data."""
        return {kind: bool(self.cleaned_data.get(name)) for name, kind in self.kinds.items()}
