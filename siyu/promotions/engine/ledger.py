"""The working state of one pricing: every line's amount, floor, discounts and stacking marks.

Every discount goes through ``Ledger.take`` or ``Ledger.spread``, which cap it at each line's room
above its floor and record what was capped, so no stage can break the floor or lose a fen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from siyu.promotions.engine.floor import spread_within_rooms
from siyu.promotions.engine.results import Applied, Hint, LineDiscount, LineKind, NotApplied, PricedLine
from siyu.promotions.engine.types import CartLine, Stage


@dataclass
class LineState:
    key: str
    source_index: int | None
    kind: LineKind
    line: CartLine  # the SKU's facts; ``line.quantity`` is the cart's, ``quantity`` is this line's
    quantity: int
    unit_price: int
    floor: int
    current: int  # what the line costs now, after the discounts (and points) recorded so far
    counts_for_thresholds: bool = True
    discounts: dict[str, tuple[Stage, int]] = field(default_factory=dict)
    marks: list[tuple[Stage, frozenset[Stage]]] = field(default_factory=list)
    points: int = 0

    @property
    def goods(self) -> int:
        return self.unit_price * self.quantity

    @property
    def room(self) -> int:
        return max(0, self.current - self.floor)

    def accepts(self, stage: Stage, stacks_with: frozenset[Stage]) -> bool:
        """Whether a discount at ``stage`` may join the discounts already on this line."""
        return all(stage in theirs and their_stage in stacks_with for their_stage, theirs in self.marks)

    def frozen(self) -> PricedLine:
        return PricedLine(
            key=self.key,
            source_index=self.source_index,
            kind=self.kind,
            sku_id=self.line.sku_id,
            product_id=self.line.product_id,
            quantity=self.quantity,
            unit_price=self.unit_price,
            goods_amount=self.goods,
            discount_amount=self.goods - self.current - self.points,
            points_amount=self.points,
            floor_amount=self.floor,
            discounts=tuple(LineDiscount(rid, stage, amt) for rid, (stage, amt) in self.discounts.items()),
        )


@dataclass
class Ledger:
    lines: list[LineState]
    applied: list[Applied] = field(default_factory=list)
    not_applied: list[NotApplied] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)

    def _book(self, rule_id: str, stage: Stage, index: int, amount: int) -> None:
        line = self.lines[index]
        line.current -= amount
        _, before = line.discounts.get(rule_id, (stage, 0))
        line.discounts[rule_id] = (stage, before + amount)

    def take(self, rule_id: str, stage: Stage, per_line: dict[int, int]) -> tuple[dict[int, int], int]:
        """Book per-line discounts, each capped at its line's room. Returns (booked, capped total)."""
        booked: dict[int, int] = {}
        capped = 0
        for index, amount in per_line.items():
            got = min(amount, self.lines[index].room)
            capped += amount - got
            if got:
                self._book(rule_id, stage, index, got)
                booked[index] = got
        return booked, capped

    def spread(
        self, rule_id: str, stage: Stage, total: int, indexes: list[int], weights: list[int]
    ) -> tuple[dict[int, int], int]:
        """Book ``total`` split over ``indexes`` by ``weights`` within the floor (see floor.py)."""
        parts = spread_within_rooms(total, weights, [self.lines[i].room for i in indexes])
        booked = {}
        for index, part in zip(indexes, parts, strict=True):
            if part:
                self._book(rule_id, stage, index, part)
                booked[index] = part
        return booked, total - sum(parts)

    def mark(self, indexes: Iterable[int], stage: Stage, stacks_with: frozenset[Stage]) -> None:
        for index in indexes:
            self.lines[index].marks.append((stage, stacks_with))

    def record(
        self,
        *,
        rule_id: str,
        kind: str,
        stage: Stage,
        booked: dict[int, int],
        capped: int,
        label: tuple[str, str],
        detail: str = "",
    ) -> Applied:
        entry = Applied(
            rule_id=rule_id,
            kind=kind,
            stage=stage,
            amount=sum(booked.values()),
            capped_by_floor=capped,
            label_zh=label[0],
            label_en=label[1],
            allocations=tuple((self.lines[i].key, amt) for i, amt in sorted(booked.items())),
            detail=detail,
        )
        self.applied.append(entry)
        return entry

    def refuse(self, rule_id: str, reason: str, label: tuple[str, str]) -> None:
        self.not_applied.append(NotApplied(rule_id, reason, label[0], label[1]))
