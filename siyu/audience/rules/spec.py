"""What the rule language knows: its fields, their types and operators, and its limits.

One table serves the validator, the compiler and the docs (docs/segments.md lists the same fields).
A value-model field (``source="value"``) reads ``values.CustomerValue``; a customer without a row
yet is judged on the model's defaults (``default`` here, equal to the model's field defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from siyu.audience.values.models import LifecycleStage, RfmClass, ValueTier
from siyu.events.models import EventKind
from siyu.members.models import Channel, Gender, Source

# Bounds: a rule is something an operator builds in a console, not a program.
MAX_DEPTH = 6  # groups inside groups
MAX_CONDITIONS = 60  # leaf conditions in one rule
MAX_GROUP_SIZE = 30  # children of one all/any group
MAX_LIST = 500  # values in one ``in`` list, ids in one tag condition
MAX_TEXT = 64
MAX_DAYS = 3650
MAX_COUNT = 100_000
MAX_SPEND = 10**11  # fen

ENUM, TEXT, PRESENCE, DATE, AGE, DATETIME, BOOL, INT, ID = (
    "enum",
    "text",
    "presence",
    "date",
    "age",
    "datetime",
    "bool",
    "int",
    "id",
)

COMPARE_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "between")
SET_OPS = ("is_set", "is_not_set")
OPS: dict[str, tuple[str, ...]] = {
    ENUM: ("eq", "ne", "in", "not_in"),
    TEXT: ("eq", "ne", "in", "not_in", "contains", *SET_OPS),
    PRESENCE: SET_OPS,
    DATE: ("eq", "gt", "gte", "lt", "lte", "between", "month_in", *SET_OPS),
    AGE: COMPARE_OPS,
    DATETIME: ("within_days", "older_than_days", "eq", "gt", "gte", "lt", "lte", "between"),
    BOOL: ("eq",),
    INT: COMPARE_OPS,
    ID: ("eq", "ne", "in", "not_in"),
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    source: str = "customer"  # or "value"
    nullable: bool = False
    default: Any = None  # value fields: the CustomerValue default, used when a customer has no row
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 10**12
    id_kind: str = ""  # ID fields: which merchant table the ids name

    @property
    def ops(self) -> tuple[str, ...]:
        ops = OPS[self.type]
        if self.nullable and self.type in (INT, ID, DATETIME):
            ops = (*ops, *SET_OPS)
        return ops

    @property
    def column(self) -> str:
        return "birthday" if self.type == AGE else self.name


def _fields(*specs: FieldSpec) -> dict[str, FieldSpec]:
    return {s.name: s for s in specs}


FIELDS = _fields(
    # members.Customer
    FieldSpec("gender", ENUM, choices=tuple(Gender.values)),
    FieldSpec("first_touch_source", ENUM, choices=tuple(Source.values)),
    FieldSpec("province", TEXT),
    FieldSpec("city", TEXT),
    FieldSpec("district", TEXT),
    FieldSpec("first_touch_campaign", TEXT),
    FieldSpec("phone", PRESENCE, nullable=True),
    FieldSpec("birthday", DATE, nullable=True),
    FieldSpec("age", AGE, nullable=True, high=150),
    FieldSpec("registered_at", DATETIME),
    FieldSpec("is_blocked", BOOL),
    # values.CustomerValue (LEFT JOIN semantics: no row = these defaults)
    FieldSpec("rfm_class", ENUM, "value", default="", choices=tuple(RfmClass.values)),
    FieldSpec(
        "lifecycle_stage",
        ENUM,
        "value",
        default=LifecycleStage.INTRODUCTION,
        choices=tuple(LifecycleStage.values),
    ),
    FieldSpec(
        "value_tier", ENUM, "value", default=ValueTier.NEWLY_ACTIVATED, choices=tuple(ValueTier.values)
    ),
    FieldSpec("is_semi_private", BOOL, "value", default=False),
    FieldSpec("loyalty_rung", INT, "value", default=0, high=3),
    FieldSpec("order_count", INT, "value", default=0, high=10**9),
    FieldSpec("paid_total", INT, "value", default=0, high=MAX_SPEND),
    FieldSpec("recency_days", INT, "value", nullable=True, high=100_000),
    FieldSpec("r_score", INT, "value", default=0, high=5),
    FieldSpec("f_score", INT, "value", default=0, high=5),
    FieldSpec("m_score", INT, "value", default=0, high=5),
    FieldSpec("favourite_category_id", ID, "value", nullable=True, low=1, high=2**62, id_kind="category"),
    FieldSpec("discount_order_share_bp", INT, "value", default=0, high=10_000),
    FieldSpec("coupon_use_share_bp", INT, "value", default=0, high=10_000),
    FieldSpec("preferred_hour", INT, "value", nullable=True, high=23),
    FieldSpec("first_order_at", DATETIME, "value", nullable=True),
    FieldSpec("last_order_at", DATETIME, "value", nullable=True),
    FieldSpec("last_engaged_at", DATETIME, "value", nullable=True),
)

# Shortcuts: ``{"rfm_class": [...]}`` is ``{"field": "rfm_class", "op": "in", "value": [...]}``.
LIST_SHORTCUTS = ("rfm_class", "lifecycle_stage", "value_tier")
COMPARE_SHORTCUTS = ("loyalty_rung",)

EVENT_KINDS = tuple(EventKind.values)
# ``where`` keys of an event condition: JSON properties (ints or text) and plain columns.
EVENT_WHERE: dict[str, str] = {
    "product_id": "property_id",
    "sku_id": "property_id",
    "keywords": "property_text",  # contains, case-insensitive for Latin letters
    "source": "column_enum",
    "campaign": "column_text",
}
EVENT_WHERE_IDS = {"product_id": "product", "sku_id": "sku"}

COUPON_STATUSES = ("unused", "usable", "expired", "locked", "used", "voided", "any")
CHANNELS = tuple(Channel.values)
TOP_KEYS = (
    "all",
    "any",
    "not",
    "field",
    "tag",
    *LIST_SHORTCUTS,
    "semi_private",
    *COMPARE_SHORTCUTS,
    "event",
    "orders",
    "coupons",
    "reachable",
    "consent",
    "wecom_group",
    "wecom_contact",
)
