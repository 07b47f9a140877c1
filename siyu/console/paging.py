"""Server-side pagination for console lists: one COUNT and one page query (plus its prefetches)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 20


def page_of(request: HttpRequest, qs: QuerySet, per_page: int = PER_PAGE) -> Page:
    """The page named by ``?page=`` (the last one when it is too large, the first when it is junk)."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))
