"""Import a customer list: one row per customer, known afterwards by (source, the file's customer id).

A customer already imported under the same source and id is left as it is (a re-run changes
nothing). A phone becomes the customer's phone and phone identity, so a later WeChat login with the
same number finds the imported customer; a phone that already belongs to someone else is a bad row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siyu.imports.models import ExternalCustomerRef, ImportKind
from siyu.imports.services import bulk, cells
from siyu.imports.services.batches import authorize, existing, finish_reading, open_table, writing
from siyu.imports.services.mapping import CUSTOMER_ID, Field
from siyu.imports.services.options import ImportOptions
from siyu.imports.services.readers import Progress
from siyu.imports.services.report import ImportReport, RowError, RowScope
from siyu.members.models import Customer, CustomerIdentity, Gender, IdentityKind, Source
from siyu.tenancy.models import Merchant, Staff

FIELDS = (
    CUSTOMER_ID,
    Field("nickname", ("name", "nick", "昵称", "姓名", "客户名称")),
    Field("phone", ("mobile", "phone_number", "tel", "手机", "手机号", "电话")),
    Field("gender", ("sex", "性别")),
    Field("birthday", ("birth_date", "date_of_birth", "dob", "生日", "出生日期")),
    Field("province", ("省", "省份")),
    Field("city", ("城市", "市")),
    Field("district", ("区", "区县")),
    Field("registered_at", ("registered", "signup_date", "join_date", "created_at", "注册时间", "入会时间")),
)


@dataclass(frozen=True, slots=True)
class CustomerRow:
    line: int
    external_id: str
    nickname: str
    phone: str | None
    gender: str
    birthday: date | None
    province: str
    city: str
    district: str
    registered_at: datetime


def import_customers(
    *,
    merchant: Merchant,
    data: bytes | IO[bytes],
    filename: str = "",
    options: ImportOptions | None = None,
    acting_staff: Staff | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a file of customers into ``merchant``; all of it, the good rows, or (rejected) none."""
    options = options or ImportOptions()
    authorize(acting_staff, ImportKind.CUSTOMERS)
    table, columns, report = open_table(
        kind=ImportKind.CUSTOMERS,
        data=data,
        filename=filename,
        options=options,
        fields=FIELDS,
        progress=progress,
    )
    zone, now = ZoneInfo(merchant.timezone), timezone.now()
    date_format = options.date_format or None
    parsed: list[CustomerRow] = []
    first_line: dict[str, int] = {}
    phone_line: dict[str, int] = {}
    for line, row in table.rows:
        scope = RowScope(line, row, columns)
        item = CustomerRow(
            line=line,
            external_id=scope.get("customer_id", lambda c: cells.text(c, max_length=128, required=True), ""),
            nickname=scope.get("nickname", lambda c: cells.text(c, max_length=64), ""),
            phone=scope.get("phone", cells.phone, None),
            gender=scope.get("gender", cells.gender, Gender.UNKNOWN.value),
            birthday=scope.get("birthday", lambda c: cells.calendar_date(c, date_format=date_format), None),
            province=scope.get("province", lambda c: cells.text(c, max_length=32), ""),
            city=scope.get("city", lambda c: cells.text(c, max_length=32), ""),
            district=scope.get("district", lambda c: cells.text(c, max_length=32), ""),
            registered_at=scope.get(
                "registered_at",
                lambda c: (
                    now if cells.is_blank(c) else cells.moment(c, date_format=date_format, zone=zone, now=now)
                ),
                now,
            ),
        )
        if item.external_id in first_line:
            scope.fail(
                "customer_id", _("Duplicate of line %(line)d.") % {"line": first_line[item.external_id]}
            )
        elif item.external_id:
            first_line[item.external_id] = line
        if item.phone and item.phone in phone_line:
            scope.fail("phone", _("Duplicate of line %(line)d.") % {"line": phone_line[item.phone]})
        elif item.phone:
            phone_line[item.phone] = line
        report.errors += scope.errors
        if not scope.errors:
            parsed.append(item)

    finish_reading(table, report)
    refs = ExternalCustomerRef.objects.for_merchant(merchant).filter(source=options.source)
    done = existing(refs, "external_id", [c.external_id for c in parsed])
    fresh = [c for c in parsed if c.external_id not in done]
    taken = set(
        existing(Customer.objects.for_merchant(merchant), "phone", [c.phone for c in fresh if c.phone])
    )
    taken |= set(
        existing(
            CustomerIdentity.objects.for_merchant(merchant).filter(kind=IdentityKind.PHONE),
            "value",
            [c.phone for c in fresh if c.phone],
        )
    )
    phone_column = columns["phone"].label if "phone" in columns else "phone"
    for item in fresh:
        if item.phone in taken:
            reason = _("This phone number already belongs to another customer.")
            report.errors.append(RowError(item.line, phone_column, "phone", reason))
    bad_lines = {e.line for e in report.errors}
    fresh = [c for c in fresh if c.line not in bad_lines]
    report.duplicates = sum(1 for c in parsed if c.external_id in done)
    report.skipped = len(bad_lines)
    report.imported = len(fresh)

    with writing(
        merchant=merchant, report=report, options=options, filename=filename, staff=acting_staff
    ) as batch:
        ids = bulk.insert(
            Customer,
            [
                {
                    "merchant_id": merchant.pk,
                    "nickname": c.nickname,
                    "phone": c.phone,
                    "gender": c.gender,
                    "birthday": c.birthday,
                    "province": c.province,
                    "city": c.city,
                    "district": c.district,
                    "registered_at": c.registered_at,
                    "first_touch_source": Source.IMPORT,
                }
                for c in fresh
            ],
            returning=True,
        )
        bulk.insert(
            ExternalCustomerRef,
            [
                {
                    "merchant_id": merchant.pk,
                    "customer_id": customer_id,
                    "source": options.source,
                    "external_id": c.external_id,
                    "batch_id": batch.pk,
                }
                for c, customer_id in zip(fresh, ids, strict=True)
            ],
        )
        bulk.insert(
            CustomerIdentity,
            [
                {
                    "merchant_id": merchant.pk,
                    "customer_id": customer_id,
                    "kind": IdentityKind.PHONE,
                    "value": c.phone,
                }
                for c, customer_id in zip(fresh, ids, strict=True)
                if c.phone
            ],
        )
        report.created["customers"] = len(ids)
    return report
