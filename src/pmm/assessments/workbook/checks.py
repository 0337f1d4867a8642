"""Spreadsheet-side checks of the exported workbook: drop-down lists, number ranges, sheet protection.

They guide the person filling in the workbook; the import checks everything again, since a
spreadsheet program may drop or bypass them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from pmm.framework.spec import ElementSpec


class SheetChecks:
    """The data validations (drop-downs, number checks) of one sheet, one object per kind."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.by_key: dict[Any, DataValidation] = {}

    def _get(self, key: Any, **options: Any) -> DataValidation:
        if key not in self.by_key:
            check = DataValidation(allow_blank=True, showErrorMessage=True, **options)
            self.ws.add_data_validation(check)
            self.by_key[key] = check
        return self.by_key[key]

    def add(self, list_range: str, ref: str) -> None:
        """A drop-down list (a range of the hidden _lists sheet) on the cell `ref`."""
        check = self._get(
            ("list", list_range),
            type="list",
            formula1=list_range,
            errorTitle=_("Not in the list"),
            error=_("Choose a value from the drop-down list."),
        )
        check.add(ref)

    def number(self, element: ElementSpec, ref: str) -> None:
        """The element's type (whole or decimal number) and range on the cell `ref`."""
        low, high = element.minimum, element.maximum
        kind = "whole" if element.whole_numbers else "decimal"
        if low is not None and high is not None:
            rule: dict[str, Any] = {"operator": "between", "formula1": _num(low), "formula2": _num(high)}
            error = _("Type a number between %(min)s and %(max)s.") % {"min": _num(low), "max": _num(high)}
        elif low is not None:
            rule = {"operator": "greaterThanOrEqual", "formula1": _num(low)}
            error = _("Type a number of at least %(min)s.") % {"min": _num(low)}
        elif high is not None:
            rule = {"operator": "lessThanOrEqual", "formula1": _num(high)}
            error = _("Type a number of at most %(max)s.") % {"max": _num(high)}
        else:
            rule = {"operator": "between", "formula1": "-1E+307", "formula2": "1E+307"}
            error = _("Type a number.")
        if element.whole_numbers:
            error = f"{error} {_('Whole numbers only.')}"
        check = self._get(
            (kind, low, high), type=kind, errorTitle=_("Not a valid number"), error=error, **rule
        )
        check.add(ref)


def protection() -> SheetProtection:
    """Locked structure, no password: only the unlocked input cells can change; columns may be resized."""
    return SheetProtection(sheet=True, formatColumns=False, formatRows=False)


def _num(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
