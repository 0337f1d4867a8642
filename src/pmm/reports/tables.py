"""The tables of a report in one form for the print page, the PDF and the workbook annex, so that the
annex holds exactly the tables the report shows.

A `Section` is one sheet of the annex: its columns, and its parts, each a table of the report under its
own caption (a KPI, a WCO region, an SDG target...). The workbook writes a section's parts one after the
other, the caption in a first column; the report shows each part as a table, leaving out the columns
that are empty in every one of its rows (the answers of yes/no KPIs, say, beside the medians of others).
A section may be the annex's only (`annex_only`): the detail of figures the report shows more briefly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

NOT_SHOWN = "\u2013"  # a figure the edition's readers are not given (an en dash; an empty cell in the annex)


@dataclass(frozen=True)
class Cell:
    """One cell: its text as the report shows it, and its value as the workbook stores it (a number
    where it is one, else the text). A row's header cell names what the row is about."""

    text: str
    value: float | int | str | None = None
    header: bool = False

    @property
    def empty(self) -> bool:
        return not self.text or self.text == NOT_SHOWN

    @property
    def stored(self) -> float | int | str | None:
        """What the workbook writes: the number, else the text (None for an empty cell)."""
        if self.value is not None:
            return self.value
        return None if self.empty else self.text


def text(value: str, *, header: bool = False) -> Cell:
    return Cell(value, None, header)


def number(shown: str, value: float | int | None) -> Cell:
    """A figure: shown in the reader's language, stored as a number (None: shown as text only)."""
    return Cell(shown, value)


def count(value: int) -> Cell:
    return Cell(str(value), value)


def not_shown() -> Cell:
    return Cell(NOT_SHOWN)


@dataclass(frozen=True)
class Part:
    """One table of the report: a caption and rows of cells, one cell per column of its section."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""  # said under the table (in the report and in the annex's "About" sheet: not a row)

    @property
    def _shown(self) -> list[int]:
        """The columns with something in at least one row (the first always)."""
        return [i for i in range(len(self.columns)) if i == 0 or any(not row[i].empty for row in self.rows)]

    @property
    def header(self) -> list[str]:
        return [self.columns[i] for i in self._shown]

    @property
    def body(self) -> list[list[Cell]]:
        shown = self._shown
        return [[row[i] for i in shown] for row in self.rows]


@dataclass(frozen=True)
class Section:
    """A group of tables of one kind (one sheet of the annex)."""

    key: str  # an anchor on the page: "participation", "statistics"...
    title: str
    sheet: str  # the annex sheet's name (31 characters at most)
    part_label: str  # what the annex's first column names: "Kind of group", "KPI"...
    columns: tuple[str, ...]
    parts: list[Part] = field(default_factory=list)
    intro: str = ""
    wide: bool = False  # printed on landscape pages (many columns)
    annex_only: bool = False  # in the workbook only (the report shows the same figures more briefly)

    def add(self, caption: str, rows: Sequence[tuple[Cell, ...]], note: str = "") -> None:
        for row in rows:
            if len(row) != len(self.columns):
                raise ValueError(f"a row of {len(row)} cells in a table of {len(self.columns)} columns")
        self.parts.append(Part(caption, self.columns, tuple(rows), note))

    @property
    def rows(self) -> int:
        return sum(len(p.rows) for p in self.parts)
