"""One page of a long list, for the pages that show one (results, ...): Django's Paginator, with the
page number read leniently and the links keeping the rest of the query string (the filters).

A page number that is no number, or below 1, gives the first page; one past the end gives the last:
a link that was right yesterday still leads somewhere useful, and bad input never fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.paginator import Paginator
from django.http import QueryDict

T = TypeVar("T")

PAGE_PARAMETER = "page"
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: the gap of an elided range ("…")
    url: str
    current: bool


@dataclass(frozen=True)
class ListPage(Generic[T]):
    items: list[T]
    number: int
    page_count: int
    total: int  # items in the whole list
    first: int  # position of the first item shown, from 1 (0 when the list is empty)
    last: int  # position of the last item shown
    previous_url: str
    next_url: str
    links: list[PageLink]

    @property
    def several(self) -> bool:
        """Whether there is more than one page (the page links are shown only then)."""
        return self.page_count > 1


def requested_page(text: str | None) -> int:
    """The page number asked for: 1 for anything that is not a positive whole number ("abc", "-1",
    "0", "1.5"); a very long number is simply very large (the caller clamps it to the last page)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return max(1, int(text[:12]))


def page_url(query: QueryDict, number: int) -> str:
    """The query string of page `number` with every other parameter kept ("?kpi=…&page=3")."""
    kept = query.copy()
    kept.pop(PAGE_PARAMETER, None)
    if number > 1:
        kept[PAGE_PARAMETER] = str(number)
    encoded = kept.urlencode()
    return f"?{encoded}" if encoded else "?"


def list_page(items: Sequence[T], query: QueryDict, *, per_page: int = DEFAULT_PAGE_SIZE) -> ListPage[T]:
    """The page of `items` the query asks for (`page`), clamped to the pages that exist."""
    paginator = Paginator(items, per_page, allow_empty_first_page=True)
    number = min(requested_page(query.get(PAGE_PARAMETER)), paginator.num_pages)
    page = paginator.page(number)
    links = [
        PageLink(n, page_url(query, n), n == number) if isinstance(n, int) else PageLink(None, "", False)
        for n in paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)
    ]
    total = paginator.count
    return ListPage(
        items=list(page.object_list),
        number=number,
        page_count=paginator.num_pages,
        total=total,
        first=page.start_index() if total else 0,
        last=page.end_index() if total else 0,
        previous_url=page_url(query, number - 1) if page.has_previous() else "",
        next_url=page_url(query, number + 1) if page.has_next() else "",
        links=links,
    )
