"""A segment's members as CSV, streamed: the rows are read in chunks, never held in memory at once.

Phone numbers are masked (138****1234) unless the staff member may see them
(``customers.view_phone``, ``siyu/members/privacy.py``).
Text cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.audience.models import Segment
from siyu.audience.rules import spec
from siyu.audience.selectors import get_segment, segment_customers
from siyu.members.privacy import mask_phone, phone_visible
from siyu.members.scope import customers_visible_to
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

HEADER = (
    "id",
    "nickname",
    "phone",
    "gender",
    "province",
    "city",
    "registered_at",
    "lifecycle_stage",
    "value_tier",
    "rfm_class",
)
COLUMNS = (
    "pk",
    "nickname",
    "phone",
    "gender",
    "province",
    "city",
    "registered_at",
    "value__lifecycle_stage",
    "value__value_tier",
    "value__rfm_class",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _row(values: tuple[Any, ...], show_phone: bool) -> list[str]:
    pk, nickname, phone, gender, province, city, registered_at, stage, tier, rfm = values
    return [
        str(pk),
        _cell(nickname),
        (phone or "") if show_phone else mask_phone(phone),
        gender,
        _cell(province),
        _cell(city),
        timezone.localtime(registered_at).isoformat(timespec="seconds"),
        stage or spec.FIELDS["lifecycle_stage"].default,  # no value row yet: the model's defaults
        tier or spec.FIELDS["value_tier"].default,
        rfm or "",
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


@transaction.atomic
def start_export(*, staff: Staff, segment_id: int) -> Segment:
    """Check access and record who exported what (before the first byte is sent)."""
    require(staff, Perm.CUSTOMERS_VIEW)
    segment = get_segment(merchant_id=staff.merchant_id, segment_id=segment_id)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="segment.export",
        obj=segment,
        after={"phones": "full" if phone_visible(staff) else "masked"},
    )
    return segment


def csv_lines(*, staff: Staff, segment: Segment) -> Iterator[str]:
    """The CSV text, line by line (UTF-8 BOM first, so spreadsheet programs read Chinese right)."""
    writer = csv.writer(_Echo())
    show_phone = phone_visible(staff)
    yield "\ufeff" + writer.writerow(HEADER)
    # A guide exports their own customers among the members (siyu/members/scope.py).
    members = customers_visible_to(staff, segment_customers(segment))
    rows = members.order_by("pk").values_list(*COLUMNS)
    for values in rows.iterator(chunk_size=CHUNK):
        yield writer.writerow(_row(values, show_phone))
