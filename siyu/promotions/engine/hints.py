"""Hints for what is almost reached: "再买¥23.00可减¥50.00", "还差1件享第二件半价"."""

from __future__ import annotations

from siyu.core.money import format_yuan
from siyu.promotions.engine.results import Hint
from siyu.promotions.engine.types import Basis


def spend_more(kind: str, rule_id: str, basis: Basis, gap: int, reward_zh: str, reward_en: str) -> Hint:
    """Reach a threshold by amount ("再买¥23.00可减50") or by quantity ("再买1件可打8折")."""
    if basis is Basis.QUANTITY:
        return Hint(
            kind=kind,
            rule_id=rule_id,
            gap_amount=0,
            gap_quantity=gap,
            text_zh=f"再买{gap}件可{reward_zh}",
            text_en=f"Add {gap} more item{'s' if gap > 1 else ''} to get {reward_en}",
        )
    return Hint(
        kind=kind,
        rule_id=rule_id,
        gap_amount=gap,
        gap_quantity=0,
        text_zh=f"再买{format_yuan(gap)}可{reward_zh}",
        text_en=f"Spend {format_yuan(gap)} more to get {reward_en}",
    )


def more_units(kind: str, rule_id: str, gap: int, reward_zh: str, reward_en: str) -> Hint:
    """A quantity promotion one or more units away ("还差1件享第二件半价")."""
    return Hint(
        kind=kind,
        rule_id=rule_id,
        gap_amount=0,
        gap_quantity=gap,
        text_zh=f"还差{gap}件享{reward_zh}",
        text_en=f"Add {gap} more item{'s' if gap > 1 else ''} for {reward_en}",
    )


def add_on_available(rule_id: str, price: int, name_zh: str, name_en: str) -> Hint:
    """The add-on threshold is reached but nothing was picked yet."""
    return Hint(
        kind="add_on",
        rule_id=rule_id,
        gap_amount=0,
        gap_quantity=0,
        text_zh=f"已满足条件, 可加{format_yuan(price)}换购{name_zh}",
        text_en=f"You can now add {name_en} for {format_yuan(price)}",
    )


def coupon_threshold(coupon_id: str, gap: int, label_zh: str, label_en: str) -> Hint:
    """A held coupon becomes usable after spending ``gap`` more."""
    return Hint(
        kind="coupon",
        rule_id=coupon_id,
        gap_amount=gap,
        gap_quantity=0,
        text_zh=f"再买{format_yuan(gap)}可用{label_zh}",
        text_en=f"Spend {format_yuan(gap)} more to use your {label_en}",
    )
