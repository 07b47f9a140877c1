"""Limit/offset pagination done in the database: one COUNT and one page query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

T = TypeVar("T")

MAX_LIMIT = 100


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    limit: int
    offset: int


def paginate(qs: QuerySet, params: PageParams, render: Callable[[Any], Any] = lambda x: x) -> dict:
    count = qs.count()
    rows = qs[params.offset : params.offset + params.limit]
    return {
        "items": [render(r) for r in rows],
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
    }
